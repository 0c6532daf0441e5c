package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link FrameDecoder} alone, in an {@link EmbeddedChannel}: how it cuts a byte stream into frames. */
@ExtendWith(LeakCheck.class)
class FrameDecoderTest {
    static final int MAX = 1024;
    static final int T = TestCluster.TEST_TYPE;

    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX, knownTypes()));

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    /** The handshake's types and {@link TestCluster#TEST_TYPE}, as a transport with the test handler knows. */
    static boolean[] knownTypes() {
        boolean[] known = new boolean[FrameType.MAX + 1];
        known[FrameType.HELLO] = known[FrameType.WELCOME] = known[FrameType.REJECT] = known[T] = true;
        return known;
    }

    @Test
    void shouldCutFramesFedOneByteAtATime() {
        byte[] stream = concat(RawPeer.frame(T, 1, 5, RawPeer.bytes(30, 1)), RawPeer.frame(T, 2, 6, new byte[0]));
        for (byte b : stream) {
            write(new byte[] {b});
        }
        List<byte[]> frames = readAll();
        assertThat(frames).hasSize(2);
        assertThat(frames.get(0)).isEqualTo(Arrays.copyOf(stream, 46));
        assertThat(frames.get(1)).isEqualTo(Arrays.copyOfRange(stream, 46, 62));
    }

    @Test
    void shouldCutSeveralFramesFromOneRead() {
        byte[] a = RawPeer.frame(T, 0, 1, RawPeer.bytes(100, 1));
        byte[] b = RawPeer.frame(FrameType.HELLO, 0, 2, RawPeer.bytes(40, 2));
        byte[] c = RawPeer.frame(T, 0, 3, RawPeer.bytes(7, 3));
        write(concat(a, b, c, Arrays.copyOf(a, 20)));
        assertThat(readAll()).containsExactly(a, b, c);
        write(Arrays.copyOfRange(a, 20, a.length));
        assertThat(readAll()).containsExactly(a);
    }

    @Test
    void shouldEmitEachFrameAsASliceItsReaderReleases() {
        write(RawPeer.frame(T, 0, 1, RawPeer.bytes(10, 1)));
        ByteBuf frame = channel.readInbound();
        assertThat(frame.refCnt()).isEqualTo(1);
        assertThat(FrameDescriptor.length(frame)).isEqualTo(26);
        assertThat(FrameDescriptor.type(frame)).isEqualTo(T);
        assertThat(FrameDescriptor.sequence(frame)).isEqualTo(1);
        assertThat(frame.release()).isTrue();
    }

    @Test
    void shouldPassAFrameOfExactlyTheMaximumAndRefuseOneByteMore() {
        byte[] largest = RawPeer.frame(T, 0, 1, new byte[MAX - FrameDescriptor.HEADER_LENGTH]);
        write(largest);
        assertThat(readAll()).containsExactly(largest);
        assertThatThrownBy(() -> write(RawPeer.frame(T, 0, 2, new byte[MAX - FrameDescriptor.HEADER_LENGTH + 1])))
                .isInstanceOf(DecoderException.class)
                .cause()
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("frame length 1025 is outside 16..1024 (meld.transport.max-frame-size)");
    }

    @Test
    void shouldRefuseAnOversizeOrUnknownFrameAsSoonAsItsHeaderArrives() {
        byte[] unknown = RawPeer.frame(77, 0, 1, new byte[500]);
        assertThatThrownBy(() -> write(Arrays.copyOf(unknown, FrameDescriptor.HEADER_LENGTH)))
                .cause()
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown frame type 77");
    }

    @Test
    void shouldRefuseALengthBelowTheHeader() {
        assertThatThrownBy(() -> write(RawPeer.frame(FrameDescriptor.HEADER_LENGTH - 1, T, 0, 0, new byte[0])))
                .cause()
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("frame length 15 is outside");
    }

    @Test
    void shouldDiscardEverythingAfterTheFirstError() {
        assertThatThrownBy(() -> write(RawPeer.frame(0, 0, 1, new byte[4])))
                .cause()
                .isInstanceOf(ProtocolException.class);
        // Valid frames after a bad header may not start where they seem to: nothing more comes out, and the
        // end of the stream is no second error.
        write(RawPeer.frame(T, 0, 2, new byte[4]));
        assertThat(readAll()).isEmpty();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void shouldReportAFrameCutShortByTheEndOfTheStream() {
        write(Arrays.copyOf(RawPeer.frame(T, 0, 1, new byte[100]), 60));
        assertThat(readAll()).isEmpty();
        assertThatThrownBy(channel::finish)
                .isInstanceOf(ProtocolException.class)
                .hasMessage("truncated frame: the connection closed after 60 of 116 bytes");
    }

    @Test
    void shouldEndQuietlyBetweenFrames() {
        write(RawPeer.frame(T, 0, 1, new byte[3]));
        assertThat(readAll()).hasSize(1);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void shouldReadTheRestOfALargeFrameStraightIntoABufferOfItsOwnBetweenSmallFrames() {
        EmbeddedChannel direct = new EmbeddedChannel(new FrameDecoder(MAX, knownTypes(), 100));
        try {
            byte[] small = RawPeer.frame(T, 0, 1, RawPeer.bytes(10, 1));
            byte[] large = RawPeer.frame(T, 0, 2, RawPeer.bytes(900, 2));
            byte[] after = RawPeer.frame(T, 0, 3, RawPeer.bytes(5, 3));
            direct.writeInbound(ByteBufAllocator.DEFAULT.buffer().writeBytes(concat(small, Arrays.copyOf(large, 40))));
            assertThat(readAll(direct)).containsExactly(small);
            ByteBuf frame = null;
            for (int at = 40; at < large.length; at += 300) {
                // What a socket read does: fill the buffer the channel's receive allocator gives, up to its capacity.
                ByteBuf read = direct.unsafe().recvBufAllocHandle().allocate(direct.alloc());
                assertThat(read.capacity())
                        .as("a read stops at the frame's last byte")
                        .isEqualTo(large.length);
                assertThat(read.writerIndex()).as("the next byte of the frame").isEqualTo(at);
                frame = read;
                read.writeBytes(large, at, Math.min(300, large.length - at));
                direct.writeInbound(read);
                if (read.isWritable()) {
                    assertThat(readAll(direct)).isEmpty();
                }
            }
            ByteBuf emitted = direct.readInbound();
            assertThat(emitted).as("the frame's own buffer, read into").isSameAs(frame);
            assertThat(ByteBufUtil.getBytes(emitted)).isEqualTo(large);
            emitted.release();
            ByteBuf next = direct.unsafe().recvBufAllocHandle().allocate(direct.alloc());
            assertThat(next).as("reads after the frame go to ordinary buffers").isNotSameAs(frame);
            assertThat(next.writerIndex()).isZero();
            direct.writeInbound(next.writeBytes(after));
            assertThat(readAll(direct)).containsExactly(after);
        } finally {
            direct.finishAndReleaseAll();
        }
    }

    @Test
    void shouldCutALargeFrameTheSameWhenItsBytesComeInOtherBuffers() {
        EmbeddedChannel direct = new EmbeddedChannel(new FrameDecoder(MAX, knownTypes(), 100));
        try {
            byte[] a = RawPeer.frame(T, 0, 1, RawPeer.bytes(7, 1));
            byte[] large = RawPeer.frame(T, 0, 2, RawPeer.bytes(1000, 2));
            byte[] b = RawPeer.frame(T, 0, 3, RawPeer.bytes(20, 3));
            byte[] stream = concat(a, large, b, large, a);
            // Pieces that end inside the large frame's header, its payload, and across its end.
            int[] cuts = {10, 30, 500, 1040, 1060, 1070, 2000, stream.length};
            int from = 0;
            for (int cut : cuts) {
                direct.writeInbound(
                        ByteBufAllocator.DEFAULT.buffer().writeBytes(Arrays.copyOfRange(stream, from, cut)));
                from = cut;
            }
            assertThat(readAll(direct)).containsExactly(a, large, b, large, a);
            assertThat(direct.finish()).isFalse();
        } finally {
            direct.finishAndReleaseAll();
        }
    }

    @Test
    void shouldReportALargeFrameCutShortByTheEndOfTheStreamAndReleaseIt() {
        EmbeddedChannel direct = new EmbeddedChannel(new FrameDecoder(MAX, knownTypes(), 100));
        byte[] large = RawPeer.frame(T, 0, 1, RawPeer.bytes(900, 1));
        direct.writeInbound(ByteBufAllocator.DEFAULT.buffer().writeBytes(Arrays.copyOf(large, 60)));
        ByteBuf read = direct.unsafe().recvBufAllocHandle().allocate(direct.alloc());
        direct.writeInbound(read.writeBytes(large, 60, 80));
        assertThat(readAll(direct)).isEmpty();
        assertThatThrownBy(direct::finish)
                .isInstanceOf(ProtocolException.class)
                .hasMessage("truncated frame: the connection closed after 140 of 916 bytes");
        assertThat(read.refCnt()).as("the unfinished frame was released").isZero();
    }

    private void write(byte[] bytes) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        channel.writeInbound(buf);
    }

    private List<byte[]> readAll() {
        return readAll(channel);
    }

    private static List<byte[]> readAll(EmbeddedChannel channel) {
        List<byte[]> frames = new ArrayList<>();
        for (ByteBuf f; (f = channel.readInbound()) != null; ) {
            frames.add(ByteBufUtil.getBytes(f));
            f.release();
        }
        return frames;
    }

    static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
