package io.meld.collective;

import io.meld.DoubleOp;
import io.meld.LongOp;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * One element type of the arrays that collectives carry ({@code long}, {@code double}, {@code byte}), with
 * all the collectives need to know of it: its name and size on the wire, how to allocate an array of it,
 * copy elements between an array and a frame, and name an operation code; the numeric types also make the
 * {@link Fold} of an operator. There is one instance per type ({@link #LONGS}, {@link #DOUBLES},
 * {@link #BYTES}); each {@link CollectiveCodec.Kind} names the one its streams carry.
 *
 * <h2>Implementation notes</h2>
 *
 * The type parameter is the array type ({@code long[]}), so the engine handles any element type with one
 * generic method and no casts: arrays that arrive are kept per type in the {@link Round}, and {@link
 * #arrays(Round)} hands them out typed. Elements travel little-endian, doubles as their raw bits.
 *
 * <p>Concurrency: the instances are immutable; {@link #arrays(Round)} is called under the engine's lock.
 *
 * @param <A> the array type
 */
abstract sealed class Elements<A> permits Elements.Longs, Elements.Doubles, Elements.Bytes {
    static final Longs LONGS = new Longs();
    static final Doubles DOUBLES = new Doubles();
    static final Bytes BYTES = new Bytes();

    /** The element type as the program writes it, e.g. {@code long}. */
    final String name;
    /** Bytes per element on the wire. */
    final int size;

    private Elements(String name, int size) {
        this.name = name;
        this.size = size;
    }

    /** @return a new array of {@code length} elements */
    abstract A allocate(int length);

    /** @return the number of elements of {@code array} */
    abstract int length(A array);

    /**
     * Writes {@code count} elements of {@code array} from index {@code from} to {@code out} (little-endian),
     * from its position; whether the position advances is unspecified, so callers pass a buffer per chunk.
     */
    abstract void encode(A array, int from, int count, ByteBuffer out);

    /**
     * Reads {@code count} elements from {@code in} (little-endian), from its position, into {@code array} from
     * index {@code at}; whether the position advances is unspecified, as for {@link #encode}.
     */
    abstract void decode(ByteBuffer in, A array, int at, int count);

    /** @return the arrays of this type that arrived in {@code round}, by sender rank; allocated at first use */
    abstract A[] arrays(Round round);

    /** @return the operations of this type, in the order of their codes, or none */
    abstract Enum<?>[] operations();

    /** @return what operation code {@code code} means, for messages */
    final String opName(int code) {
        if (code == CollectiveCodec.OP_CUSTOM) {
            return "a custom operator";
        }
        Enum<?>[] ops = operations();
        return code >= 1 && code <= ops.length ? ops[code - 1].name() : "operation " + code;
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * An operator applied element by element to the arrays of ranks {@code 0..upTo-1}, in rank order; what
     * the reductions and scans compute.
     *
     * @param <A> the array type
     */
    interface Fold<A> {
        /**
         * @return the operation code sent on the wire ({@link CollectiveCodec#OP_CUSTOM} for the program's own)
         * @throws NullPointerException when the operator is {@code null}
         */
        int code();

        /**
         * @param byRank each rank's array, all of {@code length} elements
         * @param upTo how many ranks to fold, from rank 0; none gives an array of the identity
         * @param length the length of every array
         * @return a new array of the folds
         */
        A fold(A[] byRank, int upTo, int length);
    }

    /** {@code long} elements. */
    static final class Longs extends Elements<long[]> {
        private Longs() {
            super("long", Long.BYTES);
        }

        /** The operation code of {@code op}; the one place it is computed. */
        static int opCode(LongBinaryOperator op) {
            Objects.requireNonNull(op, "op");
            return op instanceof LongOp l ? l.ordinal() + 1 : CollectiveCodec.OP_CUSTOM;
        }

        /** @return the fold of {@code op}, whose empty fold is {@code identity}; {@code op} is checked by {@link Fold#code()} */
        Fold<long[]> fold(LongBinaryOperator op, long identity) {
            return new Fold<>() {
                @Override
                public int code() {
                    return opCode(op);
                }

                @Override
                public long[] fold(long[][] byRank, int upTo, int length) {
                    long[] acc = new long[length];
                    if (upTo == 0) {
                        Arrays.fill(acc, identity);
                        return acc;
                    }
                    System.arraycopy(byRank[0], 0, acc, 0, length);
                    for (int r = 1; r < upTo; r++) {
                        long[] v = byRank[r];
                        for (int i = 0; i < length; i++) {
                            acc[i] = op.applyAsLong(acc[i], v[i]);
                        }
                    }
                    return acc;
                }
            };
        }

        @Override
        long[] allocate(int length) {
            return new long[length];
        }

        @Override
        int length(long[] array) {
            return array.length;
        }

        @Override
        void encode(long[] array, int from, int count, ByteBuffer out) {
            out.asLongBuffer().put(array, from, count);
        }

        @Override
        void decode(ByteBuffer in, long[] array, int at, int count) {
            in.asLongBuffer().get(array, at, count);
        }

        @Override
        long[][] arrays(Round round) {
            if (round.longs == null) {
                round.longs = new long[round.size()][];
            }
            return round.longs;
        }

        @Override
        Enum<?>[] operations() {
            return LongOp.values();
        }
    }

    /** {@code double} elements, as their raw bits on the wire. */
    static final class Doubles extends Elements<double[]> {
        private Doubles() {
            super("double", Double.BYTES);
        }

        /** The operation code of {@code op}; the one place it is computed. */
        static int opCode(DoubleBinaryOperator op) {
            Objects.requireNonNull(op, "op");
            return op instanceof DoubleOp d ? d.ordinal() + 1 : CollectiveCodec.OP_CUSTOM;
        }

        /** @return the fold of {@code op}, whose empty fold is {@code identity}; {@code op} is checked by {@link Fold#code()} */
        Fold<double[]> fold(DoubleBinaryOperator op, double identity) {
            return new Fold<>() {
                @Override
                public int code() {
                    return opCode(op);
                }

                @Override
                public double[] fold(double[][] byRank, int upTo, int length) {
                    double[] acc = new double[length];
                    if (upTo == 0) {
                        Arrays.fill(acc, identity);
                        return acc;
                    }
                    System.arraycopy(byRank[0], 0, acc, 0, length);
                    for (int r = 1; r < upTo; r++) {
                        double[] v = byRank[r];
                        for (int i = 0; i < length; i++) {
                            acc[i] = op.applyAsDouble(acc[i], v[i]);
                        }
                    }
                    return acc;
                }
            };
        }

        @Override
        double[] allocate(int length) {
            return new double[length];
        }

        @Override
        int length(double[] array) {
            return array.length;
        }

        @Override
        void encode(double[] array, int from, int count, ByteBuffer out) {
            out.asDoubleBuffer().put(array, from, count);
        }

        @Override
        void decode(ByteBuffer in, double[] array, int at, int count) {
            in.asDoubleBuffer().get(array, at, count);
        }

        @Override
        double[][] arrays(Round round) {
            if (round.doubles == null) {
                round.doubles = new double[round.size()][];
            }
            return round.doubles;
        }

        @Override
        Enum<?>[] operations() {
            return DoubleOp.values();
        }
    }

    /** {@code byte} elements: broadcast, gather, scatter and all-to-all data, and the text of an abort. */
    static final class Bytes extends Elements<byte[]> {
        private static final Enum<?>[] NONE = {};

        private Bytes() {
            super("byte", Byte.BYTES);
        }

        @Override
        byte[] allocate(int length) {
            return new byte[length];
        }

        @Override
        int length(byte[] array) {
            return array.length;
        }

        @Override
        void encode(byte[] array, int from, int count, ByteBuffer out) {
            out.put(array, from, count);
        }

        @Override
        void decode(ByteBuffer in, byte[] array, int at, int count) {
            in.get(array, at, count);
        }

        @Override
        byte[][] arrays(Round round) {
            if (round.bytes == null) {
                round.bytes = new byte[round.size()][];
            }
            return round.bytes;
        }

        @Override
        Enum<?>[] operations() {
            return NONE;
        }
    }
}
