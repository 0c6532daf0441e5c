package io.meld;

/**
 * How the elements of a global array are spread over the nodes. With {@code N} nodes and length {@code
 * L}, element {@code i} lives on node:
 *
 * <ul>
 *   <li>{@link #BLOCK}: contiguous blocks, in rank order. Every node gets {@code L / N} elements and the
 *       first {@code L % N} nodes one more: node {@code r} holds {@code [start(r), start(r + 1))} with
 *       {@code start(r) = r * (L / N) + min(r, L % N)}.
 *   <li>{@link #CYCLIC}: round robin, element {@code i} on node {@code i % N}.
 *   <li>{@link #blockCyclic(int) blockCyclic(k)}: round robin of blocks of {@code k} elements, element
 *       {@code i} on node {@code (i / k) % N}. {@code blockCyclic(1)} is {@code CYCLIC}.
 * </ul>
 *
 * <p>Within a node, the elements it holds are numbered in increasing global index; that numbering is
 * the node's local index space (used by owner-computes loops and by bulk transfers, which move each
 * node's part of a range in one contiguous piece).
 *
 * @param kind the kind of distribution
 * @param blockSize the block size of {@link Kind#BLOCK_CYCLIC}; 1 for {@link Kind#CYCLIC}, 0 for {@link
 *     Kind#BLOCK}
 */
public record Distribution(Kind kind, int blockSize) {
    /** Contiguous blocks, one per node. */
    public static final Distribution BLOCK = new Distribution(Kind.BLOCK, 0);

    /** Element {@code i} on node {@code i % N}. */
    public static final Distribution CYCLIC = new Distribution(Kind.CYCLIC, 1);

    /** The kinds of distribution. */
    public enum Kind {
        /** See {@link Distribution#BLOCK}. */
        BLOCK,
        /** See {@link Distribution#CYCLIC}. */
        CYCLIC,
        /** See {@link Distribution#blockCyclic(int)}. */
        BLOCK_CYCLIC
    }

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the block size does not fit the kind
     */
    public Distribution {
        if (kind == null) {
            throw new IllegalArgumentException("distribution kind is null");
        }
        int expected = kind == Kind.BLOCK ? 0 : kind == Kind.CYCLIC ? 1 : blockSize;
        if (blockSize != expected || (kind == Kind.BLOCK_CYCLIC && blockSize < 1)) {
            throw new IllegalArgumentException("block size " + blockSize + " does not fit distribution " + kind
                    + (kind == Kind.BLOCK_CYCLIC ? " (it must be at least 1)" : ""));
        }
    }

    /**
     * Round robin of blocks of {@code k} elements.
     *
     * @param k the block size, at least 1
     * @return the distribution
     * @throws IllegalArgumentException when {@code k < 1}
     */
    public static Distribution blockCyclic(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("block-cyclic block size " + k + " is less than 1");
        }
        return new Distribution(Kind.BLOCK_CYCLIC, k);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case BLOCK -> "BLOCK";
            case CYCLIC -> "CYCLIC";
            case BLOCK_CYCLIC -> "BLOCK_CYCLIC(" + blockSize + ")";
        };
    }
}
