package io.meld.security;

import io.meld.config.MeldConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Secret files for tests that start nodes by hand, each in a directory of its own. */
public final class TestSecrets {
    private static Path shared;

    private TestSecrets() {}

    /**
     * @return the defaults with a secret, the same for every call in this JVM (its file is deleted when the
     *     JVM exits): for nodes of tests that start them by hand
     */
    public static synchronized MeldConfig defaults() {
        if (shared == null) {
            shared = newSecretFile();
            // Deleted in the reverse order: the file, then its directory.
            shared.getParent().toFile().deleteOnExit();
            shared.toFile().deleteOnExit();
        }
        return MeldConfig.defaults().with(SecuritySettings.SECRET_FILE, shared.toString());
    }

    /** @return a new file of a new secret, mode 0600, in a new directory */
    public static Path newSecretFile() {
        return write(ClusterSecret.generate());
    }

    /** @return a new file of {@code secret}, mode 0600, in a new directory */
    public static Path write(ClusterSecret secret) {
        try {
            Path dir = Files.createTempDirectory(
                    "meld-test-secret-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("secret");
            secret.writeNew(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a file of {@link #newSecretFile()} and its directory. */
    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
