package io.meld.memory;

import io.meld.Distribution;

/**
 * Where each element of a global array lives: the {@link Distribution}'s arithmetic, and the storage
 * slots that elements occupy.
 *
 * <h2>Partitions and local indices</h2>
 *
 * The distribution splits the index space into {@code N} partitions, partition {@code p} being what
 * node {@code p} holds when the array is allocated. Within a partition, elements are numbered by
 * increasing global index: the local index. {@link #partition(long)} and {@link #localIndex(long)} map a
 * global index there; {@link #globalIndex(int, long)} maps back.
 *
 * <h2>Chunks and slots</h2>
 *
 * Each partition is stored in chunks of {@link #chunkSize()} elements (the last one shorter): the
 * smallest power of two that holds the largest partition, but at most {@code 2^maxChunkShift} ({@code
 * meld.memory.chunk-size}). So a node's share is one plain Java array up to that size, and larger
 * shares (even beyond 2<sup>31</sup> elements) are several. Chunks are numbered globally, partition by
 * partition: partition {@code p}'s chunks are {@code chunkBase(p)} to {@code chunkBase(p + 1) - 1}. An
 * element's <i>slot</i> is {@code (chunkBase(p) << chunkShift) + localIndex}: its chunk is {@code slot
 * >>> chunkShift} and its position in the chunk {@code slot & chunkMask}, and the local chunk {@code c}
 * of a partition holds its local indices from {@code c << chunkShift} on. Slots are what travel on the
 * wire, so the home does no arithmetic beyond a shift and a mask; the chunk-to-home table ({@link
 * GlobalStorage#homes}) says which node holds each chunk.
 *
 * <p>Immutable; every method is a pure function, safe from any thread. Lengths up to {@code 2^62} are
 * supported without allocating anything here.
 */
final class ArrayLayout {
    /** log2 of the most elements a chunk holds unless configured otherwise: 2^30, 8 GiB of {@code long}. */
    static final int DEFAULT_MAX_CHUNK_SHIFT = 30;

    /** The largest {@code maxChunkShift}: a chunk is one Java array, whose length is an {@code int}. */
    static final int MAX_CHUNK_SHIFT = 30;

    private final long length;
    private final int chunkShift;
    private final long chunkMask;
    private final int nodes;
    private final Distribution.Kind kind;
    private final long k;
    // BLOCK: every partition has q elements, the first r one more.
    private final long q;
    private final long r;
    private final long bigBlocksEnd;
    private final long[] chunkBase;
    // Whether every element's slot is its global index: on one node, or BLOCK with partitions of equal
    // length, a whole number of chunks each, so chunk c of the array is chunk c of the storage.
    private final boolean slotIsIndex;
    // Division by q + 1, q, the node count and k, done as multiplications (every operation needs them).
    private final FastDivisor byBig;
    private final FastDivisor bySmall;
    private final FastDivisor byNodes;
    private final FastDivisor byBlock;

    /** A layout with chunks of at most {@code 2^}{@value #DEFAULT_MAX_CHUNK_SHIFT} elements. */
    ArrayLayout(long length, int nodes, Distribution distribution) {
        this(length, nodes, distribution, DEFAULT_MAX_CHUNK_SHIFT);
    }

    /**
     * @param length the number of elements, {@code 0 <= length <= 2^62}
     * @param nodes the number of partitions, at least 1
     * @param distribution how elements map to partitions
     * @param maxChunkShift log2 of the most elements one chunk holds, from 0 to {@value #MAX_CHUNK_SHIFT}
     */
    ArrayLayout(long length, int nodes, Distribution distribution, int maxChunkShift) {
        if (maxChunkShift < 0 || maxChunkShift > MAX_CHUNK_SHIFT) {
            throw new IllegalArgumentException(
                    "chunk shift " + maxChunkShift + " is outside [0, " + MAX_CHUNK_SHIFT + "]");
        }
        if (length < 0) {
            throw new IllegalArgumentException("array length " + length + " is negative");
        }
        if (length > (1L << 62)) {
            throw new IllegalArgumentException("array length " + length + " exceeds 2^62");
        }
        if (nodes < 1) {
            throw new IllegalArgumentException("a layout needs at least 1 node, not " + nodes);
        }
        this.length = length;
        this.nodes = nodes;
        this.kind = distribution.kind();
        this.k = Math.max(1, distribution.blockSize());
        this.q = length / nodes;
        this.r = length % nodes;
        this.bigBlocksEnd = r * (q + 1);
        this.byBig = new FastDivisor(q + 1);
        this.bySmall = new FastDivisor(Math.max(q, 1));
        this.byNodes = new FastDivisor(nodes);
        this.byBlock = new FastDivisor(k);
        long largest = 0;
        for (int p = 0; p < nodes; p++) {
            largest = Math.max(largest, partitionLength(p));
        }
        // The smallest power of two that holds the largest partition: each share is one chunk if it can be.
        this.chunkShift = Math.min(maxChunkShift, 64 - Long.numberOfLeadingZeros(Math.max(0, largest - 1)));
        this.chunkMask = (1L << chunkShift) - 1;
        this.chunkBase = new long[nodes + 1];
        for (int p = 0; p < nodes; p++) {
            chunkBase[p + 1] = chunkBase[p] + ((partitionLength(p) + chunkMask) >>> chunkShift);
        }
        this.slotIsIndex = nodes == 1 || kind == Distribution.Kind.BLOCK && r == 0 && (q & chunkMask) == 0;
    }

    /** @return log2 of the elements a chunk holds (its last one may hold fewer) */
    int chunkShift() {
        return chunkShift;
    }

    /** @return the elements a full chunk holds */
    long chunkSize() {
        return 1L << chunkShift;
    }

    /** @return the mask of a slot's position within its chunk */
    long chunkMask() {
        return chunkMask;
    }

    long length() {
        return length;
    }

    int nodes() {
        return nodes;
    }

    /** @return the number of chunks of all partitions */
    long chunks() {
        return chunkBase[nodes];
    }

    /** @return the first chunk of partition {@code p} */
    long chunkBase(int p) {
        return chunkBase[p];
    }

    /**
     * @return the number of chunks of partition {@code p}; a {@code long}, since a partition of up to 2^62
     *     elements has up to 2^42 chunks ({@link GlobalStorage} refuses arrays whose chunks it cannot track)
     */
    long chunkCount(int p) {
        return chunkBase[p + 1] - chunkBase[p];
    }

    /** @return the number of elements of chunk {@code c} of partition {@code p} ({@code c} counted within it) */
    int chunkLength(int p, long c) {
        long rest = partitionLength(p) - (c << chunkShift);
        return (int) Math.min(1L << chunkShift, rest);
    }

    /** @return whether every slot fits 32 bits, so the wire can carry 4-byte slots */
    boolean narrowSlots() {
        return (chunkBase[nodes] << chunkShift) <= 0xFFFF_FFFFL + 1;
    }

    /**
     * @param p a partition
     * @return how many elements it holds
     */
    long partitionLength(int p) {
        return switch (kind) {
            case BLOCK -> q + (p < r ? 1 : 0);
            case CYCLIC -> q + (p < r ? 1 : 0);
            case BLOCK_CYCLIC -> {
                long fullBlocks = length / k;
                long tail = length % k;
                long mine = (fullBlocks / nodes + (p < fullBlocks % nodes ? 1 : 0)) * k;
                yield mine + (tail > 0 && p == fullBlocks % nodes ? tail : 0);
            }
        };
    }

    /**
     * @param i a global index, {@code 0 <= i < length}
     * @return the partition holding it
     */
    int partition(long i) {
        return switch (kind) {
            case BLOCK -> (int) (i < bigBlocksEnd ? byBig.divide(i) : r + bySmall.divide(i - bigBlocksEnd));
            case CYCLIC -> (int) byNodes.remainder(i);
            case BLOCK_CYCLIC -> (int) byNodes.remainder(byBlock.divide(i));
        };
    }

    /**
     * @param i a global index, {@code 0 <= i < length}
     * @return its index within its partition
     */
    long localIndex(long i) {
        return switch (kind) {
            case BLOCK -> i < bigBlocksEnd ? byBig.remainder(i) : bySmall.remainder(i - bigBlocksEnd);
            case CYCLIC -> byNodes.divide(i);
            case BLOCK_CYCLIC -> byNodes.divide(byBlock.divide(i)) * k + byBlock.remainder(i);
        };
    }

    /**
     * @param p a partition
     * @param i a global index, {@code 0 <= i < length}
     * @return its index within partition {@code p} when {@code p} holds it, otherwise -1: {@link
     *     #partition} and {@link #localIndex} in one, sharing their divisions
     */
    long localIndexIn(int p, long i) {
        switch (kind) {
            case BLOCK -> {
                long start = globalIndex(p, 0);
                long local = i - start;
                return Long.compareUnsigned(local, partitionLength(p)) < 0 ? local : -1;
            }
            case CYCLIC -> {
                long round = byNodes.divide(i);
                return i - round * nodes == p ? round : -1;
            }
            default -> {
                long block = byBlock.divide(i);
                long round = byNodes.divide(block);
                return block - round * nodes == p ? round * k + (i - block * k) : -1;
            }
        }
    }

    /**
     * @param p a partition
     * @param local an index within it, {@code 0 <= local < partitionLength(p)}
     * @return the global index
     */
    long globalIndex(int p, long local) {
        return switch (kind) {
            case BLOCK -> p * q + Math.min(p, r) + local;
            case CYCLIC -> local * nodes + p;
            case BLOCK_CYCLIC -> ((local / k) * nodes + p) * k + local % k;
        };
    }

    /**
     * @return whether {@link #slot(long)} is the identity: the array is split into partitions of whole
     *     chunks in index order (the usual power-of-two {@code BLOCK} array), so callers that map many
     *     indices can skip the arithmetic
     */
    boolean slotIsIndex() {
        return slotIsIndex;
    }

    /**
     * @param i a global index, {@code 0 <= i < length}
     * @return its storage slot
     */
    long slot(long i) {
        if (slotIsIndex) {
            return i;
        }
        switch (kind) {
            case BLOCK -> {
                if (i < bigBlocksEnd) {
                    long p = byBig.divide(i);
                    return (chunkBase[(int) p] << chunkShift) + i - p * (q + 1);
                }
                long j = i - bigBlocksEnd;
                long t = bySmall.divide(j);
                return (chunkBase[(int) (r + t)] << chunkShift) + j - t * q;
            }
            case CYCLIC -> {
                long round = byNodes.divide(i);
                return (chunkBase[(int) (i - round * nodes)] << chunkShift) + round;
            }
            default -> {
                long block = byBlock.divide(i);
                long round = byNodes.divide(block);
                int p = (int) (block - round * nodes);
                return (chunkBase[p] << chunkShift) + round * k + (i - block * k);
            }
        }
    }

    /**
     * @param p a partition
     * @param local an index within it
     * @return its storage slot
     */
    long slot(int p, long local) {
        return (chunkBase[p] << chunkShift) + local;
    }

    /**
     * @param p a partition
     * @param local an index within it
     * @return how many of the partition's elements from {@code local} on have consecutive global indices
     *     (at most; the partition may end first): the rest of the partition for {@code BLOCK} and on one
     *     node, the rest of the block for {@code BLOCK_CYCLIC}, 1 for {@code CYCLIC}
     */
    long run(int p, long local) {
        if (kind == Distribution.Kind.BLOCK || nodes == 1) {
            return partitionLength(p) - local;
        }
        return kind == Distribution.Kind.CYCLIC ? 1 : k - local % k;
    }

    /**
     * The first global index at or after {@code from} that partition {@code p} holds, as a local index:
     * the elements of {@code [from, to)} that {@code p} holds are the local indices {@code
     * [firstLocal(p, from), firstLocal(p, to))}, contiguous for every distribution.
     *
     * @param p a partition
     * @param from a global index, {@code 0 <= from <= length}
     * @return the number of elements of {@code p} before global index {@code from}
     */
    long firstLocal(int p, long from) {
        return switch (kind) {
            case BLOCK -> {
                long start = p * q + Math.min(p, r);
                long len = q + (p < r ? 1 : 0);
                yield Math.max(0, Math.min(len, from - start));
            }
            case CYCLIC -> from / nodes + (p < from % nodes ? 1 : 0);
            case BLOCK_CYCLIC -> {
                long block = from / k;
                long within = from % k;
                long before = (block / nodes) * k;
                long owner = block % nodes;
                if (p < owner) {
                    before += k;
                } else if (p == owner) {
                    before += within;
                }
                yield before;
            }
        };
    }

    @Override
    public String toString() {
        return "ArrayLayout[" + length + " over " + nodes + ", " + kind
                + (kind == Distribution.Kind.BLOCK_CYCLIC ? "(" + k + ")" : "") + ", chunks of 2^" + chunkShift + "]";
    }
}
