package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.testing.CapturingLink;
import io.meld.testing.PeerFrames;
import io.meld.transport.FrameType;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * Jazzer fuzz test of the COLLECTIVE frames peers send ({@link CollectiveCodec}), handed to the {@link
 * RoundKeeper} of node 0 of a cluster of 3 as its I/O threads hand them. The input is the frames of both
 * peers in one stream ({@link PeerFrames}); a frame's flags (unused by collectives) pick its sender, node 1
 * when even and node 2 when odd. The corpus in {@code CollectiveFramesFuzzTestInputs} starts from frames
 * of every kind, whole and in chunks.
 *
 * <p>The contract: each frame is taken or refused with a {@link ProtocolException}, which closes its
 * connection (the rest of the stream is not read); a header that decodes encodes to the same bytes, but
 * for its reserved field.
 *
 * <p>A contribution's array is allocated when its first chunk arrives, sized by the total it announces;
 * the stream stops at a chunk announcing more than {@link #MAX_TOTAL} bytes, so that the fuzzer looks for
 * broken rules rather than for the size of its heap.
 */
class CollectiveFramesFuzzTest {
    static final long MAX_TOTAL = 1 << 20;
    static final int SIZE = 3;

    private static final int MAX_FRAME = 64 << 10;

    @FuzzTest
    void shouldTakeOrRefuseAnyCollectiveFrame(byte[] stream) {
        RoundKeeper keeper = new RoundKeeper(SIZE);
        CapturingLink[] from = {null, new CapturingLink(1, 0, MAX_FRAME), new CapturingLink(2, 0, MAX_FRAME)};
        for (PeerFrames.Frame f : PeerFrames.of(stream)) {
            if (f.type() != FrameType.COLLECTIVE) {
                continue; // another service's frame
            }
            ByteBuf payload = f.payload();
            if (payload.readableBytes() >= CollectiveCodec.HEADER_LENGTH
                    && payload.getLongLE(payload.readerIndex() + CollectiveCodec.TOTAL_OFFSET) > MAX_TOTAL) {
                break;
            }
            checkHeaderRoundTrip(payload.duplicate());
            try {
                keeper.onFrame(from[1 + (f.flags() & 1)], payload);
            } catch (ProtocolException e) {
                break; // the connection closes
            }
        }
    }

    /** A header that decodes is the same bytes when encoded again, but for the reserved uint16. */
    private static void checkHeaderRoundTrip(ByteBuf payload) {
        byte[] original = ByteBufUtil.getBytes(
                payload, payload.readerIndex(), Math.min(payload.readableBytes(), CollectiveCodec.HEADER_LENGTH));
        CollectiveCodec.Header h;
        try {
            h = CollectiveCodec.decode(payload, SIZE);
        } catch (ProtocolException e) {
            return;
        }
        ByteBuf again = Unpooled.buffer(CollectiveCodec.HEADER_LENGTH);
        CollectiveCodec.encode(again, h.sequence(), h.kind(), h.op(), h.root(), h.total(), h.offset());
        byte[] expected = Arrays.copyOf(original, CollectiveCodec.HEADER_LENGTH);
        // The reserved uint16 follows the operation.
        expected[CollectiveCodec.OP_OFFSET + 1] = 0;
        expected[CollectiveCodec.OP_OFFSET + 2] = 0;
        assertThat(ByteBufUtil.getBytes(again)).as("the header, encoded again").isEqualTo(expected);
    }
}
