package io.meld.memory;

import static io.meld.memory.Atomics.LONGS;

import io.meld.GlobalLongArray;
import io.meld.LocalLongArray;
import io.meld.LongOp;
import io.meld.Signal;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongPredicate;

/**
 * A node's handle to a global {@code long} array. Every operation finds the element's slot and home;
 * a local element is operated on directly with the matching atomic instruction, any other goes to
 * {@link MemoryService}.
 *
 * <p><b>Concurrency</b>: shared by all threads of the node; stateless apart from {@link ArrayHandle}.
 */
final class LongArrayImpl extends ArrayHandle implements GlobalLongArray {
    private static final Pending.Future.Converter<Long> LONG = v -> v;
    private static final Pending.Future.Converter<Void> NONE = v -> null;
    private static final Pending.Future.Converter<Boolean> BOOLEAN = v -> v != 0;

    /** The storage's chunks by global chunk number. */
    private final long[][] chunks;

    /** This node's only chunk, when its share is one; else {@code null}. */
    private final long[] single;

    LongArrayImpl(MemoryService service, GlobalStorage storage) {
        super(service, storage);
        this.chunks = storage.longChunks;
        this.single = storage.layout.chunkCount(storage.rank) == 1 ? chunks[storage.localBase] : null;
    }

    @Override
    public long get(long index) {
        long local = local(index);
        if (local >= 0) {
            service.settleLocal();
            return (long) LONGS.getVolatile(chunk(local), (int) local & mask);
        }
        return delegate(index, OpCodec.GET, 0, 0, 0);
    }

    @Override
    public void set(long index, long value) {
        long local = local(index);
        if (local >= 0) {
            service.settleLocal();
            LONGS.setVolatile(chunk(local), (int) local & mask, value);
            storage.wakeWaiters();
            return;
        }
        delegate(index, OpCodec.SET, 0, value, 0);
    }

    @Override
    public long getAndAdd(long index, long delta) {
        return update(index, OpCodec.GET_AND_ADD, 0, delta, 0);
    }

    @Override
    public long addAndGet(long index, long delta) {
        return update(index, OpCodec.ADD_AND_GET, 0, delta, 0);
    }

    @Override
    public long getAndSet(long index, long value) {
        return update(index, OpCodec.GET_AND_SET, 0, value, 0);
    }

    @Override
    public boolean compareAndSet(long index, long expected, long value) {
        return update(index, OpCodec.CAS, 0, expected, value) != 0;
    }

    @Override
    public long getAndAccumulate(long index, LongOp op, long value) {
        Objects.requireNonNull(op, "op");
        return update(index, OpCodec.GET_AND_ACCUMULATE, op.ordinal(), value, 0);
    }

    @Override
    public CompletableFuture<Long> getAsync(long index) {
        return async(index, OpCodec.GET, 0, 0, 0, LONG);
    }

    @Override
    public CompletableFuture<Void> setAsync(long index, long value) {
        return async(index, OpCodec.SET, 0, value, 0, NONE);
    }

    @Override
    public CompletableFuture<Long> getAndAddAsync(long index, long delta) {
        return async(index, OpCodec.GET_AND_ADD, 0, delta, 0, LONG);
    }

    @Override
    public CompletableFuture<Long> addAndGetAsync(long index, long delta) {
        return async(index, OpCodec.ADD_AND_GET, 0, delta, 0, LONG);
    }

    @Override
    public CompletableFuture<Long> getAndSetAsync(long index, long value) {
        return async(index, OpCodec.GET_AND_SET, 0, value, 0, LONG);
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(long index, long expected, long value) {
        return async(index, OpCodec.CAS, 0, expected, value, BOOLEAN);
    }

    @Override
    public CompletableFuture<Long> getAndAccumulateAsync(long index, LongOp op, long value) {
        Objects.requireNonNull(op, "op");
        return async(index, OpCodec.GET_AND_ACCUMULATE, op.ordinal(), value, 0, LONG);
    }

    @Override
    public void put(long index, long value) {
        post(index, OpCodec.PUT, 0, value);
    }

    @Override
    public void add(long index, long delta) {
        post(index, OpCodec.ADD, 0, delta);
    }

    @Override
    public void add(long[] indices, int offset, int length, long delta) {
        Objects.requireNonNull(indices, "indices");
        Scatter.add(service, storage, indices, offset, length, delta);
    }

    @Override
    public void accumulate(long index, LongOp op, long value) {
        Objects.requireNonNull(op, "op");
        post(index, OpCodec.ACCUMULATE, op.ordinal(), value);
    }

    @Override
    public void accumulate(long[] indices, LongOp op, long[] values, int offset, int length) {
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(values, "values");
        Scatter.accumulate(service, storage, indices, op.ordinal(), values, offset, length);
    }

    @Override
    public void get(long from, long[] dst, int offset, int length) {
        Objects.requireNonNull(dst, "dst");
        checkRange(from, dst.length, offset, length);
        service.bulkGet(storage, from, dst, offset, length);
    }

    @Override
    public void put(long from, long[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        checkRange(from, src.length, offset, length);
        service.bulkPut(storage, from, src, offset, length);
    }

    @Override
    public void put(long from, long[] src, int offset, int length, Signal signal) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(signal, "signal");
        checkRange(from, src.length, offset, length);
        service.bulkPut(storage, from, src, offset, length, signal);
    }

    @Override
    public LocalLongArray local() {
        checkLive();
        return new LongLocalView(this);
    }

    @Override
    public long waitUntil(long index, LongPredicate condition) {
        return waitUntil(index, condition, -1);
    }

    @Override
    public long waitUntil(long index, LongPredicate condition, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("waitUntil timeout " + timeout + " is negative");
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE; // beyond 292 years: as good as none
        }
        return waitUntil(index, condition, nanos);
    }

    private long waitUntil(long index, LongPredicate condition, long timeoutNanos) {
        Objects.requireNonNull(condition, "condition");
        long local = local(index);
        if (local < 0) {
            int owner = owner(index); // throws for an index out of range or a freed array
            throw new IllegalArgumentException("waitUntil on element " + index + " of array '" + storage.name
                    + "', which node " + owner + " holds, not node " + rank + ": a node waits on its own"
                    + " elements (have the writer signal a flag of the waiting node)");
        }
        // The thread's own buffered operations on this node come first (issue order).
        service.settleLocal();
        return service.waitUntil(storage, chunk(local), (int) local & mask, index, condition, timeoutNanos);
    }

    @Override
    long applyHere(int opcode, int operation, int chunk, int pos, long a, long b) {
        return Atomics.applyLong(opcode, operation, chunks[chunk], pos, a, b);
    }

    @Override
    long applyLocal(int opcode, int operation, long local, long a, long b) {
        return Atomics.applyLong(opcode, operation, chunk(local), (int) local & mask, a, b);
    }

    /** @return the chunk holding a local element: one load when the share is one chunk */
    private long[] chunk(long local) {
        long[] s = single;
        return s != null ? s : chunks[chunkOf(local)];
    }
}
