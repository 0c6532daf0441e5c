package io.meld;

import java.io.Serial;

/**
 * Nodes called different collectives at the same point of the program (for example one called {@code
 * barrier()} where another called {@code allReduce}, or they named different roots). The program is
 * wrong; every node fails with this exception in the mismatched collective or, when its own part of it
 * could still complete (a receiver of a broadcast that matched the root's), in its next one.
 *
 * <p>A mismatch is final, since the nodes no longer agree on which collective comes next: every later
 * collective on every node, loops, allocations and {@link GlobalArray#close()} included, throws this
 * exception at once, with the same message, naming the first mismatch (a loop runs no iteration). What
 * is not a collective still works: operations on global arrays and synchronization objects allocated
 * before, {@link Meld#fence()}, messages and remote tasks, so a program can still save or report what it
 * has; and {@link Meld#close()}, which leaves the cluster as usual. Collectives work again only in a new
 * cluster.
 */
public class CollectiveMismatchException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message which collective, which nodes and what each of them called
     */
    public CollectiveMismatchException(String message) {
        super(message);
    }
}
