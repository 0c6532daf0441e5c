package io.meld;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A checkpoint could not be written, or a directory could not be restored from: it is missing, partial,
 * corrupt, of another format, or does not match the arrays it is restored into. {@link #path()} is the
 * file (or directory) at fault, and the message says what is wrong with it, and on which node it was
 * found. Thrown on every node together: {@link Meld#checkpoint} and {@link Meld#restore} agree on the
 * outcome before they return.
 */
public class CheckpointException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A string, since {@link Path} is not serializable. */
    private final String path;

    /**
     * @param path the file or directory at fault
     * @param message what is wrong with it, naming it
     */
    public CheckpointException(Path path, String message) {
        super(message);
        this.path = path.toString();
    }

    /**
     * @param path the file or directory at fault
     * @param message what is wrong with it, naming it
     * @param cause the I/O error behind it
     */
    public CheckpointException(Path path, String message, Throwable cause) {
        super(message, cause);
        this.path = path.toString();
    }

    /** @return the file or directory at fault, as it was named to the node that found the problem */
    public Path path() {
        return Path.of(path);
    }
}
