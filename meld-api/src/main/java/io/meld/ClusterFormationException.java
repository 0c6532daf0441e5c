package io.meld;

import java.io.Serial;

/**
 * The cluster could not be formed: a node is missing after the formation timeout, the nodes disagree on
 * the cluster's size or ranks, or an address could not be bound. The message names the nodes and
 * addresses concerned.
 */
public class ClusterFormationException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the nodes or addresses concerned
     */
    public ClusterFormationException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the nodes or addresses concerned
     * @param cause the underlying failure
     */
    public ClusterFormationException(String message, Throwable cause) {
        super(message, cause);
    }
}
