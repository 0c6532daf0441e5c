package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.runtime.InMemoryCluster;
import io.meld.testing.CapturingLink;
import io.meld.testing.PeerFrames;
import io.meld.transport.FrameDescriptor;
import io.meld.transport.FrameType;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;

/**
 * Jazzer fuzz test of the memory frames a peer sends: runs of operations ({@link OpRunDescriptor}),
 * their answers ({@link ReplyDescriptor}) and bulk transfers ({@link BulkDescriptor}), handed to a node's
 * {@link HomeHandler} and {@link ReplyHandler} as its I/O thread hands them. The input is the peer's byte
 * stream ({@link PeerFrames}); the corpus in {@code MemoryFramesFuzzTestInputs} starts from runs of every
 * opcode on the node's arrays.
 *
 * <p>The contract: each frame is applied and answered, or refused with a {@link ProtocolException},
 * which closes the connection (the rest of the stream is not read); every frame the node allocates for
 * its answers is sent, each within the frame size, and every answer it sends is one the requester's
 * {@link ReplyHandler} reads without a protocol error.
 */
class MemoryFramesFuzzTest {
    /** Elements of each array: one node holds them all, so their slots are their indices. */
    static final int LENGTH = 100;

    private static final int MAX_FRAME = 64 << 10;

    /** The node and its arrays, made by the first input: a long array (id 1) and a double array (id 2). */
    private static final class Node {
        private static InMemoryCluster cluster;
        private static HomeHandler home;
        private static ReplyHandler replies;

        static synchronized void start() {
            if (cluster != null) {
                return;
            }
            cluster = InMemoryCluster.start(
                    1, MeldConfig.defaults().with("meld.transport.max-frame-size", MAX_FRAME / 1024 + "KiB"));
            Meld meld = cluster.node(0);
            ArrayHandle longs = (ArrayHandle) meld.longArray("longs", LENGTH);
            ArrayHandle doubles = (ArrayHandle) meld.doubleArray("doubles", LENGTH);
            assertThat(new int[] {longs.storage.id, doubles.storage.id}).containsExactly(1, 2);
            home = new HomeHandler(longs.service);
            replies = new ReplyHandler(longs.service);
        }

        static synchronized void stop() {
            if (cluster != null) {
                cluster.close();
                cluster = null;
            }
        }
    }

    @AfterAll
    static void stopNode() {
        Node.stop();
    }

    @FuzzTest
    void shouldApplyAnswerOrRefuseAnyMemoryFrame(byte[] stream) {
        Node.start();
        CapturingLink link = new CapturingLink(0, 0, MAX_FRAME);
        for (PeerFrames.Frame f : PeerFrames.of(stream)) {
            try {
                switch (f.type()) {
                    case FrameType.MEMORY_OPS -> Node.home.onOps(link, f.flags(), f.payload());
                    case FrameType.BULK_PUT -> Node.home.onBulkPut(link, f.flags(), f.payload());
                    case FrameType.MEMORY_REPLIES -> Node.replies.onReplies(link, f.flags(), f.payload());
                    case FrameType.BULK_DATA -> Node.replies.onBulkData(link, f.flags(), f.payload());
                    default -> {} // another service's frame
                }
            } catch (ProtocolException e) {
                break; // the connection closes
            } finally {
                assertThat(link.unreleased())
                        .as("frames allocated for answers but neither sent nor released")
                        .isZero();
            }
        }
        for (byte[] answer : link.sent()) {
            int type = Byte.toUnsignedInt(answer[FrameDescriptor.TYPE_OFFSET]);
            assertThat(type).as("an answer's type").isIn(FrameType.MEMORY_REPLIES, FrameType.BULK_DATA);
            if (type == FrameType.MEMORY_REPLIES) {
                Node.replies.onReplies(link, 0, payload(answer));
            }
        }
    }

    private static ByteBuf payload(byte[] frame) {
        int header = FrameDescriptor.HEADER_LENGTH;
        return Unpooled.wrappedBuffer(Arrays.copyOfRange(frame, header, frame.length));
    }
}
