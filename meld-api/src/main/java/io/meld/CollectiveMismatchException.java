package io.meld;

import java.io.Serial;

/**
 * Nodes called different collectives at the same point of the program (for example one called {@code
 * barrier()} where another called {@code allReduce}, or they named different roots). The program is
 * wrong; every node that reaches the mismatched collective fails with this exception, and so does every
 * later collective on those nodes.
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
