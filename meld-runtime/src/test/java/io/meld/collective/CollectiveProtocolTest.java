package io.meld.collective;

import static io.meld.testing.Stepping.STEP;
import static io.meld.testing.Stepping.assertWaiting;
import static io.meld.testing.Stepping.call;
import static io.meld.testing.Stepping.failure;
import static io.meld.testing.Stepping.result;
import static io.meld.testing.Stepping.run;
import static io.meld.testing.Stepping.settle;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.CollectiveMismatchException;
import io.meld.LongOp;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import io.meld.runtime.InMemoryCluster;
import io.meld.transport.FrameType;
import io.meld.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Collectives one frame at a time on an in-memory network of 3 nodes: a collective completes only once
 * every node's part has arrived (all the chunks of an array larger than a frame), a mismatch is found by
 * the first node that sees both calls, and a node that dies at any step fails the others' call with its
 * rank.
 */
@Timeout(60)
class CollectiveProtocolTest {
    private static final MeldConfig CONFIG =
            MeldConfig.defaults().with("meld.transport.lanes", "1").with("meld.shutdown.timeout", "500ms");

    private InMemoryCluster cluster;
    private InMemoryNetwork net;

    @BeforeEach
    void start() {
        cluster = InMemoryCluster.start(3, CONFIG);
        net = cluster.network();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void shouldCompleteOnlyOnceTheLastNodesPartHasArrived() throws Exception {
        CompletableFuture<Long> a = call("node-0", () -> cluster.node(0).allReduce(1L, LongOp.SUM));
        CompletableFuture<Long> b = call("node-1", () -> cluster.node(1).allReduce(2L, LongOp.SUM));
        // Everything nodes 0 and 1 send is delivered; node 2 has not called.
        while (net.awaitPending(Duration.ofMillis(200))) {
            net.deliverAll();
        }
        assertWaiting(a);
        assertWaiting(b);

        CompletableFuture<Long> c = call("node-2", () -> cluster.node(2).allReduce(4L, LongOp.SUM));
        settle(net, a, b, c);
        assertThat(result(a)).isEqualTo(7);
        assertThat(result(b)).isEqualTo(7);
        assertThat(result(c)).isEqualTo(7);
    }

    @Test
    void shouldFailEveryWaitingNodeNamingTheNodeThatDiedBeforeItsPartArrived() throws Exception {
        CompletableFuture<Void> a = run("node-0", () -> cluster.node(0).barrier());
        CompletableFuture<Void> b = run("node-1", () -> cluster.node(1).barrier());
        CompletableFuture<Void> c = run("node-2", () -> cluster.node(2).barrier());
        // Node 2 has sent its part, but nothing of it arrives: it dies with its frames in flight.
        net.awaitPending(2, 0, 1, STEP);
        assertThat(net.nextFrameType(2, 0)).isEqualTo(FrameType.COLLECTIVE);
        net.crash(2);
        net.deliverAll();
        for (CompletableFuture<Void> survivor : List.of(a, b)) {
            Throwable e = failure(survivor);
            assertThat(e).isInstanceOf(NodeFailedException.class);
            assertThat(((NodeFailedException) e).node()).isEqualTo(2);
        }
        failure(c); // the dead node's own call ends too
    }

    @Test
    void shouldReportAMismatchAsSoonAsOneNodeHasSeenBothCalls() throws Exception {
        CompletableFuture<Void> a = run("node-0", () -> cluster.node(0).barrier());
        CompletableFuture<Long> b = call("node-1", () -> cluster.node(1).allReduce(1L, LongOp.SUM));
        net.awaitPending(0, 1, 1, STEP);
        net.awaitPending(1, 0, 1, STEP);
        assertWaiting(a);
        assertWaiting(b);

        net.deliverOne(1, 0); // node 0 sees node 1's allReduce against its barrier
        assertThat(failure(a))
                .isInstanceOf(CollectiveMismatchException.class)
                .hasMessageContaining("barrier()")
                .hasMessageContaining("allReduce(long, SUM)");
        settle(net, b);
        assertThat(failure(b)).isInstanceOf(CollectiveMismatchException.class);
    }

    @Test
    void shouldCompleteABroadcastLargerThanAFrameOnlyWithItsLastChunk() throws Exception {
        long[] data = new long[200_000]; // 1,600,000 bytes: a full frame of 1 MiB and a short one
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 31L - 7;
        }
        CompletableFuture<long[]> root = call("node-0", () -> cluster.node(0).broadcast(data, 0));
        CompletableFuture<long[]> b = call("node-1", () -> cluster.node(1).broadcast((long[]) null, 0));
        CompletableFuture<long[]> c = call("node-2", () -> cluster.node(2).broadcast((long[]) null, 0));
        net.awaitPending(0, 1, 2, STEP);

        net.deliverOne(0, 1);
        assertWaiting(b);
        net.deliverOne(0, 1);
        assertThat(result(b)).isEqualTo(data);
        settle(net, root, c);
        assertThat(result(c)).isEqualTo(data);
        assertThat(result(root)).isSameAs(data);
    }
}
