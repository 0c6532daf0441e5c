package io.meld.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secret's file rules, and what a certificate made from a secret binds. */
class ClusterCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void shouldDeriveTheSameAuthorityFromTheSameSecretAndName() throws Exception {
        Path file = write("s", "0123456789abcdef0123456789abcdef\n", "rw-------");
        ClusterSecret secret = ClusterSecret.read(file, "meld.security.secret-file");
        ClusterSecret again = ClusterSecret.read(file, "meld.security.secret-file");

        ClusterCertificates a = ClusterCertificates.fromSecret(secret, "run-1");
        ClusterCertificates b = ClusterCertificates.fromSecret(again, "run-1");

        assertThat(a.trusted()[0].getPublicKey()).isEqualTo(b.trusted()[0].getPublicKey());
        assertThat(a.chain()[0].getPublicKey())
                .as("each node has a key pair of its own")
                .isNotEqualTo(b.chain()[0].getPublicKey());
        // Each node trusts the other's certificate: it chains to the authority both derived.
        trustManager(a).checkClientTrusted(b.chain(), "EC");
        trustManager(b).checkServerTrusted(a.chain(), "ECDHE_ECDSA");
    }

    @Test
    void shouldDeriveWithHkdfAsRfc5869Says() {
        // RFC 5869, test case 1: every node must derive the authority alike, whatever builds it.
        byte[] ikm = new byte[22];
        java.util.Arrays.fill(ikm, (byte) 0x0b);
        byte[] okm = ClusterCertificates.hkdf(
                ikm,
                HexFormat.of().parseHex("000102030405060708090a0b0c"),
                HexFormat.of().parseHex("f0f1f2f3f4f5f6f7f8f9"),
                42);

        assertThat(HexFormat.of().formatHex(okm))
                .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void shouldNotTrustACertificateOfAnotherSecretOrAnotherCluster() throws Exception {
        ClusterCertificates ours = ClusterCertificates.fromSecret(ClusterSecret.generate(), "run-1");
        ClusterCertificates otherSecret = ClusterCertificates.fromSecret(ClusterSecret.generate(), "run-1");
        Path file = write("s", "0123456789abcdef0123456789abcdef", "rw-------");
        ClusterCertificates name1 = ClusterCertificates.fromSecret(ClusterSecret.read(file, "x"), "run-1");
        ClusterCertificates name2 = ClusterCertificates.fromSecret(ClusterSecret.read(file, "x"), "run-2");

        assertThatThrownBy(() -> trustManager(ours).checkClientTrusted(otherSecret.chain(), "EC"))
                .isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> trustManager(name1).checkClientTrusted(name2.chain(), "EC"))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void shouldNameNeitherTheClusterNorTheSecretInACertificate() {
        ClusterCertificates c = ClusterCertificates.fromSecret(ClusterSecret.generate(), "my-secret-cluster-name");

        for (X509Certificate cert : new X509Certificate[] {c.chain()[0], c.trusted()[0]}) {
            assertThat(cert.getSubjectX500Principal().getName()).doesNotContain("my-secret-cluster-name");
            assertThat(cert.getIssuerX500Principal().getName()).doesNotContain("my-secret-cluster-name");
        }
    }

    @Test
    void shouldRefuseASecretFileOthersMayRead() throws IOException {
        Path open = write("open", "0123456789abcdef0123456789abcdef", "rw-r--r--");
        Path groupWritable = write("gw", "0123456789abcdef0123456789abcdef", "rw-rw----");

        assertThatThrownBy(() -> ClusterSecret.read(open, "meld.security.secret-file"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.security.secret-file=" + open + ": the secret file is open to others (mode"
                        + " rw-r--r--); make it readable only by its owner: chmod 600 " + open);
        assertThatThrownBy(() -> ClusterSecret.read(groupWritable, "meld.security.secret-file"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(mode rw-rw----)");
    }

    @Test
    void shouldTakeASecretFileItsGroupMayReadAsAKubernetesSecretIsMounted() throws IOException {
        Path file = write("k8s", "0123456789abcdef0123456789abcdef", "r--r-----");

        assertThat(ClusterSecret.read(file, "meld.security.secret-file")).hasToString("ClusterSecret[32 bytes]");
    }

    @Test
    void shouldRefuseAShortSecretAndAMissingFileNamingThem() throws IOException {
        Path shortOne = write("short", "  tooshort \n", "rw-------");
        Path missing = dir.resolve("missing");

        assertThatThrownBy(() -> ClusterSecret.read(shortOne, "meld.security.secret-file"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "meld.security.secret-file=" + shortOne + ": the secret has 8 bytes, fewer" + " than 16");
        assertThatThrownBy(() -> ClusterSecret.read(missing, "meld.security.secret-file"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.security.secret-file=" + missing + ": cannot read the secret file");
    }

    @Test
    void shouldNameThePemFileThatHoldsNoCertificateOrKey() throws IOException {
        Path empty = write("empty.pem", "nothing here\n", "rw-------");

        assertThatThrownBy(() -> ClusterCertificates.fromPem(empty, empty, empty))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.security.cert-file=" + empty + ": the file holds no PEM certificate");
    }

    private Path write(String name, String content, String mode) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private static X509TrustManager trustManager(ClusterCertificates c) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("authority", c.trusted()[0]);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}
