package io.meld;

/**
 * What every global array has: a name, a length, a distribution over the nodes, and a collective
 * {@link #close()} that frees it on every node.
 *
 * <p>Indices are {@code long} from {@code 0} to {@code length() - 1}. An index out of that range
 * throws {@link IndexOutOfBoundsException} naming the array, the index and the length, before anything
 * is sent.
 */
public sealed interface GlobalArray extends AutoCloseable permits GlobalLongArray, GlobalDoubleArray {
    /** @return the name it was allocated under */
    String name();

    /** @return the number of elements */
    long length();

    /** @return how the elements are spread over the nodes */
    Distribution distribution();

    /**
     * @param index an element
     * @return the rank of the node the element lives on (its home)
     * @throws IndexOutOfBoundsException when the index is out of range
     */
    int owner(long index);

    /** @return how many elements live on this node */
    long localLength();

    /**
     * @param localIndex an index in this node's local index space, from 0 to {@code localLength() - 1}
     * @return the global index of that element
     * @throws IndexOutOfBoundsException when the local index is out of range
     */
    long globalIndex(long localIndex);

    /**
     * Frees the array on every node. A collective: every node calls it, after which no node may use the
     * array. It waits until every operation this thread issued on any array is complete (a {@code
     * fence()}) and every node has arrived. Calling it again does nothing.
     */
    @Override
    void close();
}
