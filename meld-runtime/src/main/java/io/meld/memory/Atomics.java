package io.meld.memory;

import io.meld.DoubleOp;
import io.meld.LongOp;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The operations on one element of a chunk, atomic with respect to each other: {@code long} elements
 * with the hardware's atomic instructions, {@code double} elements with compare-and-set loops on their
 * bits (which a {@code double[]} VarHandle compares raw, as {@link Double#doubleToRawLongBits} does).
 * Both the local fast paths and the home applying remote operations use these, so every thread of a
 * node and every remote operation see one order per element. Operands and answers of double elements
 * travel as raw bits.
 */
final class Atomics {
    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    static final VarHandle DOUBLES = MethodHandles.arrayElementVarHandle(double[].class);

    /** Additions whose slots {@link #addAll} reads before making them. */
    private static final int GROUP = 8;
    /** How many elements the accumulate loops read before they compare-and-set them. */
    private static final int READ_AHEAD = 16;

    private static final LongOp[] LONG_OPS = LongOp.values();
    private static final DoubleOp[] DOUBLE_OPS = DoubleOp.values();

    private Atomics() {}

    /**
     * Applies one operation to a {@code long} element.
     *
     * @param opcode an {@link OpCodec} opcode other than FENCE and BULK_GET
     * @param operation the accumulate operation's ordinal
     * @param chunk the chunk
     * @param pos the element's position in it
     * @param a the operand (the expected value for CAS)
     * @param b the new value for CAS
     * @return the answer the opcode defines (0 when it defines none)
     */
    static long applyLong(int opcode, int operation, long[] chunk, int pos, long a, long b) {
        return switch (opcode) {
            case OpCodec.GET -> (long) LONGS.getVolatile(chunk, pos);
            case OpCodec.SET, OpCodec.PUT -> {
                LONGS.setVolatile(chunk, pos, a);
                yield 0L;
            }
            case OpCodec.ADD, OpCodec.GET_AND_ADD -> (long) LONGS.getAndAdd(chunk, pos, a);
            case OpCodec.ADD_AND_GET -> (long) LONGS.getAndAdd(chunk, pos, a) + a;
            case OpCodec.GET_AND_SET -> (long) LONGS.getAndSet(chunk, pos, a);
            case OpCodec.CAS -> LONGS.compareAndSet(chunk, pos, a, b) ? 1L : 0L;
            case OpCodec.ACCUMULATE, OpCodec.GET_AND_ACCUMULATE -> accumulateLong(chunk, pos, LONG_OPS[operation], a);
            default -> throw new IllegalArgumentException("opcode " + opcode);
        };
    }

    /**
     * Applies one operation to a {@code double} element.
     *
     * @param opcode an {@link OpCodec} opcode other than FENCE and BULK_GET
     * @param operation the accumulate operation's ordinal
     * @param chunk the chunk
     * @param pos the element's position in it
     * @param a the operand's bits (the expected value's for CAS)
     * @param b the new value's bits for CAS
     * @return the answer the opcode defines, as bits (0 when it defines none)
     */
    static long applyDouble(int opcode, int operation, double[] chunk, int pos, long a, long b) {
        return switch (opcode) {
            case OpCodec.GET -> bits((double) DOUBLES.getVolatile(chunk, pos));
            case OpCodec.SET, OpCodec.PUT -> {
                DOUBLES.setVolatile(chunk, pos, Double.longBitsToDouble(a));
                yield 0L;
            }
            case OpCodec.ADD, OpCodec.GET_AND_ADD -> bits(addDouble(chunk, pos, Double.longBitsToDouble(a)));
            case OpCodec.ADD_AND_GET -> {
                double delta = Double.longBitsToDouble(a);
                yield bits(addDouble(chunk, pos, delta) + delta);
            }
            case OpCodec.GET_AND_SET -> bits((double) DOUBLES.getAndSet(chunk, pos, Double.longBitsToDouble(a)));
            case OpCodec.CAS ->
                DOUBLES.compareAndSet(chunk, pos, Double.longBitsToDouble(a), Double.longBitsToDouble(b)) ? 1L : 0L;
            case OpCodec.ACCUMULATE, OpCodec.GET_AND_ACCUMULATE ->
                bits(accumulateDouble(chunk, pos, DOUBLE_OPS[operation], Double.longBitsToDouble(a)));
            default -> throw new IllegalArgumentException("opcode " + opcode);
        };
    }

    private static long bits(double value) {
        return Double.doubleToRawLongBits(value);
    }

    /**
     * Adds to a {@code long} element. The result is taken and dropped on purpose: a VarHandle call whose
     * site type differs from the access mode's ({@code getAndAdd} returns {@code long}) goes through a
     * generic guard with a type conversion instead of the intrinsic, several times slower.
     */
    static void add(long[] chunk, int pos, long delta) {
        long ignored = (long) LONGS.getAndAdd(chunk, pos, delta);
    }

    /** @return the value before adding {@code delta} to a {@code double} element (a compare-and-set loop) */
    static double addDouble(double[] chunk, int pos, double delta) {
        return (double) DOUBLES.getAndAdd(chunk, pos, delta);
    }

    /**
     * Adds {@code delta} to the {@code long} elements at {@code slots[from, to)}, eight at a time. On x86
     * the loads after a lock-prefixed instruction wait for it, so a loop that reads a slot, then looks up
     * its chunk, then adds, fetches each element only once the previous add is done. This one reads
     * {@value #GROUP} slots and their chunks first, then makes the {@value #GROUP} adds, whose addresses
     * are all known by then, so the processor overlaps their cache misses as it does for a plain loop
     * over one flat array. The chunk table is read once into a local.
     *
     * @param shift the storage's chunk shift
     * @param mask the storage's chunk mask
     * @throws ArrayIndexOutOfBoundsException or {@link NullPointerException} for a slot outside {@code
     *     chunks} or in a chunk this node does not hold
     */
    static void addAll(long[][] chunks, int shift, int mask, long[] slots, int from, int to, long delta) {
        int i = from;
        for (; i + GROUP <= to; i += GROUP) {
            long s0 = slots[i];
            long s1 = slots[i + 1];
            long s2 = slots[i + 2];
            long s3 = slots[i + 3];
            long s4 = slots[i + 4];
            long s5 = slots[i + 5];
            long s6 = slots[i + 6];
            long s7 = slots[i + 7];
            long[] c0 = chunks[(int) (s0 >>> shift)];
            long[] c1 = chunks[(int) (s1 >>> shift)];
            long[] c2 = chunks[(int) (s2 >>> shift)];
            long[] c3 = chunks[(int) (s3 >>> shift)];
            long[] c4 = chunks[(int) (s4 >>> shift)];
            long[] c5 = chunks[(int) (s5 >>> shift)];
            long[] c6 = chunks[(int) (s6 >>> shift)];
            long[] c7 = chunks[(int) (s7 >>> shift)];
            add(c0, (int) s0 & mask, delta);
            add(c1, (int) s1 & mask, delta);
            add(c2, (int) s2 & mask, delta);
            add(c3, (int) s3 & mask, delta);
            add(c4, (int) s4 & mask, delta);
            add(c5, (int) s5 & mask, delta);
            add(c6, (int) s6 & mask, delta);
            add(c7, (int) s7 & mask, delta);
        }
        for (; i < to; i++) {
            long slot = slots[i];
            add(chunks[(int) (slot >>> shift)], (int) slot & mask, delta);
        }
    }

    /**
     * Replaces the {@code long} element at each {@code slots[i]} by {@code op(element, values[i])} (or
     * {@code op(element, shared)} when {@code values} is {@code null}) for {@code i} in {@code [from,
     * to)}, in that order. A sum is one atomic add per element; every other operation is a
     * compare-and-set, and {@value #READ_AHEAD} elements at a time are all read first, with plain reads:
     * those miss the cache side by side, where the read of each compare-and-set loop waits for the locked
     * instruction before it. The plain read only guesses the element: the compare-and-set checks it, and
     * an element that changed meanwhile, or that the operation would leave as it is (a decision a plain
     * read cannot make), goes through the usual loop, whose read is a volatile one.
     */
    static void accumulateAll(
            long[][] chunks,
            int shift,
            int mask,
            long[] slots,
            long[] values,
            long shared,
            int from,
            int to,
            int operation) {
        if (operation == LongOp.SUM.ordinal()) {
            for (int i = from; i < to; i++) {
                long slot = slots[i];
                add(chunks[(int) (slot >>> shift)], (int) slot & mask, values != null ? values[i] : shared);
            }
            return;
        }
        LongOp op = LONG_OPS[operation];
        // Only the values read are kept between the loops: the chunks are looked up again (first-level
        // cache hits), since storing references into an array would cost a GC write barrier each.
        long[] seen = new long[READ_AHEAD];
        for (int i = from; i < to; i += READ_AHEAD) {
            int n = Math.min(READ_AHEAD, to - i);
            for (int k = 0; k < n; k++) {
                long slot = slots[i + k];
                seen[k] = (long) LONGS.get(chunks[(int) (slot >>> shift)], (int) slot & mask);
            }
            for (int k = 0; k < n; k++) {
                long slot = slots[i + k];
                long[] chunk = chunks[(int) (slot >>> shift)];
                int pos = (int) slot & mask;
                long old = seen[k];
                long value = values != null ? values[i + k] : shared;
                long next = op.applyAsLong(old, value);
                if (next == old || !LONGS.compareAndSet(chunk, pos, old, next)) {
                    accumulateLong(chunk, pos, op, value);
                }
            }
        }
    }

    /**
     * {@link #accumulateAll(long[][], int, int, long[], long[], long, int, int, int)} for {@code double}
     * elements: each value is a double's raw bits, and every operation is a compare-and-set on the
     * element's bits, {@value #READ_AHEAD} elements read ahead at a time.
     */
    static void accumulateAllDouble(
            double[][] chunks,
            int shift,
            int mask,
            long[] slots,
            long[] values,
            long shared,
            int from,
            int to,
            int operation) {
        DoubleOp op = DOUBLE_OPS[operation];
        double[] seen = new double[READ_AHEAD];
        for (int i = from; i < to; i += READ_AHEAD) {
            int n = Math.min(READ_AHEAD, to - i);
            for (int k = 0; k < n; k++) {
                long slot = slots[i + k];
                seen[k] = (double) DOUBLES.get(chunks[(int) (slot >>> shift)], (int) slot & mask);
            }
            for (int k = 0; k < n; k++) {
                long slot = slots[i + k];
                double[] chunk = chunks[(int) (slot >>> shift)];
                int pos = (int) slot & mask;
                double old = seen[k];
                double value = Double.longBitsToDouble(values != null ? values[i + k] : shared);
                double next = op.applyAsDouble(old, value);
                if (bits(next) == bits(old) || !DOUBLES.compareAndSet(chunk, pos, old, next)) {
                    accumulateDouble(chunk, pos, op, value);
                }
            }
        }
    }

    /** @return the value before */
    static long accumulateLong(long[] chunk, int pos, LongOp op, long value) {
        switch (op) {
            case SUM:
                return (long) LONGS.getAndAdd(chunk, pos, value);
            case AND:
                return (long) LONGS.getAndBitwiseAnd(chunk, pos, value);
            case OR:
                return (long) LONGS.getAndBitwiseOr(chunk, pos, value);
            case XOR:
                return (long) LONGS.getAndBitwiseXor(chunk, pos, value);
            default:
                while (true) {
                    long old = (long) LONGS.getVolatile(chunk, pos);
                    long next = op.applyAsLong(old, value);
                    if (next == old || LONGS.weakCompareAndSet(chunk, pos, old, next)) {
                        return old;
                    }
                }
        }
    }

    /** @return the value before; the element's bits are compared, so a NaN is replaced like any value */
    static double accumulateDouble(double[] chunk, int pos, DoubleOp op, double value) {
        while (true) {
            double old = (double) DOUBLES.getVolatile(chunk, pos);
            double next = op.applyAsDouble(old, value);
            if (bits(next) == bits(old) || DOUBLES.weakCompareAndSet(chunk, pos, old, next)) {
                return old;
            }
        }
    }
}
