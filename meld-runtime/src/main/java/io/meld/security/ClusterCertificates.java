package io.meld.security;

import io.meld.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A node's TLS credentials: its private key, its certificate chain, and the authorities it trusts.
 *
 * <p>Made from the cluster's secret ({@link #fromSecret}), as Dask's {@code Security.temporary()} does but
 * with no certificate to hand around: every node derives the same certificate authority from the secret
 * and the cluster's name (an ECDSA P-256 key whose scalar is an HMAC-SHA256 key derivation of the
 * secret), trusts only it, and signs a certificate for a key pair of its own, new at every start. A
 * certificate so made binds the holder of the secret to the cluster's name (through the authority's key;
 * its names are the same in every cluster, so that it tells a stranger nothing): nodes with another secret,
 * or of another cluster, trust neither each other's authority nor certificates. It does not bind a rank,
 * which the cluster agrees on only after these connections exist (through the authenticated view); any
 * holder of the secret is a full member.
 *
 * <p>Or read from PEM files ({@link #fromPem}): whatever identity the user's authority binds.
 *
 * @param key the node's private key
 * @param chain its certificate, then its issuers
 * @param trusted the authorities whose certificates make a peer a member
 */
public record ClusterCertificates(PrivateKey key, X509Certificate[] chain, X509Certificate[] trusted) {
    private static final String CURVE = "secp256r1";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The authority's fields are fixed, so every node builds the same one (but for ECDSA's random signature). */
    private static final Date AUTHORITY_FROM = Date.from(Instant.parse("2020-01-01T00:00:00Z"));

    private static final Date AUTHORITY_UNTIL = Date.from(Instant.parse("2120-01-01T00:00:00Z"));
    private static final Duration NODE_VALIDITY = Duration.ofDays(3650);
    private static final Duration CLOCK_SKEW = Duration.ofDays(1);

    /**
     * Derives the cluster's authority from its secret and name, and makes this node a key pair and a
     * certificate signed by it.
     */
    public static ClusterCertificates fromSecret(ClusterSecret secret, String clusterName) {
        try {
            X500Name authority = name("Meld cluster authority");
            KeyPair ca = authorityKeys(secret, clusterName);
            X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(
                    authority, BigInteger.ONE, AUTHORITY_FROM, AUTHORITY_UNTIL, authority, ca.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            caBuilder.addExtension(
                    Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
            X509Certificate caCert = sign(caBuilder, ca.getPrivate());

            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE), RANDOM);
            KeyPair node = generator.generateKeyPair();
            Instant now = Instant.now();
            X509v3CertificateBuilder nodeBuilder = new JcaX509v3CertificateBuilder(
                    authority,
                    new BigInteger(63, RANDOM).add(BigInteger.TWO),
                    Date.from(now.minus(CLOCK_SKEW)),
                    Date.from(now.plus(NODE_VALIDITY)),
                    name("Meld node"),
                    node.getPublic());
            nodeBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            nodeBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            nodeBuilder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            nodeBuilder.addExtension(
                    Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.getPublic()));
            X509Certificate nodeCert = sign(nodeBuilder, ca.getPrivate());
            return new ClusterCertificates(
                    node.getPrivate(), new X509Certificate[] {nodeCert}, new X509Certificate[] {caCert});
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the node's certificate: " + e, e);
        }
    }

    /**
     * Reads a node's credentials from PEM files.
     *
     * @throws ConfigException naming the setting and file when one is missing, unreadable or holds no
     *     certificate or key
     */
    public static ClusterCertificates fromPem(Path cert, Path key, Path ca) {
        X509Certificate[] chain = certificates(cert, SecuritySettings.CERT_FILE.name());
        X509Certificate[] trusted = certificates(ca, SecuritySettings.CA_FILE.name());
        return new ClusterCertificates(privateKey(key), chain, trusted);
    }

    /** The authority's key pair: the same on every node with the same secret and cluster name. */
    static KeyPair authorityKeys(ClusterSecret secret, String clusterName) throws GeneralSecurityException {
        byte[] ikm = secret.bytes();
        byte[] okm;
        try {
            okm = hkdf(
                    ikm,
                    "meld cluster authority v1".getBytes(StandardCharsets.UTF_8),
                    clusterName.getBytes(StandardCharsets.UTF_8),
                    48);
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
        X9ECParameters curve = ECNamedCurveTable.getByName(CURVE);
        BigInteger order = curve.getN();
        // 48 bytes reduced modulo the 32-byte order: the bias is below 2^-128.
        BigInteger d =
                new BigInteger(1, okm).mod(order.subtract(BigInteger.ONE)).add(BigInteger.ONE);
        Arrays.fill(okm, (byte) 0);
        org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(d).normalize();
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec(CURVE));
        ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
        KeyFactory factory = KeyFactory.getInstance("EC");
        PrivateKey privateKey = factory.generatePrivate(new ECPrivateKeySpec(d, spec));
        PublicKey publicKey = factory.generatePublic(new ECPublicKeySpec(
                new ECPoint(
                        q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                spec));
        return new KeyPair(publicKey, privateKey);
    }

    /** HKDF with HMAC-SHA256 (RFC 5869), BouncyCastle's. */
    static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
        HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
        generator.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        generator.generateBytes(out, 0, length);
        return out;
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey by)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(by)));
    }

    private static X509Certificate[] certificates(Path file, String setting) {
        List<X509Certificate> certs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    certs.add(converter.getCertificate(h));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new ConfigException(setting + "=" + file + ": cannot read the PEM certificates: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new ConfigException(setting + "=" + file + ": the file holds no PEM certificate");
        }
        return certs.toArray(new X509Certificate[0]);
    }

    private static PrivateKey privateKey(Path file) {
        String setting = SecuritySettings.KEY_FILE.name();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(setting + "=" + file + ": cannot read the PEM private key: " + e.getMessage());
        }
        throw new ConfigException(setting + "=" + file
                + ": the file holds no unencrypted PEM private key (BEGIN PRIVATE KEY, BEGIN EC PRIVATE KEY or"
                + " BEGIN RSA PRIVATE KEY)");
    }
}
