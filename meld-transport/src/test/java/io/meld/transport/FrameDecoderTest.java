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

    private void write(byte[] bytes) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        channel.writeInbound(buf);
    }

    private List<byte[]> readAll() {
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
