package io.meld.memory;

import io.meld.LocalDoubleArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * This node's share of a global {@code double} array, read and written plainly: {@code get(j)} is a
 * bounds check, a shift, a mask and two array loads.
 *
 * <p><b>Concurrency</b>: immutable; its accesses are the program's plain accesses.
 */
final class DoubleLocalView extends LocalView implements LocalDoubleArray {
    private static final double[] NONE = new double[0];

    /** This node's chunks, by local chunk number. */
    private final double[][] chunks;

    DoubleLocalView(DoubleArrayImpl array) {
        super(array);
        int base = storage.localBase;
        this.chunks = Arrays.copyOfRange(storage.doubleChunks, base, base + chunkCount);
    }

    @Override
    public double get(long localIndex) {
        check(localIndex);
        return chunks[(int) (localIndex >>> shift)][(int) localIndex & mask];
    }

    @Override
    public void set(long localIndex, double value) {
        check(localIndex);
        chunks[(int) (localIndex >>> shift)][(int) localIndex & mask] = value;
    }

    @Override
    public void get(long localFrom, double[] dst, int offset, int length) {
        Objects.requireNonNull(dst, "dst");
        check(localFrom, dst.length, offset, length);
        copy(chunks, shift, mask, localFrom, dst, offset, length, true);
    }

    @Override
    public void put(long localFrom, double[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        check(localFrom, src.length, offset, length);
        copy(chunks, shift, mask, localFrom, src, offset, length, false);
    }

    @Override
    public double[] array() {
        storage.checkLivePlain();
        if (chunkCount > 1) {
            throw severalChunks();
        }
        return chunkCount == 1 ? chunks[0] : NONE;
    }
}
