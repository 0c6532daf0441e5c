package io.meld;

import java.io.Serial;

/**
 * A remote task failed. {@link #node()} is where it ran; the message holds the class and message of
 * what the task threw there, and the stack trace is the task's, as it was on that node. A {@code
 * finish} whose tasks failed throws one of these whose {@linkplain #getSuppressed() suppressed}
 * exceptions are every task failure it gathered.
 */
public class TaskFailedException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int node;

    /**
     * @param node where the task ran, or -1 for a {@code finish} that gathers several
     * @param message what failed
     */
    public TaskFailedException(int node, String message) {
        super(message);
        this.node = node;
    }

    /** @return the node the task ran on, or -1 when this gathers the failures of several */
    public int node() {
        return node;
    }
}
