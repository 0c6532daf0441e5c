package io.meld.memory;

import io.meld.Distribution;
import io.meld.transport.ProtocolException;

/**
 * One node's view of one global array: its layout, the chunk-to-home table, and the chunks this node
 * holds. A {@code double} array stores its elements' raw bits, so both element types share the storage,
 * the wire format and the atomics.
 *
 * <p><b>Concurrency</b>: the layout is immutable; {@link #chunks} entries are written once, before the
 * array is published to other threads by {@link MemoryService}'s registration (a volatile write), and
 * their elements are accessed only through {@link Atomics}. {@link #homes} is read on every operation;
 * re-homing (failover) will replace entries and must publish them the same way.
 */
final class GlobalStorage {
    final int id;
    final String name;
    final boolean isDouble;
    final Distribution distribution;
    final ArrayLayout layout;
    final int rank;
    /** Chunks by global chunk number; {@code null} where the chunk lives on another node. */
    final long[][] chunks;
    /** The node holding each chunk. */
    final int[] homes;

    final boolean narrow;

    static final int LIVE = 0;
    static final int FREED = 1;
    static final int NODE_CLOSED = 2;

    /** {@link #LIVE}, {@link #FREED} or {@link #NODE_CLOSED}; once not live, never live again. */
    volatile int state = LIVE;

    GlobalStorage(int id, String name, boolean isDouble, long length, Distribution distribution, int nodes, int rank) {
        this(id, name, isDouble, length, distribution, nodes, rank, false);
    }

    /**
     * @param forceWide whether operations carry 8-byte slots even where 4-byte ones would do: lets tests
     *     exercise the wide encoding, which otherwise only arrays of more than 2^32 slots use
     */
    GlobalStorage(
            int id,
            String name,
            boolean isDouble,
            long length,
            Distribution distribution,
            int nodes,
            int rank,
            boolean forceWide) {
        this.id = id;
        this.name = name;
        this.isDouble = isDouble;
        this.distribution = distribution;
        this.layout = new ArrayLayout(length, nodes, distribution);
        this.rank = rank;
        long chunkCount = layout.chunks();
        if (chunkCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "array '" + name + "' of " + length + " elements needs more chunks than a node can track");
        }
        this.chunks = new long[(int) chunkCount][];
        this.homes = new int[(int) chunkCount];
        for (int p = 0; p < nodes; p++) {
            int base = (int) layout.chunkBase(p);
            for (int c = 0; c < layout.chunkCount(p); c++) {
                homes[base + c] = p;
                if (p == rank) {
                    chunks[base + c] = new long[layout.chunkLength(p, c)];
                }
            }
        }
        this.narrow = !forceWide && layout.narrowSlots();
    }

    /** @return the node holding the element at {@code slot} */
    int home(long slot) {
        return homes[(int) (slot >>> ArrayLayout.CHUNK_SHIFT)];
    }

    /**
     * The chunk holding a slot that a peer sent, checked: the peer must have addressed this node.
     *
     * @throws ProtocolException when the slot is not held here
     */
    long[] localChunk(long slot) {
        long c = slot >>> ArrayLayout.CHUNK_SHIFT;
        long[] chunk = c < chunks.length ? chunks[(int) c] : null;
        if (chunk == null || (slot & ArrayLayout.CHUNK_MASK) >= chunk.length) {
            throw new ProtocolException("slot " + slot + " of array '" + name + "' is not held by node " + rank);
        }
        return chunk;
    }

    /** @return the number of elements this node holds */
    long localLength() {
        return layout.partitionLength(rank);
    }

    /** @return why the array cannot be used, for messages */
    String stateText() {
        return state == FREED ? "has been freed" : state == NODE_CLOSED ? "belongs to a closed node" : "is live";
    }

    /** @return a one-line description of the array, as the allocation check compares it */
    String describe() {
        return (isDouble ? "double" : "long") + "[" + layout.length() + "] " + distribution;
    }
}
