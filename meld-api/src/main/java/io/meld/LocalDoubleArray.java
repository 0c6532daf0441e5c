package io.meld;

import java.util.List;

/**
 * This node's share of a {@link GlobalDoubleArray}, read and written plainly, at the speed of a Java
 * array: the elements the node holds ({@link GlobalArray#localLength()} of them), numbered by local index
 * in increasing global order. Got from {@link GlobalDoubleArray#local()}, usable by any thread of the
 * node (the program's own threads, or the body of a loop).
 *
 * <pre>{@code
 * LocalDoubleArray mine = grid.local();
 * double[] cells = mine.array();           // the share itself, when it is one chunk (up to 2^30 elements)
 * for (int j = 0; j < cells.length; j++) {
 *     long i = mine.globalIndex(j);        // the global index of local element j
 *     cells[j] = initial(i);
 * }
 * meld.barrier();                          // now every node's operations see the values
 * }</pre>
 *
 * <h2>Memory model</h2>
 *
 * Every access here is a plain (non-atomic, non-volatile) Java array access. It is right where the
 * program is free of data races on the elements it touches: between two synchronization points
 * (barriers, loops' ends, joins of the program's own threads, a {@code waitUntil} that saw a signal),
 * an element written plainly is touched by no other thread and no operation of any node. What a racy
 * program may see, and how plain writes become visible, is in {@code docs/memory-model.md}.
 *
 * <h2>Storage</h2>
 *
 * The share is stored in chunks of at most {@code meld.memory.chunk-size} elements (2<sup>30</sup> by
 * default), so it is one plain array ({@link #array()}) unless it is larger than that; {@link #spans()}
 * hands out the storage of any share, chunk by chunk. A view stays valid until the array is freed: it
 * then throws {@link IllegalStateException}, as the array does.
 */
public interface LocalDoubleArray {
    /** @return the number of elements this node holds */
    long length();

    /**
     * @param localIndex a local index, from 0 to {@code length() - 1}
     * @return the element's value, read plainly
     * @throws IndexOutOfBoundsException when the local index is out of range
     */
    double get(long localIndex);

    /**
     * @param localIndex a local index, from 0 to {@code length() - 1}
     * @param value the element's new value, written plainly
     * @throws IndexOutOfBoundsException when the local index is out of range
     */
    void set(long localIndex, double value);

    /**
     * Copies the elements {@code [localFrom, localFrom + length)} into {@code dst[offset, offset + length)}.
     *
     * @param localFrom the first local index
     * @param dst where to copy them
     * @param offset the first position in {@code dst}
     * @param length how many
     * @throws IndexOutOfBoundsException when a range is outside the share or {@code dst}
     */
    void get(long localFrom, double[] dst, int offset, int length);

    /**
     * Copies {@code src[offset, offset + length)} into the elements {@code [localFrom, localFrom + length)}.
     *
     * @param localFrom the first local index
     * @param src the values
     * @param offset the first position in {@code src}
     * @param length how many
     * @throws IndexOutOfBoundsException when a range is outside the share or {@code src}
     */
    void put(long localFrom, double[] src, int offset, int length);

    /**
     * @param localIndex a local index, from 0 to {@code length() - 1}
     * @return the global index of that element
     * @throws IndexOutOfBoundsException when the local index is out of range
     */
    long globalIndex(long localIndex);

    /**
     * @param globalIndex a global index of the array
     * @return its local index when this node holds it, otherwise -1
     * @throws IndexOutOfBoundsException when the global index is outside the array
     */
    long localIndex(long globalIndex);

    /**
     * The share's storage itself, when it is one chunk: local index {@code j} is position {@code j}.
     * Writing it is writing the global array's elements.
     *
     * @return the array holding this node's elements (an empty array when the node holds none)
     * @throws IllegalStateException when the share is several chunks (it exceeds {@code
     *     meld.memory.chunk-size}), saying so: use {@link #spans()}
     */
    double[] array();

    /**
     * The whole share as spans, in local index order: each a run of positions of one chunk whose
     * elements have evenly spaced global indices (see {@link LocalSpan}). A {@code BLOCK} or {@code
     * CYCLIC} array, and any array on one node, has one span per chunk; a block-cyclic array on several
     * nodes one per block (or per piece of a block that a chunk boundary cuts). Each span's {@link
     * LocalSpan#of} accepts this array and arrays distributed alike.
     *
     * @return the spans
     */
    List<LocalSpan> spans();
}
