package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.CollectiveMismatchException;
import io.meld.MeldException;
import io.meld.kernel.NodeContext;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.transport.FailStop;
import io.meld.transport.FrameType;
import io.meld.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engines of a cluster wired over real transports without cluster formation, so that a test decides
 * when each node starts taking part.
 */
@Timeout(30)
class CollectiveEngineTest {
    private static final int NODES = 3;

    private final List<Transport> transports = new ArrayList<>();
    private final List<CollectiveEngine> engines = new ArrayList<>();
    private final AtomicReferenceArray<Throwable> linkFailures = new AtomicReferenceArray<>(NODES);

    @AfterEach
    void closeTransports() {
        for (int r = 0; r < engines.size(); r++) {
            engines.get(r).close(Duration.ZERO);
        }
        transports.forEach(Transport::close);
    }

    /** Starts node {@code r}'s engine, as its node does once connected. */
    private void start(int r) {
        PeerTable peers = new PeerTable(NODES);
        peers.register(engines.get(r));
        peers.rank(r);
        engines.get(r).start(new NodeContext(r, transports.get(r), peers, null, 1, Poller.NONE, new FailStop((t, e) -> {
            throw new AssertionError("thread " + t.getName() + " died", e);
        })));
    }

    @Test
    void shouldTellThePeersOfAMismatchFoundInFramesThatArrivedBeforeTheNodeStarted() throws Exception {
        connect();
        start(1);
        start(2);
        // Both name node 0 as the root, but with different types: each tells only node 0 that it arrived,
        // so only node 0, not started yet, can see the mismatch.
        CompletableFuture<Object> one =
                CompletableFuture.supplyAsync(() -> engines.get(1).broadcast((long[]) null, 0));
        CompletableFuture<Object> two =
                CompletableFuture.supplyAsync(() -> engines.get(2).broadcast((double[]) null, 0));
        awaitRound(0);

        start(0);

        for (CompletableFuture<Object> f : List.of(one, two)) {
            assertThat(failure(f))
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageContaining("broadcast(long[], root 0)")
                    .hasMessageContaining("broadcast(double[], root 0)");
        }
        for (int r = 0; r < NODES; r++) {
            assertThat(linkFailures.get(r)).as("a link of node %d went down", r).isNull();
        }
    }

    @Test
    void shouldUseFramesThatArrivedBeforeTheNodeStarted() throws Exception {
        connect();
        start(1);
        start(2);
        CompletableFuture<Long> one =
                CompletableFuture.supplyAsync(() -> engines.get(1).allReduceLong(20, Long::sum));
        CompletableFuture<Long> two =
                CompletableFuture.supplyAsync(() -> engines.get(2).allReduceLong(300, Long::sum));
        awaitRound(0);

        start(0);

        assertThat(engines.get(0).allReduceLong(1, Long::sum)).isEqualTo(321);
        assertThat(one.get(10, TimeUnit.SECONDS)).isEqualTo(321);
        assertThat(two.get(10, TimeUnit.SECONDS)).isEqualTo(321);
    }

    @Test
    void shouldLetAClosingNodeFailThePeersWaitingForItWithoutWaitingForThemItself() throws Exception {
        connect();
        for (int r = 0; r < NODES; r++) {
            start(r);
        }
        CompletableFuture<Void> waiting =
                CompletableFuture.runAsync(() -> engines.get(1).barrier());

        assertThat(engines.get(0).close(Duration.ofMillis(200))).containsExactly(1, 2);

        assertThat(failure(waiting))
                .isInstanceOf(CollectiveMismatchException.class)
                .hasMessageContaining("node 0 closed (its collective #1 was close())");
    }

    /** Connects every node to every other, as a formed cluster would, without starting the engines. */
    private void connect() throws Exception {
        for (int r = 0; r < NODES; r++) {
            int rank = r;
            CollectiveEngine engine = new CollectiveEngine(NODES);
            engines.add(engine);
            transports.add(Transport.builder()
                    .identity(0x5eed, NODES, 1000 + r)
                    .label("engine-test-" + r)
                    .bind("127.0.0.1", 0)
                    .handle(FrameType.COLLECTIVE, engine)
                    .onLinkDown((link, cause) -> linkFailures.compareAndSet(
                            rank, null, cause != null ? cause : new MeldException("closed by node " + link.rank())))
                    .build());
        }
        List<CompletableFuture<Void>> connecting = new ArrayList<>();
        for (int r = 0; r < NODES; r++) {
            int rank = r;
            List<Transport.Peer> peers = new ArrayList<>();
            for (int p = 0; p < NODES; p++) {
                if (p != r) {
                    peers.add(new Transport.Peer(
                            p, "127.0.0.1", transports.get(p).localAddress().getPort(), 1000 + p));
                }
            }
            connecting.add(CompletableFuture.runAsync(
                    () -> transports.get(rank).connect(rank, peers, Duration.ofSeconds(10)), runner(rank)));
        }
        for (CompletableFuture<Void> c : connecting) {
            c.get(15, TimeUnit.SECONDS);
        }
    }

    /** Waits until the frames nodes 1 and 2 sent for their first collective have reached {@code node}. */
    private void awaitRound(int node) throws InterruptedException {
        while (!engines.get(node).holds(1, 1) || !engines.get(node).holds(1, 2)) {
            Thread.sleep(5);
        }
    }

    private static Executor runner(int rank) {
        return task -> {
            Thread t = new Thread(task, "engine-test-connect-" + rank);
            t.setDaemon(true);
            t.start();
        };
    }

    private static Throwable failure(CompletableFuture<?> f) throws InterruptedException, TimeoutException {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
