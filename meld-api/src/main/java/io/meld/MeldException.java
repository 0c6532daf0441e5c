package io.meld;

import java.io.Serial;

/** The base of every exception Meld throws for a failure of the cluster or of a distributed operation. */
public class MeldException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with the values that explain it
     */
    public MeldException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with the values that explain it
     * @param cause the underlying failure
     */
    public MeldException(String message, Throwable cause) {
        super(message, cause);
    }
}
