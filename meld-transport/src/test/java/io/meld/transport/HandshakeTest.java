package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.config.MeldConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The handshake as a live node speaks it, checked byte by byte with a {@link RawPeer} playing node 0 of a
 * cluster of 3 whose nodes 1 and 2 are real.
 */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class HandshakeTest {

    @Test
    void shouldAnswerAValidHelloWithAWelcomeDescribingTheNode() throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            RawPeer.RawFrame welcome = raw.hello(0, 2, 3);
            assertThat(welcome.type()).isEqualTo(FrameType.WELCOME);
            assertThat(welcome.length()).isEqualTo(FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH);
            assertThat(welcome.flags()).isZero();
            assertThat(welcome.reserved()).isZero();
            assertThat(welcome.sequence()).as("the first frame a node sends").isZero();
            ByteBuffer b = welcome.body();
            assertThat(b.getInt(HandshakeCodec.MAGIC_OFFSET)).isEqualTo(HandshakeCodec.MAGIC);
            assertThat(new String(welcome.payload(), 0, 4, StandardCharsets.US_ASCII))
                    .isEqualTo("MELD");
            assertThat(Short.toUnsignedInt(b.getShort(HandshakeCodec.VERSION_OFFSET)))
                    .isEqualTo(Transport.PROTOCOL_VERSION);
            assertThat(b.getShort(HandshakeCodec.VERSION_OFFSET + 2))
                    .as("reserved")
                    .isZero();
            assertThat(b.getLong(HandshakeCodec.CLUSTER_ID_OFFSET)).isEqualTo(TestCluster.CLUSTER_ID);
            assertThat(b.getInt(HandshakeCodec.SENDER_RANK_OFFSET)).isEqualTo(2);
            assertThat(b.getInt(HandshakeCodec.RECEIVER_RANK_OFFSET)).isZero();
            assertThat(b.getInt(HandshakeCodec.SIZE_OFFSET)).isEqualTo(3);
            assertThat(b.getInt(HandshakeCodec.SIZE_OFFSET + 4)).as("reserved").isZero();
            assertThat(b.getLong(HandshakeCodec.INCARNATION_OFFSET))
                    .isEqualTo(c.node(2).incarnation());
            Link link = c.node(2).link(0);
            assertThat(link).isNotNull();
            assertThat(link.rank()).isZero();
            assertThat(link.incarnation()).isEqualTo(TestCluster.incarnation(0));
        }
    }

    @Test
    void shouldNumberTheFramesOfAConnectionFromZeroUpInBothDirections() throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(1))) {
            assertThat(raw.hello(0, 1, 3).sequence()).isZero();
            for (int i = 0; i < 3; i++) {
                c.send(1, 0, i, RawPeer.bytes(10 + i, i));
            }
            for (int i = 0; i < 3; i++) {
                RawPeer.RawFrame f = raw.read();
                assertThat(f.sequence()).as("frame %d after the WELCOME", i).isEqualTo(i + 1);
                assertThat(f.type()).isEqualTo(TestCluster.TEST_TYPE);
                assertThat(f.flags()).isEqualTo(i);
                assertThat(f.reserved()).isZero();
                assertThat(f.length()).isEqualTo(FrameDescriptor.HEADER_LENGTH + 10 + i);
                assertThat(f.payload()).isEqualTo(RawPeer.bytes(10 + i, i));
            }
            // The node checks ours the same way: the HELLO was 0, so 1, 2, 3 follow.
            for (int i = 1; i <= 3; i++) {
                raw.write(RawPeer.frame(TestCluster.TEST_TYPE, 0, i, RawPeer.bytes(i, i)));
            }
            List<RecordingFrameHandler.Frame> got = c.received(1).awaitFrom(0, 3);
            for (int i = 1; i <= 3; i++) {
                assertThat(got.get(i - 1).payload()).isEqualTo(RawPeer.bytes(i, i));
            }
        }
    }

    @Test
    void shouldRejectAnotherProtocolVersionNamingBothVersions() throws IOException {
        byte[] hello = RawPeer.handshake(
                HandshakeCodec.MAGIC, Transport.PROTOCOL_VERSION + 1, TestCluster.CLUSTER_ID, 0, 2, 3, 1);
        assertRejected(hello, "the peer speaks version 2", "node 2 speaks version 1", "protocol version mismatch");
    }

    @Test
    void shouldRejectAnotherClusterNamingBothIds() throws IOException {
        byte[] hello = RawPeer.handshake(HandshakeCodec.MAGIC, Transport.PROTOCOL_VERSION, 0xC0FFEEL, 0, 2, 3, 1);
        assertRejected(
                hello,
                "another cluster",
                "cluster id c0ffee",
                "this node's is " + Long.toHexString(TestCluster.CLUSTER_ID));
    }

    @Test
    void shouldRejectAHelloMeantForAnotherRank() throws IOException {
        byte[] hello = RawPeer.handshake(0, 1, 3);
        assertRejected(hello, "expected node 1 at this address, but this is node 2");
    }

    @Test
    void shouldRejectASenderWhoseRankIsNotLowerThanTheAcceptors() throws IOException {
        assertRejected(RawPeer.handshake(2, 2, 3), "node 2 may not connect to node 2");
        assertRejected(RawPeer.handshake(-1, 2, 3), "node -1 may not connect to node 2");
    }

    @Test
    void shouldRejectAnotherIncarnationOfARankThanTheOneThatFormedTheCluster() throws IOException {
        // Node 0 started again (after it failed, say): same cluster, same rank, a new incarnation. Node 1
        // knows the node 0 it formed the cluster with, and says why before it would say "already connected".
        byte[] hello = RawPeer.handshake(
                HandshakeCodec.MAGIC,
                Transport.PROTOCOL_VERSION,
                TestCluster.CLUSTER_ID,
                0,
                1,
                2,
                TestCluster.incarnation(0) + 1);
        try (TestCluster c = TestCluster.of(2).start();
                RawPeer raw = RawPeer.connect(c.address(1))) {
            int mark = LogCapture.mark();
            raw.write(RawPeer.frame(FrameType.HELLO, 0, 0, hello));
            RawPeer.RawFrame reject = raw.read();
            assertThat(reject.type()).as("the answer to %s", reject).isEqualTo(FrameType.REJECT);
            assertThat(reject.text())
                    .isEqualTo("node 0 is not the node 0 that formed the cluster with node 1 (another incarnation:"
                            + " it was started again, or belongs to another run)");
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), "another incarnation");
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldRejectAnotherClusterSize() throws IOException {
        assertRejected(RawPeer.handshake(0, 2, 4), "the peer expects a cluster of 4 nodes, node 2 one of 3");
    }

    @Test
    void shouldRejectAHelloWithoutTheMeldMagic() throws IOException {
        byte[] hello = RawPeer.handshake(0x50545448, Transport.PROTOCOL_VERSION, TestCluster.CLUSTER_ID, 0, 2, 3, 1);
        assertRejected(hello, "not a Meld peer (handshake magic 0x50545448)");
    }

    @Test
    void shouldRejectASecondConnectionOfAnAlreadyConnectedRank() throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer first = RawPeer.connect(c.address(2));
                RawPeer second = RawPeer.connect(c.address(2))) {
            assertThat(first.hello(0, 2, 3).type()).isEqualTo(FrameType.WELCOME);
            int mark = LogCapture.mark();
            RawPeer.RawFrame reject = second.hello(0, 2, 3);
            assertThat(reject.type()).isEqualTo(FrameType.REJECT);
            assertThat(reject.sequence()).isZero();
            assertThat(reject.text()).isEqualTo("node 0 is already connected to node 2");
            assertThat(second.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + second.localPort(), "already connected");
            // The first connection is untouched.
            first.write(RawPeer.frame(TestCluster.TEST_TYPE, 0, 1, new byte[] {1, 2, 3}));
            assertThat(c.received(2).awaitFrom(0, 1).get(0).payload()).containsExactly(1, 2, 3);
            c.assertLinkWorks(1, 2);
        }
    }

    @Test
    void shouldCloseAnAcceptedConnectionThatStaysSilentPastTheHandshakeTimeout() {
        MeldConfig config = TestCluster.smallConfig().with("meld.transport.handshake-timeout", "150ms");
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).config(config).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            int mark = LogCapture.mark();
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), "no handshake within 150ms");
            c.assertLinkWorks(1, 2);
        }
    }

    /**
     * Sends {@code hello} to node 2 and checks that it answers with a REJECT of sequence number 0 whose
     * reason contains every fragment, logs it, closes the connection, and goes on serving node 1.
     */
    private static void assertRejected(byte[] hello, String... reason) throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            int mark = LogCapture.mark();
            raw.write(RawPeer.frame(FrameType.HELLO, 0, 0, hello));
            RawPeer.RawFrame reject = raw.read();
            assertThat(reject.type()).as("the answer to %s", reject).isEqualTo(FrameType.REJECT);
            assertThat(reject.sequence()).isZero();
            assertThat(reject.length()).isEqualTo(FrameDescriptor.HEADER_LENGTH + reject.payload().length);
            assertThat(reject.text()).contains(reason);
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT))
                    .as("the node closed the connection")
                    .isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), reason[0]);
            assertThat(c.node(2).link(0)).isNull();
            c.assertLinkWorks(1, 2);
        }
    }
}
