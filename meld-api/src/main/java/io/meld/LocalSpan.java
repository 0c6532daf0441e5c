package io.meld;

/**
 * A run of this node's own elements, handed to the body of {@link Meld#forallLocal}: the positions
 * {@code [start(), end())} of plain Java arrays that hold the elements themselves, with the global index
 * of each. The body reads and writes them as it would any array, at memory speed:
 *
 * <pre>{@code
 * meld.forallLocal(a, span -> {
 *     double[] x = span.of(a), y = span.of(b), z = span.of(c);   // a, b, c distributed alike
 *     for (int j = span.start(); j < span.end(); j++) {
 *         x[j] = y[j] + 3.0 * z[j];
 *     }
 * });
 * }</pre>
 *
 * <h2>Several arrays</h2>
 *
 * {@link #of(GlobalDoubleArray)} gives the storage of any array <i>distributed alike</i> with the loop's
 * array: of the same length and {@link Distribution}. Such arrays put the same global indices at the
 * same positions of their storage on every node, so one span serves them all. An array distributed
 * otherwise holds other elements at those positions: {@code of} refuses it with an {@link
 * IllegalArgumentException} naming both arrays (read it with {@code get} or a bulk copy instead).
 *
 * <h2>Global indices</h2>
 *
 * The elements of a span have evenly spaced global indices: the element at position {@code j} is
 * element {@code globalStart() + (j - start()) * stride()}. The stride is 1 for {@link
 * Distribution#BLOCK} and {@link Distribution#blockCyclic block-cyclic} arrays (a block-cyclic span
 * ends with its block) and the number of nodes for {@link Distribution#CYCLIC} ones. A span lies within
 * one chunk of storage ({@code meld.memory.chunk-size}, by default 2<sup>30</sup> elements), so the
 * positions are {@code int}s.
 *
 * <h2>Memory model</h2>
 *
 * Reads and writes through a span are plain Java array accesses: not atomic operations, and not seen
 * by other threads or nodes until a synchronization point orders them (the end of the loop, a barrier).
 * Within one {@code forallLocal} every element belongs to exactly one span, so a body that touches only
 * its own span's positions is free of data races. See {@code docs/memory-model.md}.
 *
 * <p>A span is valid only during the call of the body that got it.
 */
public interface LocalSpan {
    /** @return the first position of the span in the arrays {@link #of} returns */
    int start();

    /** @return the position after the last */
    int end();

    /** @return the global index of the element at {@link #start()} */
    long globalStart();

    /** @return how far apart the global indices of neighbouring positions are: 1, or the node count for CYCLIC */
    long stride();

    /** @return the index in this node's share ({@link GlobalArray#globalIndex(long)}'s argument) of {@link #start()} */
    long localStart();

    /**
     * @param position a position in {@code [start(), end())}
     * @return the global index of the element there
     */
    default long globalIndex(int position) {
        return globalStart() + (position - start()) * stride();
    }

    /**
     * The storage of {@code array}'s elements of this span: its element {@link #globalIndex(int)
     * globalIndex(j)} is at position {@code j}, for {@code j} in {@code [start(), end())}. Other positions
     * hold other elements of this node; leave them to their own spans.
     *
     * @param array the loop's array, or one distributed alike (same length and distribution)
     * @return the array holding those elements; the same array object for every span of one chunk
     * @throws IllegalArgumentException when {@code array} is not distributed like the loop's array, naming
     *     both, or is not one of this node's arrays
     * @throws IllegalStateException when the array has been freed
     */
    long[] of(GlobalLongArray array);

    /**
     * The storage of {@code array}'s elements of this span; see {@link #of(GlobalLongArray)}.
     *
     * @param array the loop's array, or one distributed alike (same length and distribution)
     * @return the array holding those elements
     * @throws IllegalArgumentException when {@code array} is not distributed like the loop's array, naming
     *     both, or is not one of this node's arrays
     * @throws IllegalStateException when the array has been freed
     */
    double[] of(GlobalDoubleArray array);
}
