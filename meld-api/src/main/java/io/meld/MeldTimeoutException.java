package io.meld;

import java.io.Serial;

/**
 * A remote operation did not complete within its timeout ({@code meld.memory.timeout}). The message
 * names the operation, the array, the index and the node it waited for. The operation may still be
 * applied later: a timeout says the answer did not come, not that the operation was undone.
 */
public class MeldTimeoutException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what timed out, on which node, after how long
     */
    public MeldTimeoutException(String message) {
        super(message);
    }
}
