package io.meld.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The element types on their own: sizes and names on the wire, and each type's copy to and from a frame. */
class ElementsTest {
    @Test
    void shouldKeepEachTypesSizeAndNameOnTheWire() {
        assertThat(Elements.LONGS.size()).isEqualTo(8);
        assertThat(Elements.DOUBLES.size()).isEqualTo(8);
        assertThat(Elements.BYTES.size()).isEqualTo(1);
        assertThat(Elements.LONGS).hasToString("long");
        assertThat(Elements.DOUBLES.name()).isEqualTo("double");
        assertThat(Elements.BYTES.name()).isEqualTo("byte");
        assertThat(Elements.LONGS.byteLength(new long[3])).isEqualTo(24);
        assertThat(Elements.BYTES.byteLength(new byte[3])).isEqualTo(3);
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

    @Test
    void shouldCopyArraysAndCastOnlyTheirOwnType() {
        long[] a = {1, 2};
        long[] copy = Elements.LONGS.copy(a);
        copy[0] = 9;

        assertThat(a).containsExactly(1, 2);
        assertThat(Elements.LONGS.cast(a)).isSameAs(a);
        assertThat((Object[]) Elements.DOUBLES.allocateArrays(3)).hasSize(3).containsOnlyNulls();
        assertThatThrownBy(() -> Elements.DOUBLES.cast(a)).isInstanceOf(ClassCastException.class);
    }

    /** Copies elements 1..3 of {@code array} through a frame into a new array of the same length. */
    private static <A> A roundTrip(Elements<A> type, A array) {
        ByteBuffer frame = ByteBuffer.allocate(3 * type.size()).order(ByteOrder.LITTLE_ENDIAN);
        type.encode(array, 1, 3, frame);
        frame.rewind(); // the position is not part of the contract: bytes advance it, views do not
        A copy = type.allocate(type.length(array));
        type.decode(frame, copy, 1, 3);
        return copy;
    }
}
