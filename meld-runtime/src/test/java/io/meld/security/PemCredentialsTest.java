package io.meld.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.ClusterFormationException;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.cluster.ClusterSettings;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster on a public-key infrastructure of the user's own (PEM files, as cert-manager writes them):
 * nodes whose certificates chain to the configured authority form and work; a node whose certificate
 * another authority signed is refused.
 */
class PemCredentialsTest {
    @TempDir
    Path dir;

    @Test
    void shouldFormAndWorkWithCertificatesOfTheUsersOwnAuthority() throws Exception {
        Authority ca = new Authority("Test CA");
        Path[] files = ca.issue("node", dir);

        List<Long> results = Meld.localResults(2, pem(files[0], files[1], files[2]), meld -> {
            try (GlobalLongArray a = meld.longArray("a", 64)) {
                a.set(63 - meld.rank(), 10 + meld.rank()); // the other node's elements, mostly
                meld.barrier();
                return a.get(63 - (1 - meld.rank())) + a.addAndGet(0, 1);
            }
        });

        assertThat(results).hasSize(2);
        assertThat(results.get(0) + results.get(1)).isEqualTo(10 + 11 + 1 + 2);
    }

    @Test
    void shouldNotFormWhenTheNodesCertificateIsOfAnotherAuthority() throws Exception {
        Authority trusted = new Authority("Trusted CA");
        Authority other = new Authority("Other CA");
        Path[] mine = other.issue("stranger", dir);
        Path trustedCa = trusted.issue("unused", dir)[2];

        MeldConfig config =
                pem(mine[0], mine[1], trustedCa).with(ClusterSettings.FORMATION_TIMEOUT, Duration.ofSeconds(3));

        assertThatThrownBy(() -> Meld.local(2, config, meld -> meld.barrier()))
                .isInstanceOf(MeldException.class)
                .rootCause()
                .isInstanceOf(ClusterFormationException.class)
                .hasMessageContaining("did not form within 3000ms");
    }

    @Test
    void shouldAskForAllThreePemFilesNamingTheMissingOnes() throws Exception {
        Path[] files = new Authority("CA").issue("node", dir);
        MeldConfig config = MeldConfig.defaults().with(SecuritySettings.CERT_FILE, files[0].toString());

        assertThatThrownBy(() -> Meld.local(2, config, meld -> {}))
                .rootCause()
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.security.cert-file, meld.security.key-file and meld.security.ca-file go together;"
                        + " not set: meld.security.key-file, meld.security.ca-file");
    }

    private static MeldConfig pem(Path cert, Path key, Path ca) {
        return MeldConfig.defaults()
                .with(SecuritySettings.CERT_FILE, cert.toString())
                .with(SecuritySettings.KEY_FILE, key.toString())
                .with(SecuritySettings.CA_FILE, ca.toString());
    }

    /** A certificate authority of the test's, as a user's PKI would be. */
    private static final class Authority {
        private final X500Name name;
        private final KeyPair keys;
        private final X509Certificate cert;

        Authority(String commonName) throws Exception {
            this.name = new X500Name("CN=" + commonName);
            this.keys = ecKeys();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.ONE,
                    Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))),
                    name,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            this.cert = sign(b, keys.getPrivate());
        }

        /** @return the node's certificate, key and this authority's certificate, as PEM files */
        Path[] issue(String node, Path dir) throws Exception {
            KeyPair nodeKeys = ecKeys();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))),
                    new X500Name("CN=" + node),
                    nodeKeys.getPublic());
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            X509Certificate nodeCert = sign(b, keys.getPrivate());
            String prefix = name.toString().replaceAll("\\W", "") + "-" + node;
            Path certFile = dir.resolve(prefix + ".crt");
            Path keyFile = dir.resolve(prefix + ".key");
            Path caFile = dir.resolve(prefix + "-ca.crt");
            pem(certFile, nodeCert);
            pem(keyFile, new JcaPKCS8Generator(nodeKeys.getPrivate(), null).generate());
            pem(caFile, cert);
            return new Path[] {certFile, keyFile, caFile};
        }

        private static KeyPair ecKeys() throws Exception {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        }

        private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey by) throws Exception {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(by)));
        }

        private static void pem(Path file, Object object) throws IOException {
            try (Writer w = Files.newBufferedWriter(file);
                    JcaPEMWriter pem = new JcaPEMWriter(w)) {
                pem.writeObject(object);
            }
        }
    }
}
