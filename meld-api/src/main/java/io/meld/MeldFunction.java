package io.meld;

/**
 * An SPMD program that returns one result per node.
 *
 * @param <T> the type of each node's result
 * @see Meld#localResults(int, MeldFunction)
 */
@FunctionalInterface
public interface MeldFunction<T> {
    /**
     * Runs this node's part of the program and returns its result.
     *
     * @param meld this node's handle; it is closed by the caller after this method returns
     * @return this node's result, may be {@code null}
     * @throws Exception anything the program throws; it fails the run and is reported with the node
     */
    T apply(Meld meld) throws Exception;
}
