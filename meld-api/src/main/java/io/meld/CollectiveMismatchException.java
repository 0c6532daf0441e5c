package io.meld;

import java.io.Serial;

/**
 * Nodes called different collectives at the same point of the program (for example one called {@code
 * barrier()} where another called {@code allReduce}, or they named different roots). The program is
 * wrong; every node fails with this exception in the mismatched collective or, when its own part of it
 * could still complete (a receiver of a broadcast that matched the root's), in its next one; every
 * later collective fails too.
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
