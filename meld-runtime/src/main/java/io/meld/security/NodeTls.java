package io.meld.security;

import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import io.meld.transport.TransportTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A node's TLS contexts for both planes, made from its {@link ClusterCertificates}: a JDK {@link
 * SSLContext} for JGroups' TCP (whose sockets take nothing else), and Netty contexts for the data path,
 * by OpenSSL (BoringSSL) where its native library loads ({@code meld.security.provider}). Both speak TLS 1.3 only and require
 * the peer's certificate (mutual TLS) in both directions. No host name is checked: a certificate makes
 * its holder a member of the cluster wherever it runs ({@link ClusterCertificates} says what it binds).
 *
 * @param control the context of the cluster layer (JGroups)
 * @param data the contexts of the data path
 */
public record NodeTls(SSLContext control, TransportTls data) {
    /** The only protocol either plane speaks. */
    public static final String PROTOCOL = "TLSv1.3";

    /**
     * TLS 1.3's suites, the cheapest first: AES-128-GCM encrypts and authenticates a byte in about three
     * quarters of AES-256-GCM's time here (both with AES-NI), and a bulk transfer pays it on every byte at
     * both ends. 128-bit keys are the strength TLS 1.3 itself prefers.
     */
    public static final List<String> CIPHERS =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * The node's TLS contexts as its settings ask, or {@code null} when security is off.
     *
     * @param config the node's settings
     * @param clusterName the cluster's name, bound into certificates made from a secret
     * @param given a secret the launcher holds in memory ({@code Meld.local}), or {@code null} to read
     *     {@code meld.security.secret-file}
     * @throws ConfigException when security is on and neither a secret nor PEM files are given, or they
     *     cannot be read
     */
    public static NodeTls of(MeldConfig config, String clusterName, ClusterSecret given) {
        if (!config.get(SecuritySettings.ENABLED)) {
            return null;
        }
        return of(credentials(config, clusterName, given), provider(config));
    }

    /** The contexts of the given credentials, with the data path's TLS by OpenSSL where it loads. */
    public static NodeTls of(ClusterCertificates c) {
        return of(c, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /**
     * @return the data path's TLS implementation as the settings ask
     * @throws ConfigException when they ask for OpenSSL and its native library does not load here
     */
    static SslProvider provider(MeldConfig config) {
        return switch (config.get(SecuritySettings.PROVIDER)) {
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new ConfigException(SecuritySettings.PROVIDER.name() + "=openssl (from "
                            + config.source(SecuritySettings.PROVIDER) + "): OpenSSL does not load on this machine: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
        };
    }

    /** The contexts of the given credentials, the data path's with {@code provider}. */
    static NodeTls of(ClusterCertificates c, SslProvider provider) {
        try {
            // The key as it is, not through a key store: a PKCS#12 store encrypts a key it is given with
            // 10,000 rounds of PBKDF2, and decrypts it again, which costs a node's start far more than
            // the rest of its TLS.
            KeyManager keys = new NodeKeyManager(c.key(), c.chain());
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            X509Certificate[] trusted = c.trusted();
            for (int i = 0; i < trusted.length; i++) {
                trust.setCertificateEntry("authority-" + i, trusted[i]);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            SSLContext control = SSLContext.getInstance(PROTOCOL);
            control.init(new KeyManager[] {keys}, tmf.getTrustManagers(), null);

            SslContext server = SslContextBuilder.forServer(keys)
                    .trustManager(tmf)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOL)
                    .ciphers(CIPHERS)
                    .sslProvider(provider)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(keys)
                    .trustManager(tmf)
                    .protocols(PROTOCOL)
                    .ciphers(CIPHERS)
                    .sslProvider(provider)
                    .endpointIdentificationAlgorithm(null)
                    .build();
            return new NodeTls(control, new TransportTls(server, client));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + e, e);
        }
    }

    private static ClusterCertificates credentials(MeldConfig config, String clusterName, ClusterSecret given) {
        String cert = config.get(SecuritySettings.CERT_FILE);
        String key = config.get(SecuritySettings.KEY_FILE);
        String ca = config.get(SecuritySettings.CA_FILE);
        if (!cert.isEmpty() || !key.isEmpty() || !ca.isEmpty()) {
            if (cert.isEmpty() || key.isEmpty() || ca.isEmpty()) {
                List<String> missing = new ArrayList<>();
                for (Setting<String> f :
                        List.of(SecuritySettings.CERT_FILE, SecuritySettings.KEY_FILE, SecuritySettings.CA_FILE)) {
                    if (config.get(f).isEmpty()) {
                        missing.add(f.name());
                    }
                }
                throw new ConfigException(SecuritySettings.CERT_FILE.name() + ", " + SecuritySettings.KEY_FILE.name()
                        + " and " + SecuritySettings.CA_FILE.name() + " go together; not set: "
                        + String.join(", ", missing));
            }
            return ClusterCertificates.fromPem(Path.of(cert), Path.of(key), Path.of(ca));
        }
        ClusterSecret secret = given;
        if (secret == null) {
            String file = config.get(SecuritySettings.SECRET_FILE);
            if (file.isEmpty()) {
                throw new ConfigException(SecuritySettings.ENABLED.name() + " is true (from "
                        + config.source(SecuritySettings.ENABLED) + ") but this node has no secret: set "
                        + SecuritySettings.SECRET_FILE.name() + " (MELD_SECURITY_SECRET_FILE) to a file only its"
                        + " owner reads, the same on every node, or the PEM files of "
                        + SecuritySettings.CERT_FILE.name() + "; bin/meld run does this for you (docs/security.md)");
            }
            secret = ClusterSecret.read(Path.of(file), SecuritySettings.SECRET_FILE.name());
        }
        return ClusterCertificates.fromSecret(secret, clusterName);
    }

    /** The node's one key and its chain, for every connection of either side. */
    private static final class NodeKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "node";

        private final PrivateKey key;
        private final X509Certificate[] chain;

        NodeKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain.clone();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
