package io.meld.memory;

import static io.meld.memory.Atomics.DOUBLES;

import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.LocalDoubleArray;
import io.meld.Signal;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A node's handle to a global {@code double} array, stored in {@code double[]} chunks. Additions and
 * min/max are compare-and-set loops on the element's bits ({@link Atomics}), and compareAndSet compares
 * bits; operands and answers travel to and from remote homes as raw bits.
 *
 * <p><b>Concurrency</b>: shared by all threads of the node; stateless apart from {@link ArrayHandle}.
 */
final class DoubleArrayImpl extends ArrayHandle implements GlobalDoubleArray {
    private static final Pending.Future.Converter<Double> DOUBLE = Double::longBitsToDouble;
    private static final Pending.Future.Converter<Void> NONE = v -> null;
    private static final Pending.Future.Converter<Boolean> BOOLEAN = v -> v != 0;

    /** The storage's chunks by global chunk number. */
    private final double[][] chunks;

    /** This node's only chunk, when its share is one; else {@code null}. */
    private final double[] single;

    DoubleArrayImpl(MemoryService service, GlobalStorage storage) {
        super(service, storage);
        this.chunks = storage.doubleChunks;
        this.single = storage.layout.chunkCount(storage.rank) == 1 ? chunks[storage.localBase] : null;
    }

    @Override
    public double get(long index) {
        long local = local(index);
        if (local >= 0) {
            service.settleLocal();
            return (double) DOUBLES.getVolatile(chunk(local), (int) local & mask);
        }
        return Double.longBitsToDouble(delegate(index, OpCodec.GET, 0, 0, 0));
    }

    @Override
    public void set(long index, double value) {
        long local = local(index);
        if (local >= 0) {
            service.settleLocal();
            DOUBLES.setVolatile(chunk(local), (int) local & mask, value);
            return;
        }
        delegate(index, OpCodec.SET, 0, bits(value), 0);
    }

    @Override
    public double getAndAdd(long index, double delta) {
        return Double.longBitsToDouble(update(index, OpCodec.GET_AND_ADD, 0, bits(delta), 0));
    }

    @Override
    public double addAndGet(long index, double delta) {
        return Double.longBitsToDouble(update(index, OpCodec.ADD_AND_GET, 0, bits(delta), 0));
    }

    @Override
    public double getAndSet(long index, double value) {
        return Double.longBitsToDouble(update(index, OpCodec.GET_AND_SET, 0, bits(value), 0));
    }

    @Override
    public boolean compareAndSet(long index, double expected, double value) {
        return update(index, OpCodec.CAS, 0, bits(expected), bits(value)) != 0;
    }

    @Override
    public double getAndAccumulate(long index, DoubleOp op, double value) {
        Objects.requireNonNull(op, "op");
        return Double.longBitsToDouble(update(index, OpCodec.GET_AND_ACCUMULATE, op.ordinal(), bits(value), 0));
    }

    @Override
    public CompletableFuture<Double> getAsync(long index) {
        return async(index, OpCodec.GET, 0, 0, 0, DOUBLE);
    }

    @Override
    public CompletableFuture<Void> setAsync(long index, double value) {
        return async(index, OpCodec.SET, 0, bits(value), 0, NONE);
    }

    @Override
    public CompletableFuture<Double> getAndAddAsync(long index, double delta) {
        return async(index, OpCodec.GET_AND_ADD, 0, bits(delta), 0, DOUBLE);
    }

    @Override
    public CompletableFuture<Double> addAndGetAsync(long index, double delta) {
        return async(index, OpCodec.ADD_AND_GET, 0, bits(delta), 0, DOUBLE);
    }

    @Override
    public CompletableFuture<Double> getAndSetAsync(long index, double value) {
        return async(index, OpCodec.GET_AND_SET, 0, bits(value), 0, DOUBLE);
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(long index, double expected, double value) {
        return async(index, OpCodec.CAS, 0, bits(expected), bits(value), BOOLEAN);
    }

    @Override
    public CompletableFuture<Double> getAndAccumulateAsync(long index, DoubleOp op, double value) {
        Objects.requireNonNull(op, "op");
        return async(index, OpCodec.GET_AND_ACCUMULATE, op.ordinal(), bits(value), 0, DOUBLE);
    }

    @Override
    public void put(long index, double value) {
        post(index, OpCodec.PUT, 0, bits(value));
    }

    @Override
    public void add(long index, double delta) {
        post(index, OpCodec.ADD, 0, bits(delta));
    }

    @Override
    public void add(long[] indices, int offset, int length, double delta) {
        Objects.requireNonNull(indices, "indices");
        Scatter.add(service, storage, indices, offset, length, bits(delta));
    }

    @Override
    public void accumulate(long index, DoubleOp op, double value) {
        Objects.requireNonNull(op, "op");
        post(index, OpCodec.ACCUMULATE, op.ordinal(), bits(value));
    }

    @Override
    public void accumulate(long[] indices, DoubleOp op, double[] values, int offset, int length) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(values, "values");
        Scatter.accumulate(service, storage, indices, op.ordinal(), values, offset, length);
    }

    @Override
    public void get(long from, double[] dst, int offset, int length) {
        Objects.requireNonNull(dst, "dst");
        checkRange(from, dst.length, offset, length);
        service.bulkGet(storage, from, dst, offset, length);
    }

    @Override
    public void put(long from, double[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        checkRange(from, src.length, offset, length);
        service.bulkPut(storage, from, src, offset, length);
    }

    private static long bits(double value) {
        return Double.doubleToRawLongBits(value);
    }

    @Override
    public void put(long from, double[] src, int offset, int length, Signal signal) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(signal, "signal");
        checkRange(from, src.length, offset, length);
        service.bulkPut(storage, from, src, offset, length, signal);
    }

    @Override
    public LocalDoubleArray local() {
        checkLive();
        return new DoubleLocalView(this);
    }

    @Override
    long applyHere(int opcode, int operation, int chunk, int pos, long a, long b) {
        return Atomics.applyDouble(opcode, operation, chunks[chunk], pos, a, b);
    }

    @Override
    long applyLocal(int opcode, int operation, long local, long a, long b) {
        return Atomics.applyDouble(opcode, operation, chunk(local), (int) local & mask, a, b);
    }

    /** @return the chunk holding a local element: one load when the share is one chunk */
    private double[] chunk(long local) {
        double[] s = single;
        return s != null ? s : chunks[chunkOf(local)];
    }
}
