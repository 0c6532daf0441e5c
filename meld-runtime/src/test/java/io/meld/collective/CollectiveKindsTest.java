package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.collective.CollectiveCodec.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kinds of collective frames and their element types, without a cluster: the codes and element sizes on
 * the wire, the names in messages, and each element type's copy to and from a frame.
 */
class CollectiveKindsTest {
    @Test
    void shouldKeepEveryKindsCodeAndElementSizeOnTheWire() {
        // Code and element size of every kind, as peers running other builds expect them.
        int[][] wire = {
            {1, 0}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {6, 1}, {7, 0}, {8, 1}, {9, 1}, {10, 8}, {11, 8}, {12, 1}, {13, 8},
            {14, 8}, {15, 1}, {16, 8}, {17, 8}, {18, 1}, {19, 8}, {20, 8}, {21, 8}, {22, 8}, {23, 8}, {24, 8}, {25, 8},
            {26, 8}, {27, 8}, {28, 8}, {29, 8}, {30, 8}, {31, 8}, {32, 8}
        };

        assertThat(Kind.values()).hasSize(wire.length);
        for (int[] kind : wire) {
            assertThat(Kind.of(kind[0]).elementSize).as("kind %d", kind[0]).isEqualTo(kind[1]);
            assertThat(Kind.of(kind[0]).code).isEqualTo(kind[0]);
        }
    }

    @Test
    void shouldNameEachKindsElementTypeInItsArgument() {
        for (Kind kind : Kind.values()) {
            if (kind.elements != null && kind.argument != null) {
                assertThat(kind.argument).as(kind.name()).startsWith(kind.elements.name);
            }
        }
    }

    @Test
    void shouldDescribeCallsAsTheProgramWroteThem() {
        assertThat(new Signature(Kind.BARRIER, 0, -1).describe()).isEqualTo("barrier()");
        assertThat(new Signature(Kind.CLOSE, 0, -1).describe()).isEqualTo("close()");
        assertThat(new Signature(Kind.REDUCE_LONG, LongOp.SUM.ordinal() + 1, -1).describe())
                .isEqualTo("allReduce(long, SUM)");
        assertThat(new Signature(Kind.REDUCE_DOUBLES, CollectiveCodec.OP_CUSTOM, 2).describe())
                .isEqualTo("reduce(double[], a custom operator, root 2)");
        assertThat(new Signature(Kind.EXCLUSIVE_SCAN_DOUBLE, DoubleOp.values().length + 1, -1).describe())
                .isEqualTo("exclusiveScan(double, operation " + (DoubleOp.values().length + 1) + ")");
        assertThat(new Signature(Kind.GATHER_BYTES, 0, 1).describe()).isEqualTo("gather(byte[], root 1)");
        assertThat(new Signature(Kind.ALL_TO_ALL_LONGS, 0, -1).describe()).isEqualTo("allToAll(long[][])");
    }

    @Test
    void shouldCopyAChunkOfEachElementTypeToAFrameAndBack() {
        long[] longs = {1, -2, Long.MAX_VALUE, Long.MIN_VALUE, 5};
        double[] doubles = {0.5, -0.0, Double.NaN, Double.MAX_VALUE, 3};
        byte[] bytes = {1, -2, 127, -128, 5};

        assertThat(roundTrip(Elements.LONGS, longs)).containsExactly(0, -2, Long.MAX_VALUE, Long.MIN_VALUE, 0);
        assertThat(Arrays.equals(
                        roundTrip(Elements.DOUBLES, doubles), new double[] {0, -0.0, Double.NaN, Double.MAX_VALUE, 0}))
                .isTrue();
        assertThat(roundTrip(Elements.BYTES, bytes)).containsExactly(0, -2, 127, -128, 0);
    }

    @Test
    void shouldWriteLongsLittleEndian() {
        ByteBuffer out = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Elements.LONGS.encode(new long[] {0x0102030405060708L}, 0, 1, out);

        assertThat(out.array()).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
    }

    /** Copies elements 1..3 of {@code array} through a frame into a new array of the same length. */
    private static <A> A roundTrip(Elements<A> type, A array) {
        ByteBuffer frame = ByteBuffer.allocate(3 * type.size).order(ByteOrder.LITTLE_ENDIAN);
        type.encode(array, 1, 3, frame);
        frame.rewind(); // the position is not part of the contract: bytes advance it, views do not
        A copy = type.allocate(type.length(array));
        type.decode(frame, copy, 1, 3);
        return copy;
    }
}
