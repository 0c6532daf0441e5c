package io.meld.memory;

import io.meld.DoubleOp;
import io.meld.LongOp;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The operations on one element of a chunk, atomic with respect to each other: {@code long} elements
 * with the hardware's atomic instructions, {@code double} elements (stored as their raw bits) with
 * compare-and-set loops. Both the local fast paths and the home applying remote operations use these,
 * so every thread of a node and every remote operation see one order per element.
 */
final class Atomics {
    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final LongOp[] LONG_OPS = LongOp.values();
    private static final DoubleOp[] DOUBLE_OPS = DoubleOp.values();

    private Atomics() {}

    /**
     * Applies one operation.
     *
     * @param opcode an {@link OpCodec} opcode other than FENCE and BULK_GET
     * @param isDouble whether the element holds a double's bits
     * @param operation the accumulate operation's ordinal
     * @param chunk the chunk
     * @param pos the element's position in it
     * @param a the operand (the expected value for CAS)
     * @param b the new value for CAS
     * @return the answer the opcode defines (0 when it defines none)
     */
    static long apply(int opcode, boolean isDouble, int operation, long[] chunk, int pos, long a, long b) {
        return switch (opcode) {
            case OpCodec.GET -> (long) LONGS.getVolatile(chunk, pos);
            case OpCodec.SET, OpCodec.PUT -> {
                LONGS.setVolatile(chunk, pos, a);
                yield 0L;
            }
            case OpCodec.ADD, OpCodec.GET_AND_ADD ->
                isDouble ? addDouble(chunk, pos, a, false) : (long) LONGS.getAndAdd(chunk, pos, a);
            case OpCodec.ADD_AND_GET ->
                isDouble ? addDouble(chunk, pos, a, true) : (long) LONGS.getAndAdd(chunk, pos, a) + a;
            case OpCodec.GET_AND_SET -> (long) LONGS.getAndSet(chunk, pos, a);
            case OpCodec.CAS -> LONGS.compareAndSet(chunk, pos, a, b) ? 1L : 0L;
            case OpCodec.ACCUMULATE, OpCodec.GET_AND_ACCUMULATE ->
                isDouble
                        ? accumulateDouble(chunk, pos, DOUBLE_OPS[operation], a)
                        : accumulateLong(chunk, pos, LONG_OPS[operation], a);
            default -> throw new IllegalArgumentException("opcode " + opcode);
        };
    }

    /**
     * Adds to a {@code long} element. The result is taken and dropped on purpose: a VarHandle call whose
     * site type differs from the access mode's ({@code getAndAdd} returns {@code long}) goes through a
     * generic guard with a type conversion instead of the intrinsic, several times slower.
     */
    static void add(long[] chunk, int pos, long delta) {
        long ignored = (long) LONGS.getAndAdd(chunk, pos, delta);
    }

    /** @return the bits before (or after, when {@code after}) adding the double {@code deltaBits} */
    static long addDouble(long[] chunk, int pos, long deltaBits, boolean after) {
        double delta = Double.longBitsToDouble(deltaBits);
        while (true) {
            long old = (long) LONGS.getVolatile(chunk, pos);
            long next = Double.doubleToRawLongBits(Double.longBitsToDouble(old) + delta);
            if (LONGS.weakCompareAndSet(chunk, pos, old, next)) {
                return after ? next : old;
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

    /** @return the bits before */
    static long accumulateDouble(long[] chunk, int pos, DoubleOp op, long valueBits) {
        double value = Double.longBitsToDouble(valueBits);
        while (true) {
            long old = (long) LONGS.getVolatile(chunk, pos);
            long next = Double.doubleToRawLongBits(op.applyAsDouble(Double.longBitsToDouble(old), value));
            if (next == old || LONGS.weakCompareAndSet(chunk, pos, old, next)) {
                return old;
            }
        }
    }
}
