package io.meld;

import java.io.Serial;

/**
 * An operation or collective could not complete because a node it needed has failed: its process died,
 * its connection broke, or it left the cluster without closing.
 */
public class NodeFailedException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int node;

    /**
     * @param node the rank of the failed node
     * @param message what was waiting on it
     * @param cause what revealed the failure, may be {@code null}
     */
    public NodeFailedException(int node, String message, Throwable cause) {
        super(message, cause);
        this.node = node;
    }

    /** @return the rank of the failed node */
    public int node() {
        return node;
    }
}
