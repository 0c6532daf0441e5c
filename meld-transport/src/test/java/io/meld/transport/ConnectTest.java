package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.ClusterFormationException;
import io.meld.config.MeldConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** How {@link Transport#connect} forms the data path, and how it fails. */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class ConnectTest {
    private final ConcurrentLinkedQueue<TestCluster.LinkDown> downs = new ConcurrentLinkedQueue<>();

    @Test
    void shouldFailAfterTheTimeoutNamingTheNodeAndAddressWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        try (Transport t = newTransport(TestCluster.smallConfig())) {
            Duration timeout = Duration.ofMillis(400);
            long start = System.nanoTime();
            assertThatThrownBy(() -> t.connect(0, List.of(peer(1, port)), timeout))
                    .isInstanceOf(ClusterFormationException.class)
                    .hasMessageContaining("node 0 could not reach 1 of 1 peers")
                    .hasMessageContaining("within 400ms")
                    .hasMessageContaining("node 1 at 127.0.0.1:" + port)
                    .hasMessageContaining("refused");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).as("waited for the timeout").isGreaterThanOrEqualTo(400);
        }
    }

    @Test
    void shouldNameTheLowerRankThatNeverConnected() {
        try (Transport t = newTransport(TestCluster.smallConfig())) {
            assertThatThrownBy(() -> t.connect(1, List.of(peer(0, 9)), Duration.ofMillis(200)))
                    .isInstanceOf(ClusterFormationException.class)
                    .hasMessageContaining("node 0 at 127.0.0.1:9: has not connected to this node");
        }
    }

    @Test
    void shouldFailFastWithTheReasonWhenThePeerRefuses() {
        MeldConfig config = TestCluster.smallConfig();
        RecordingFrameHandler h = new RecordingFrameHandler();
        try (Transport other = TestCluster.transport(0xBADL, 2, 1, config, h, downs);
                Transport t = newTransport(config)) {
            // The other node knows its rank and waits for node 0; it belongs to another cluster.
            assertThatThrownBy(() -> other.connect(1, List.of(peer(0, 9)), Duration.ofMillis(100)))
                    .isInstanceOf(ClusterFormationException.class);
            long start = System.nanoTime();
            assertThatThrownBy(() ->
                            t.connect(0, List.of(peer(1, other.localAddress().getPort())), Duration.ofSeconds(20)))
                    .isInstanceOf(ClusterFormationException.class)
                    .hasMessageContaining(
                            "node 1 at 127.0.0.1:" + other.localAddress().getPort())
                    .hasMessageContaining("node 1 refused the connection")
                    .hasMessageContaining("another cluster")
                    .hasMessageContaining(Long.toHexString(TestCluster.CLUSTER_ID))
                    .hasMessageContaining("bad");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(other.link(0)).isNull();
        }
    }

    @Test
    void shouldConnectToAPeerThatLearnsItsRankLaterThanTheHandshakeTimeout() throws Exception {
        MeldConfig config = TestCluster.smallConfig().with("meld.transport.handshake-timeout", "100ms");
        RecordingFrameHandler h0 = new RecordingFrameHandler();
        RecordingFrameHandler h1 = new RecordingFrameHandler();
        try (Transport t0 = TestCluster.transport(TestCluster.CLUSTER_ID, 2, 0, config, h0, downs);
                Transport t1 = TestCluster.transport(TestCluster.CLUSTER_ID, 2, 1, config, h1, downs)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> first = pool.submit(
                        () -> t0.connect(0, List.of(peer(1, t1.localAddress().getPort())), Duration.ofSeconds(10)));
                // Node 1 is slow to learn its rank (formation takes longer there): node 0's HELLO waits,
                // for several handshake timeouts.
                Await.sleep(600);
                t1.connect(1, List.of(peer(0, t0.localAddress().getPort())), Duration.ofSeconds(10));
                first.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                pool.shutdownNow();
            }
            var frame = t0.link(1).newFrame(TestCluster.TEST_TYPE, 0, 1);
            t0.link(1).send(frame.writeByte(9));
            assertThat(h1.awaitFrom(0, 1).get(0).payload()).containsExactly(9);
        }
    }

    @Test
    void shouldRefuseAPeerWhoseRankIsNotInTheCluster() {
        try (Transport t = newTransport(TestCluster.smallConfig())) {
            assertThatThrownBy(() -> t.connect(0, List.of(peer(2, 9)), Duration.ofMillis(200)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("node 2")
                    .hasMessageContaining("2 nodes");
            assertThatThrownBy(() -> t.connect(0, List.of(peer(0, 9)), Duration.ofMillis(200)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("node 0")
                    .hasMessageContaining("itself");
        }
    }

    @Test
    void shouldRefuseARankOutsideTheCluster() {
        try (Transport t = newTransport(TestCluster.smallConfig())) {
            assertThatThrownBy(() -> t.connect(2, List.of(), Duration.ofMillis(200)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rank 2 is not within a cluster of 2 nodes");
        }
    }

    @Test
    void shouldNameTheAddressItCannotBind() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> Transport.builder()
                            .identity(1, 2, 1)
                            .label("node-x")
                            .bind("127.0.0.1", taken.getLocalPort())
                            .build())
                    .isInstanceOf(ClusterFormationException.class)
                    .hasMessageContaining("node-x cannot listen")
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("meld.transport.port");
        }
    }

    private Transport newTransport(MeldConfig config) {
        return TestCluster.transport(2, config, new RecordingFrameHandler(), downs);
    }

    private static Transport.Peer peer(int rank, int port) {
        return new Transport.Peer(rank, "127.0.0.1", port, TestCluster.incarnation(rank));
    }
}
