package io.meld.memory;

import io.meld.LocalSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * What the two local views share: this node's chunk count, the bounds checks, the index mapping and the
 * spans. A view reads the array's state plainly ({@link GlobalStorage#checkLivePlain}), so that a loop
 * over {@code get} and {@code set} keeps no volatile read in it.
 *
 * <p><b>Concurrency</b>: immutable; its accesses are the program's plain accesses.
 */
abstract class LocalView {
    final ArrayHandle array;
    final GlobalStorage storage;
    final long length;
    final int shift;
    final int mask;
    /** How many chunks this node's share has. */
    final int chunkCount;

    LocalView(ArrayHandle array) {
        this.array = array;
        this.storage = array.storage;
        this.length = array.localLength();
        this.shift = array.shift;
        this.mask = array.mask;
        this.chunkCount = (int) storage.layout.chunkCount(array.rank);
    }

    public final long length() {
        return length;
    }

    public final long globalIndex(long localIndex) {
        return array.globalIndex(localIndex);
    }

    public final long localIndex(long globalIndex) {
        if (globalIndex < 0 || globalIndex >= array.length) {
            throw new IndexOutOfBoundsException(
                    "index " + globalIndex + " is outside array '" + storage.name + "' of length " + array.length);
        }
        return storage.layout.localIndexIn(array.rank, globalIndex);
    }

    public final List<LocalSpan> spans() {
        storage.checkLivePlain();
        List<LocalSpan> spans = new ArrayList<>();
        Span.cut(array, 0, length, spans::add);
        return spans;
    }

    @Override
    public final String toString() {
        return "node " + array.rank + "'s " + length + " elements of " + array;
    }

    /** Checks a local index and that the array is live. */
    final void check(long localIndex) {
        if (localIndex < 0 || localIndex >= length) {
            throw new IndexOutOfBoundsException("local index " + localIndex + " is outside node " + array.rank + "'s "
                    + length + " elements of array '" + storage.name + "'");
        }
        storage.checkLivePlain();
    }

    /** Checks a range of local indices against the share, and a range of the caller's array. */
    final void check(long localFrom, int callerLength, int offset, int count) {
        if (count < 0 || offset < 0 || offset > callerLength - count) {
            throw new IndexOutOfBoundsException("positions [" + offset + ", " + offset + " + " + count
                    + ") are outside the array of length " + callerLength);
        }
        if (localFrom < 0 || localFrom > length - count) {
            throw new IndexOutOfBoundsException("local range [" + localFrom + ", " + localFrom + " + " + count
                    + ") is outside node " + array.rank + "'s " + length + " elements of array '" + storage.name + "'");
        }
        storage.checkLivePlain();
    }

    /** The error of {@code array()} on a share of several chunks. */
    final IllegalStateException severalChunks() {
        return new IllegalStateException("node " + array.rank + "'s share of array '" + storage.name + "' ("
                + length + " elements) is " + chunkCount + " chunks of up to " + (1L << shift)
                + " elements (meld.memory.chunk-size), not one array: use spans()");
    }

    /**
     * Copies between the share and a caller's array, chunk by chunk.
     *
     * @param chunks the share's chunks ({@code long[][]} or {@code double[][]}), by local chunk number
     * @param out whether from the share to {@code other} (else into the share)
     */
    static void copy(
            Object[] chunks, int shift, int mask, long localFrom, Object other, int offset, int count, boolean out) {
        long l = localFrom;
        int done = 0;
        while (done < count) {
            Object chunk = chunks[(int) (l >>> shift)];
            int pos = (int) l & mask;
            int n = (int) Math.min(count - done, (1L << shift) - pos);
            if (out) {
                System.arraycopy(chunk, pos, other, offset + done, n);
            } else {
                System.arraycopy(other, offset + done, chunk, pos, n);
            }
            done += n;
            l += n;
        }
    }
}
