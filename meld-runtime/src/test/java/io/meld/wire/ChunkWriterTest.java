package io.meld.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.config.MeldConfig;
import io.meld.transport.FrameHandlers;
import io.meld.transport.FrameType;
import io.meld.transport.InMemoryNetwork;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streams written to a real link of an in-memory network and read back frame by frame: where the chunks
 * are cut at the boundaries of a frame (0 bytes, exactly one frame, one element or one byte more), and
 * that {@link ChunkAssembler} rebuilds every element type from them.
 */
@Timeout(60)
class ChunkWriterTest {
    /** The test's own header: the chunk's offset and the stream's total, as every service writes them. */
    private static final int HEADER = 16;
    /** The data of a full frame of 64 KiB: its payload (less the transport's 16 bytes) less {@link #HEADER}. */
    private static final int CAPACITY = 65504;

    private static final MeldConfig CONFIG =
            MeldConfig.defaults().with("meld.transport.lanes", "1").with("meld.transport.max-frame-size", "64KiB");

    private final List<Chunk> arrived = new ArrayList<>();
    private InMemoryNetwork net;
    private Link link;

    private record Chunk(long offset, long total, byte[] data) {}

    @BeforeEach
    void connect() {
        net = new InMemoryNetwork(2, CONFIG);
        InMemoryNetwork.Endpoint sender = net.attach(0, new FrameHandlers());
        net.attach(1, new FrameHandlers().handle(FrameType.MESSAGE, (from, flags, payload) -> {
                    long offset = payload.readLongLE();
                    long total = payload.readLongLE();
                    byte[] data = new byte[payload.readableBytes()];
                    payload.readBytes(data);
                    arrived.add(new Chunk(offset, total, data));
                }));
        link = sender.link(1, 0);
    }

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void shouldCutFullFramesAtAMultipleOfEightBytes() {
        assertThat(ChunkWriter.chunkCapacity(link.maxPayload(), HEADER)).isEqualTo(CAPACITY);
        // The services' headers: chunks stay whole elements of every type, bytes included.
        assertThat(ChunkWriter.chunkCapacity(65520, 24)).isEqualTo(65496);
        assertThat(ChunkWriter.chunkCapacity(65520, 13)).isEqualTo(65504);
        assertThatThrownBy(() -> ChunkWriter.chunkCapacity(40, 36))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("36 bytes");
    }

    @Test
    void shouldSendAnEmptyArrayOrNoneAsOneFrameWithoutData() {
        send(Elements.LONGS, new long[0]);
        send(Elements.BYTES, null);

        assertThat(arrived).hasSize(2).allSatisfy(c -> {
            assertThat(c.offset()).isZero();
            assertThat(c.total()).isZero();
            assertThat(c.data()).isEmpty();
        });
    }

    @Test
    void shouldSendAnArrayOfExactlyOneFrameInOne() {
        long[] a = longs(CAPACITY / 8);

        send(Elements.LONGS, a);

        assertThat(arrived).hasSize(1);
        assertThat(arrived.get(0).data()).hasSize(CAPACITY);
        assertThat(reassemble(Elements.LONGS)).isEqualTo(a);
    }

    @Test
    void shouldSendOneElementMoreInASecondFrame() {
        long[] a = longs(CAPACITY / 8 + 1);

        send(Elements.LONGS, a);

        assertThat(arrived).extracting(c -> c.data().length).containsExactly(CAPACITY, 8);
        assertThat(arrived).extracting(Chunk::offset).containsExactly(0L, (long) CAPACITY);
        assertThat(arrived).extracting(Chunk::total).containsOnly(8L * a.length);
        assertThat(reassemble(Elements.LONGS)).isEqualTo(a);
    }

    @Test
    void shouldSendOneByteMoreInASecondFrame() {
        byte[] a = bytes(CAPACITY + 1);

        send(Elements.BYTES, a);

        assertThat(arrived).extracting(c -> c.data().length).containsExactly(CAPACITY, 1);
        assertThat(reassemble(Elements.BYTES)).isEqualTo(a);
    }

    @Test
    void shouldCutBytesThatAreNotAMultipleOfEightOnlyInTheLastFrame() {
        byte[] a = bytes(2 * CAPACITY + 3);

        send(Elements.BYTES, a);

        assertThat(arrived).extracting(c -> c.data().length).containsExactly(CAPACITY, CAPACITY, 3);
        assertThat(reassemble(Elements.BYTES)).isEqualTo(a);
    }

    @Test
    void shouldCarryTheRawBitsOfDoublesAcrossFrames() {
        Random random = new Random(7);
        double[] a = new double[CAPACITY / 8 * 2 + 5];
        for (int i = 0; i < a.length; i++) {
            a[i] = Double.longBitsToDouble(random.nextLong()); // NaNs with payloads among them
        }

        send(Elements.DOUBLES, a);

        assertThat(arrived).hasSize(3);
        double[] back = reassemble(Elements.DOUBLES);
        for (int i = 0; i < a.length; i++) {
            assertThat(Double.doubleToRawLongBits(back[i]))
                    .as("element %d", i)
                    .isEqualTo(Double.doubleToRawLongBits(a[i]));
        }
    }

    @Test
    void shouldSendNothingWhenTheHeaderIsNotTheLengthItClaims() {
        assertThatThrownBy(() -> ChunkWriter.send(
                        link,
                        FrameType.MESSAGE,
                        HEADER,
                        Elements.LONGS,
                        new long[1],
                        (f, offset, total) -> f.writeLongLE(offset)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("8 bytes instead of 16");

        assertThat(net.pending()).isZero();
    }

    private <A> void send(Elements<A> type, A array) {
        ChunkWriter.send(link, FrameType.MESSAGE, HEADER, type, array, (frame, offset, total) -> {
            frame.writeLongLE(offset);
            frame.writeLongLE(total);
        });
        net.deliverAll();
    }

    /** Rebuilds the array from the frames that arrived, as a receiving service does. */
    private <A> A reassemble(Elements<A> type) {
        ChunkAssembler<A> stream =
                ChunkAssembler.start("test", 0, type, arrived.get(0).total());
        boolean complete = false;
        for (Chunk c : arrived) {
            assertThat(complete).as("a chunk after the last").isFalse();
            ByteBuf data = Unpooled.wrappedBuffer(c.data());
            complete = stream.accept(c.offset(), c.total(), data);
        }
        assertThat(complete).isTrue();
        return stream.array();
    }

    private static long[] longs(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0x0101010101010101L - 1;
        }
        return a;
    }

    private static byte[] bytes(int n) {
        byte[] a = new byte[n];
        new Random(n).nextBytes(a);
        return a;
    }
}
