package io.meld.memory;

import io.meld.GlobalArray;
import io.meld.LocalSpan;
import java.util.function.Consumer;

/**
 * The part of a range of a global array's indices that this node holds, as a run of local indices,
 * and the mapping of each back to its global index: what an owner-computes loop iterates over.
 *
 * <p>Internal to Meld (public for {@code io.meld.compute}). Immutable.
 */
public final class LoopSpace {
    private final ArrayHandle array;
    private final ArrayLayout layout;
    private final int rank;
    private final long first;
    private final long end;

    private LoopSpace(ArrayHandle array, long first, long end) {
        this.array = array;
        this.layout = array.layout;
        this.rank = array.rank;
        this.first = first;
        this.end = end;
    }

    /**
     * @param array an array of this runtime
     * @param from the first global index
     * @param to the global index after the last
     * @return the local indices of this node's elements in {@code [from, to)}
     * @throws IndexOutOfBoundsException when the range is outside the array
     * @throws IllegalArgumentException when the array is not one of this runtime's
     */
    public static LoopSpace of(GlobalArray array, long from, long to) {
        if (!(array instanceof ArrayHandle handle)) {
            throw new IllegalArgumentException("array " + array + " does not belong to this Meld runtime");
        }
        if (from < 0 || from > to || to > handle.length) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") is outside array '" + array.name()
                    + "' of length " + handle.length);
        }
        handle.checkLive();
        ArrayLayout layout = handle.layout;
        return new LoopSpace(handle, layout.firstLocal(handle.rank, from), layout.firstLocal(handle.rank, to));
    }

    /** @return the first local index */
    public long first() {
        return first;
    }

    /** @return the local index after the last */
    public long end() {
        return end;
    }

    /**
     * @param local a local index in {@code [first(), end())}
     * @return its global index
     */
    public long global(long local) {
        return layout.globalIndex(rank, local);
    }

    /**
     * Hands {@code body} the local indices {@code [lo, hi)} as spans of storage, in order.
     *
     * @param lo a local index in {@code [first(), end()]}
     * @param hi a local index in {@code [lo, end()]}
     * @param body what to run for each span
     */
    public void spans(long lo, long hi, Consumer<? super LocalSpan> body) {
        Span.cut(array, lo, hi, body);
    }
}
