package io.meld.memory;

import io.meld.LocalLongArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * This node's share of a global {@code long} array, read and written plainly: {@code get(j)} is a
 * bounds check, a shift, a mask and two array loads.
 *
 * <p><b>Concurrency</b>: immutable; its accesses are the program's plain accesses.
 */
final class LongLocalView extends LocalView implements LocalLongArray {
    private static final long[] NONE = new long[0];

    /** This node's chunks, by local chunk number. */
    private final long[][] chunks;

    LongLocalView(LongArrayImpl array) {
        super(array);
        int base = storage.localBase;
        this.chunks = Arrays.copyOfRange(storage.longChunks, base, base + chunkCount);
    }

    @Override
    public long get(long localIndex) {
        check(localIndex);
        return chunks[(int) (localIndex >>> shift)][(int) localIndex & mask];
    }

    @Override
    public void set(long localIndex, long value) {
        check(localIndex);
        chunks[(int) (localIndex >>> shift)][(int) localIndex & mask] = value;
    }

    @Override
    public void get(long localFrom, long[] dst, int offset, int length) {
        Objects.requireNonNull(dst, "dst");
        check(localFrom, dst.length, offset, length);
        copy(chunks, shift, mask, localFrom, dst, offset, length, true);
    }

    @Override
    public void put(long localFrom, long[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        check(localFrom, src.length, offset, length);
        copy(chunks, shift, mask, localFrom, src, offset, length, false);
    }

    @Override
    public long[] array() {
        storage.checkLivePlain();
        if (chunkCount > 1) {
            throw severalChunks();
        }
        return chunkCount == 1 ? chunks[0] : NONE;
    }
}
