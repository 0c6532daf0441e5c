package io.meld.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One element type of the arrays that travel in frames ({@code long}, {@code double}, {@code byte}), with
 * all a service needs to carry it: its name and size on the wire, how to allocate and copy an array of it,
 * and how to copy elements between an array and a frame. There is one instance per type ({@link #LONGS},
 * {@link #DOUBLES}, {@link #BYTES}); a collective's kind names the one its streams carry, a message's
 * payload type the one its frames carry.
 *
 * <h2>Implementation notes</h2>
 *
 * The type parameter is the array type ({@code long[]}), so a service handles every element type with one
 * generic method and no unchecked casts. Elements travel little-endian, doubles as their raw bits. The type
 * is sealed, so a {@code switch} over it names every element type and the compiler checks that it does.
 *
 * <p>Concurrency: the instances are immutable; any thread.
 *
 * @param <A> the array type
 */
public abstract sealed class Elements<A> permits Elements.Longs, Elements.Doubles, Elements.Bytes {
    /** {@code long} elements. */
    public static final Longs LONGS = new Longs();
    /** {@code double} elements. */
    public static final Doubles DOUBLES = new Doubles();
    /** {@code byte} elements. */
    public static final Bytes BYTES = new Bytes();

    private final String name;
    private final int size;

    private Elements(String name, int size) {
        this.name = name;
        this.size = size;
    }

    /** @return the element type as the program writes it, e.g. {@code long} */
    public final String name() {
        return name;
    }

    /** @return bytes per element on the wire */
    public final int size() {
        return size;
    }

    /** @return a new array of {@code length} elements */
    public abstract A allocate(int length);

    /** @return a new array of {@code count} arrays of this type, all {@code null} */
    public abstract A[] allocateArrays(int count);

    /** @return the number of elements of {@code array} */
    public abstract int length(A array);

    /** @return the bytes {@code array} takes on the wire */
    public final long byteLength(A array) {
        return (long) length(array) * size;
    }

    /** @return a new array with the elements of {@code array} */
    public abstract A copy(A array);

    /** @return a new array of {@code length} elements, starting with those of {@code array} */
    public abstract A resize(A array, int length);

    /**
     * @return {@code array}, as an array of this type
     * @throws ClassCastException when it is an array of another type
     */
    public abstract A cast(Object array);

    /**
     * Writes {@code count} elements of {@code array} from index {@code from} to {@code out} (little-endian),
     * from its position; whether the position advances is unspecified, so callers pass a buffer per chunk.
     */
    public abstract void encode(A array, int from, int count, ByteBuffer out);

    /**
     * Reads {@code count} elements from {@code in} (little-endian), from its position, into {@code array} from
     * index {@code at}; whether the position advances is unspecified, as for {@link #encode}.
     */
    public abstract void decode(ByteBuffer in, A array, int at, int count);

    @Override
    public String toString() {
        return name;
    }

    /** {@code long} elements. */
    public static final class Longs extends Elements<long[]> {
        private Longs() {
            super("long", Long.BYTES);
        }

        @Override
        public long[] allocate(int length) {
            return new long[length];
        }

        @Override
        public long[][] allocateArrays(int count) {
            return new long[count][];
        }

        @Override
        public int length(long[] array) {
            return array.length;
        }

        @Override
        public long[] copy(long[] array) {
            return array.clone();
        }

        @Override
        public long[] resize(long[] array, int length) {
            return Arrays.copyOf(array, length);
        }

        @Override
        public long[] cast(Object array) {
            return (long[]) array;
        }

        @Override
        public void encode(long[] array, int from, int count, ByteBuffer out) {
            out.asLongBuffer().put(array, from, count);
        }

        @Override
        public void decode(ByteBuffer in, long[] array, int at, int count) {
            in.asLongBuffer().get(array, at, count);
        }
    }

    /** {@code double} elements, as their raw bits on the wire. */
    public static final class Doubles extends Elements<double[]> {
        private Doubles() {
            super("double", Double.BYTES);
        }

        @Override
        public double[] allocate(int length) {
            return new double[length];
        }

        @Override
        public double[][] allocateArrays(int count) {
            return new double[count][];
        }

        @Override
        public int length(double[] array) {
            return array.length;
        }

        @Override
        public double[] copy(double[] array) {
            return array.clone();
        }

        @Override
        public double[] resize(double[] array, int length) {
            return Arrays.copyOf(array, length);
        }

        @Override
        public double[] cast(Object array) {
            return (double[]) array;
        }

        @Override
        public void encode(double[] array, int from, int count, ByteBuffer out) {
            out.asDoubleBuffer().put(array, from, count);
        }

        @Override
        public void decode(ByteBuffer in, double[] array, int at, int count) {
            in.asDoubleBuffer().get(array, at, count);
        }
    }

    /** {@code byte} elements: byte arrays, and anything a service encodes as bytes (objects, text). */
    public static final class Bytes extends Elements<byte[]> {
        private Bytes() {
            super("byte", Byte.BYTES);
        }

        @Override
        public byte[] allocate(int length) {
            return new byte[length];
        }

        @Override
        public byte[][] allocateArrays(int count) {
            return new byte[count][];
        }

        @Override
        public int length(byte[] array) {
            return array.length;
        }

        @Override
        public byte[] copy(byte[] array) {
            return array.clone();
        }

        @Override
        public byte[] resize(byte[] array, int length) {
            return Arrays.copyOf(array, length);
        }

        @Override
        public byte[] cast(Object array) {
            return (byte[]) array;
        }

        @Override
        public void encode(byte[] array, int from, int count, ByteBuffer out) {
            out.put(array, from, count);
        }

        @Override
        public void decode(ByteBuffer in, byte[] array, int at, int count) {
            in.get(array, at, count);
        }
    }
}
