package io.meld.security;

import io.meld.config.Setting;
import java.util.List;

/** Settings of the cluster's security; see {@code docs/security.md} and {@code docs/configuration.md}. */
public final class SecuritySettings {
    /** Whether only members get in. */
    public static final Setting<Boolean> ENABLED = Setting.booleanSetting(
            "meld.security.enabled",
            true,
            "Mutual TLS 1.3 on both planes (the JGroups cluster layer and the data path): a node proves it"
                    + " holds the cluster's secret (or a certificate of meld.security.ca-file) before anything"
                    + " of it is read, and everything between nodes is encrypted. bin/meld run, Meld.local and the"
                    + " Slurm and Kubernetes recipes make or mount a secret themselves; false lets anyone who"
                    + " reaches the ports join, read and write the cluster's memory and run code on it.");

    /** The file holding the cluster's secret. */
    public static final Setting<String> SECRET_FILE = Setting.stringSetting(
            "meld.security.secret-file",
            "",
            "File holding the cluster's secret (at least 16 bytes; surrounding white space is ignored),"
                    + " which other users may not read (mode 0600; 0640 for a group of your own, as a Kubernetes"
                    + " Secret with fsGroup). Every node of the cluster reads the"
                    + " same secret and makes its certificates from it; a node with another secret, or none, is"
                    + " refused. bin/meld run sets it to a secret of its own for every run.");

    /** A PEM certificate chain. */
    public static final Setting<String> CERT_FILE = Setting.stringSetting(
            "meld.security.cert-file",
            "",
            "PEM file of this node's certificate (then its issuers), for a public-key infrastructure of"
                    + " your own (e.g. cert-manager) instead of certificates made from the secret. It needs"
                    + " meld.security.key-file and meld.security.ca-file too, and must be usable for both TLS"
                    + " clients and servers.");

    /** A PEM private key. */
    public static final Setting<String> KEY_FILE = Setting.stringSetting(
            "meld.security.key-file",
            "",
            "PEM file of the private key of meld.security.cert-file (PKCS#8, or the traditional RSA or EC"
                    + " form; not encrypted), readable only by its owner.");

    /** PEM certificates of the trusted authorities. */
    public static final Setting<String> CA_FILE = Setting.stringSetting(
            "meld.security.ca-file",
            "",
            "PEM file of the certificate authorities whose certificates make a node a member, with"
                    + " meld.security.cert-file.");

    /** Whose TLS the data path uses. */
    public enum Provider {
        /** OpenSSL when its native library loads on this machine, else the JDK's. */
        AUTO,
        /** BoringSSL through netty-tcnative: an error where its native library does not load. */
        OPENSSL,
        /** The JDK's own (SunJSSE). */
        JDK
    }

    /** The data path's TLS implementation. */
    public static final Setting<Provider> PROVIDER = Setting.enumSetting(
            "meld.security.provider",
            Provider.class,
            Provider.AUTO,
            "Whose TLS the data path speaks: openssl (BoringSSL, shipped with Meld for Linux, macOS and Windows"
                    + " on x86_64 and aarch64), jdk (the JDK's own), or auto (openssl where its native library"
                    + " loads, else jdk). OpenSSL encrypts bulk transfers about twice as fast and makes handshakes"
                    + " about four times as fast here (docs/security.md). The cluster layer (JGroups) always uses the"
                    + " JDK's.");

    private SecuritySettings() {}

    /** @return every security setting */
    public static List<Setting<?>> all() {
        return List.of(ENABLED, SECRET_FILE, CERT_FILE, KEY_FILE, CA_FILE, PROVIDER);
    }
}
