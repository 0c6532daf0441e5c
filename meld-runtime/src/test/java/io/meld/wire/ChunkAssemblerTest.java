package io.meld.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * Reassembly of a stream from its chunks, without a network: chunks in order fill the array, and every
 * chunk that does not continue the stream is refused with the sender and the offsets in the message.
 */
class ChunkAssemblerTest {
    private static final int SENDER = 3;

    @Test
    void shouldRebuildAnArrayFromChunksAtRisingOffsets() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 24);

        assertThat(s.accept(0, 24, longs(1, 2))).isFalse();
        assertThat(s.isComplete()).isFalse();
        assertThat(s.received()).isEqualTo(16);
        assertThat(s.accept(16, 24, longs(3))).isTrue();

        assertThat(s.isComplete()).isTrue();
        assertThat(s.array()).containsExactly(1, 2, 3);
        assertThat(s.total()).isEqualTo(24);
    }

    /** The total is the sender's word: a gigabyte announced costs the preallocation until it arrives. */
    @Test
    void shouldNotAllocateTheAnnouncedTotalBeforeItArrives() {
        long gigabyte = 1L << 30;
        ChunkAssembler<byte[]> s = ChunkAssembler.start("message", SENDER, Elements.BYTES, gigabyte);

        s.accept(0, gigabyte, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));

        assertThat(s.array().length).isEqualTo(ChunkAssembler.PREALLOCATED_BYTES);
        assertThat(s.isComplete()).isFalse();
    }

    /** Past the preallocation the array grows as chunks come, and ends at exactly the total. */
    @Test
    void shouldGrowAStreamLongerThanThePreallocationToExactlyItsTotal() {
        int longs = ChunkAssembler.PREALLOCATED_BYTES / Long.BYTES * 3 + 5;
        long total = (long) longs * Long.BYTES;
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, total);
        int chunk = 10_000;
        for (int at = 0; at < longs; at += chunk) {
            long[] values = new long[Math.min(chunk, longs - at)];
            for (int i = 0; i < values.length; i++) {
                values[i] = at + i;
            }
            s.accept((long) at * Long.BYTES, total, longs(values));
            assertThat(s.array().length)
                    .as("what the stream holds after %d of %d elements", at + values.length, longs)
                    .isLessThanOrEqualTo(
                            Math.max(ChunkAssembler.PREALLOCATED_BYTES / Long.BYTES, 2 * (at + values.length)));
        }
        assertThat(s.isComplete()).isTrue();
        assertThat(s.array()).hasSize(longs);
        for (int i = 0; i < longs; i++) {
            if (s.array()[i] != i) {
                throw new AssertionError("element " + i + " is " + s.array()[i]);
            }
        }
    }

    @Test
    void shouldCompleteAnEmptyStreamWithItsOneFrameWithoutData() {
        ChunkAssembler<byte[]> s = ChunkAssembler.start("message", SENDER, Elements.BYTES, 0);

        assertThat(s.isComplete()).as("before its frame").isFalse();
        assertThat(s.accept(0, 0, Unpooled.EMPTY_BUFFER)).isTrue();
        assertThat(s.array()).isEmpty();
    }

    @Test
    void shouldTakeBytesThatAreNotAMultipleOfEight() {
        ChunkAssembler<byte[]> s = ChunkAssembler.start("message", SENDER, Elements.BYTES, 11);

        s.accept(0, 11, Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));

        assertThat(s.accept(8, 11, Unpooled.wrappedBuffer(new byte[] {9, 10, 11})))
                .isTrue();
        assertThat(s.array()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void shouldConsumeTheChunk() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 8);
        ByteBuf chunk = longs(7);

        s.accept(0, 8, chunk);

        assertThat(chunk.isReadable()).isFalse();
    }

    @Test
    void shouldRefuseAFirstChunkThatDoesNotStartTheStream() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 24);

        assertThatThrownBy(() -> s.accept(8, 24, longs(2)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("message chunk from node 3 at offset 8 of 24 bytes, expected offset 0 of 24");
    }

    @Test
    void shouldRefuseAChunkThatSkipsAnOffsetAndCopyNothingOfIt() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("collective", SENDER, Elements.LONGS, 32);
        s.accept(0, 32, longs(1));

        assertThatThrownBy(() -> s.accept(16, 32, longs(3)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("collective chunk from node 3 at offset 16 of 32 bytes, expected offset 8 of 32");
        assertThat(s.received()).isEqualTo(8);
        assertThat(s.array()).containsExactly(1, 0, 0, 0);
    }

    @Test
    void shouldRefuseAChunkThatRepeatsAnOffset() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 32);
        s.accept(0, 32, longs(1, 2));

        assertThatThrownBy(() -> s.accept(8, 32, longs(2)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("at offset 8 of 32 bytes, expected offset 16 of 32");
    }

    @Test
    void shouldRefuseAChunkThatAnnouncesAnotherTotal() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 32);
        s.accept(0, 32, longs(1));

        assertThatThrownBy(() -> s.accept(8, 40, longs(2)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("message chunk from node 3 at offset 8 of 40 bytes, expected offset 8 of 32");
    }

    @Test
    void shouldRefuseAChunkBeyondTheTotal() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 16);
        s.accept(0, 16, longs(1));

        assertThatThrownBy(() -> s.accept(8, 16, longs(2, 3)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("message chunk from node 3 at offset 8 of 16 bytes carries 16 bytes");
        assertThat(s.received()).isEqualTo(8);
    }

    @Test
    void shouldRefuseAChunkOfPartElements() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 16);

        assertThatThrownBy(() -> s.accept(0, 16, Unpooled.wrappedBuffer(new byte[12])))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("node 3")
                .hasMessageContaining("carries 12 bytes")
                .hasMessageContaining("not whole long elements");
    }

    @Test
    void shouldRefuseAChunkAfterTheEnd() {
        ChunkAssembler<long[]> s = ChunkAssembler.start("message", SENDER, Elements.LONGS, 8);
        s.accept(0, 8, longs(1));

        assertThatThrownBy(() -> s.accept(8, 8, Unpooled.EMPTY_BUFFER))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("message chunk from node 3 at offset 8 of 8 bytes, expected none after the end of 8");
    }

    @Test
    void shouldRefuseAStreamThatIsNotWholeElementsOrExceedsAnArrayBeforeAllocatingIt() {
        assertThatThrownBy(() -> ChunkAssembler.start("message", SENDER, Elements.DOUBLES, 12))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("node 3 started a message of 12 bytes, which is not an array of double elements");
        assertThatThrownBy(() -> ChunkAssembler.start("message", SENDER, Elements.BYTES, -1))
                .isInstanceOf(ProtocolException.class);
        // Were it allocated, this would be 16 GiB.
        assertThatThrownBy(() ->
                        ChunkAssembler.start("collective", SENDER, Elements.LONGS, 8L * ChunkAssembler.MAX_ARRAY + 8))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("node 3");
    }

    private static ByteBuf longs(long... values) {
        ByteBuf b = Unpooled.buffer(8 * values.length);
        for (long v : values) {
            b.writeLongLE(v);
        }
        return b;
    }
}
