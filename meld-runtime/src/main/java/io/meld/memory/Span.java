package io.meld.memory;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LocalSpan;
import java.util.function.Consumer;

/**
 * A run of this node's elements of one array, as {@link LocalSpan} hands it to a loop body or a local
 * view: positions {@code [start, end)} of one chunk, with evenly spaced global indices.
 *
 * <h2>Cutting a share into spans</h2>
 *
 * {@link #cut} walks a run of local indices and ends a span where the chunk ends, and, for a
 * block-cyclic array on several nodes, where the block ends (the next local element is a whole round of
 * blocks further on). Within a span the global index grows by 1, or by the node count for {@link
 * Distribution#CYCLIC}.
 *
 * <p><b>Concurrency</b>: immutable; handed to one thread.
 */
final class Span implements LocalSpan {
    private final ArrayHandle array;
    private final int chunk;
    private final int start;
    private final int end;
    private final long globalStart;
    private final long stride;
    private final long localStart;

    private Span(ArrayHandle array, int chunk, int start, int end, long globalStart, long stride, long localStart) {
        this.array = array;
        this.chunk = chunk;
        this.start = start;
        this.end = end;
        this.globalStart = globalStart;
        this.stride = stride;
        this.localStart = localStart;
    }

    /**
     * Hands {@code body} the spans of this node's local indices {@code [lo, hi)} of {@code array}, in order.
     *
     * @param array the array whose share is cut
     * @param lo the first local index
     * @param hi the local index after the last
     * @param body what to run for each span
     */
    static void cut(ArrayHandle array, long lo, long hi, Consumer<? super LocalSpan> body) {
        ArrayLayout layout = array.layout;
        int rank = array.rank;
        int shift = array.shift;
        Distribution.Kind kind = array.storage.distribution.kind();
        boolean severalNodes = layout.nodes() > 1;
        long stride = severalNodes && kind == Distribution.Kind.CYCLIC ? layout.nodes() : 1;
        boolean blocks = severalNodes && kind == Distribution.Kind.BLOCK_CYCLIC;
        long l = lo;
        while (l < hi) {
            long end = Math.min(hi, ((l >>> shift) + 1) << shift);
            if (blocks) {
                end = Math.min(end, l + layout.run(rank, l));
            }
            int position = (int) l & array.mask;
            body.accept(new Span(
                    array,
                    array.chunkOf(l),
                    position,
                    position + (int) (end - l),
                    layout.globalIndex(rank, l),
                    stride,
                    l));
            l = end;
        }
    }

    @Override
    public int start() {
        return start;
    }

    @Override
    public int end() {
        return end;
    }

    @Override
    public long globalStart() {
        return globalStart;
    }

    @Override
    public long stride() {
        return stride;
    }

    @Override
    public long localStart() {
        return localStart;
    }

    @Override
    public long[] of(GlobalLongArray other) {
        GlobalStorage s = alike(other);
        if (s.isDouble) {
            throw new IllegalArgumentException("array '" + s.name + "' is a double array, not a long one");
        }
        return s.longChunks[chunk];
    }

    @Override
    public double[] of(GlobalDoubleArray other) {
        GlobalStorage s = alike(other);
        if (!s.isDouble) {
            throw new IllegalArgumentException("array '" + s.name + "' is a long array, not a double one");
        }
        return s.doubleChunks[chunk];
    }

    @Override
    public String toString() {
        return "span of '" + array.storage.name + "' [" + start + ", " + end + ") of chunk " + chunk + ", global "
                + globalStart + (stride == 1 ? "" : " step " + stride);
    }

    /** @return the storage of an array distributed like this span's, checked */
    private GlobalStorage alike(GlobalArray other) {
        if (!(other instanceof ArrayHandle h) || h.service != array.service) {
            throw new IllegalArgumentException("array " + other + " is not one of node " + array.rank
                    + "'s arrays: a span holds the storage of this node's arrays only");
        }
        GlobalStorage mine = array.storage;
        GlobalStorage s = h.storage;
        if (s != mine
                && (s.layout.length() != mine.layout.length()
                        || !s.distribution.equals(mine.distribution)
                        || s.chunkShift != mine.chunkShift)) {
            throw new IllegalArgumentException("array '" + s.name + "' (" + s.describe() + ") is not distributed like '"
                    + mine.name + "' (" + mine.describe() + "), whose elements this span holds: a span covers"
                    + " the same elements of arrays of the same length and distribution only; read the others"
                    + " with get or a bulk copy");
        }
        s.checkLivePlain();
        return s;
    }
}
