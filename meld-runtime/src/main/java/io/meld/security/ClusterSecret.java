package io.meld.security;

import io.meld.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The secret every node of a cluster holds, from which the cluster's certificate authority is derived
 * ({@link ClusterCertificates}). Its bytes never leave the node: it is not written to logs, and {@link
 * #toString()} does not show it.
 */
public final class ClusterSecret {
    /** The fewest bytes a secret may have. */
    public static final int MIN_BYTES = 16;

    private static final int GENERATED_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    /** What a secret's file must not allow: anything to other users, or writing to its group. */
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE,
            PosixFilePermission.GROUP_WRITE);

    private final byte[] bytes;

    private ClusterSecret(byte[] bytes) {
        this.bytes = bytes;
    }

    /** @return a new random secret: 32 random bytes as 64 hexadecimal digits */
    public static ClusterSecret generate() {
        byte[] random = new byte[GENERATED_BYTES];
        RANDOM.nextBytes(random);
        return new ClusterSecret(HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads a secret from a file, which no other user may read and only its owner may write (its group may
     * read it: a Kubernetes Secret is mounted for the pod's group, {@code fsGroup}).
     *
     * @param file the file
     * @param setting the setting that named it, for messages
     * @throws ConfigException when the file is missing, unreadable, readable by others, or too short
     */
    public static ClusterSecret read(Path file, String setting) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(TOO_OPEN::contains)) {
                throw new ConfigException(setting + "=" + file + ": the secret file is open to others (mode "
                        + PosixFilePermissions.toString(mode) + "); make it readable only by its owner: chmod 600 "
                        + file);
            }
        } catch (UnsupportedOperationException e) {
            // A file system without POSIX modes: nothing to check.
        } catch (IOException e) {
            throw new ConfigException(setting + "=" + file + ": cannot read the secret file: " + e);
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(setting + "=" + file + ": cannot read the secret file: " + e);
        }
        byte[] trimmed = trim(raw);
        Arrays.fill(raw, (byte) 0);
        if (trimmed.length < MIN_BYTES) {
            throw new ConfigException(setting + "=" + file + ": the secret has " + trimmed.length
                    + " bytes, fewer than " + MIN_BYTES + " (make one with: head -c 32 /dev/urandom | od -An -tx1"
                    + " | tr -d ' \\n' > " + file + ")");
        }
        return new ClusterSecret(trimmed);
    }

    /**
     * Writes this secret to a new file readable only by its owner.
     *
     * @param file where; it must not exist
     * @throws IOException when it cannot be written
     */
    public void writeNew(Path file) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.write(file, bytes);
    }

    /** @return a copy of the secret's bytes */
    byte[] bytes() {
        return bytes.clone();
    }

    private static byte[] trim(byte[] raw) {
        int from = 0;
        int to = raw.length;
        while (from < to && Character.isWhitespace(raw[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(raw[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(raw, from, to);
    }

    @Override
    public String toString() {
        return "ClusterSecret[" + bytes.length + " bytes]";
    }
}
