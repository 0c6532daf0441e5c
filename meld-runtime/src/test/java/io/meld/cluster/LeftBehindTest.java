package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.transport.FailStop;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member cut off from the others past the failure timeout, and then reachable again: the larger part,
 * which removed it and went on, refuses to merge it back, and the member alone learns that it was left
 * behind ({@link ClusterMembership.Listener#onTurnedAway}); the larger part is not told to stop.
 */
@Timeout(60)
class LeftBehindTest {
    private static final int SIZE = 3;

    @Test
    void shouldTurnAwayTheSmallerPartWhenACutOffMemberIsReachableAgain() throws Exception {
        String name = "left-behind-" + UUID.randomUUID();
        List<ConcurrentLinkedQueue<Integer>> lefts = new ArrayList<>();
        List<CompletableFuture<String>> turnedAway = new ArrayList<>();
        List<ClusterMembership> members = new ArrayList<>();
        ExecutorService forming = Executors.newFixedThreadPool(SIZE);
        try {
            List<Future<ClusterMembership>> formed = new ArrayList<>();
            List<Integer> ports = freePorts(SIZE);
            List<String> hosts = ports.stream().map(p -> "127.0.0.1:" + p).toList();
            for (int r = 0; r < SIZE; r++) {
                ConcurrentLinkedQueue<Integer> left = new ConcurrentLinkedQueue<>();
                CompletableFuture<String> away = new CompletableFuture<>();
                lefts.add(left);
                turnedAway.add(away);
                MeldConfig config = MeldConfig.defaults()
                        .with(ClusterSettings.NAME, name)
                        // Static discovery, as launched nodes use: the two parts find each other again by it.
                        .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.STATIC)
                        .with(ClusterSettings.HOSTS, hosts)
                        .with(ClusterSettings.BIND_ADDRESS, "127.0.0.1")
                        .with(ClusterSettings.PORT, ports.get(r))
                        .with(ClusterSettings.HEARTBEAT_INTERVAL, java.time.Duration.ofMillis(200))
                        .with(ClusterSettings.FAILURE_TIMEOUT, java.time.Duration.ofMillis(1000))
                        .with(ClusterSettings.SUSPECT_TIMEOUT, java.time.Duration.ofMillis(500))
                        .with(RuntimeSettings.SIZE, SIZE);
                NodeInfo self = new NodeInfo(r, SIZE, 1 + r, "127.0.0.1", 1 + r, "localhost", 1);
                ClusterMembership.Listener listener = new ClusterMembership.Listener() {
                    @Override
                    public void onNodeLeft(int rank, String why) {
                        left.add(rank);
                    }

                    @Override
                    public void onTurnedAway(String reason) {
                        away.complete(reason);
                    }
                };
                formed.add(forming.submit(() ->
                        ClusterMembership.form(config, null, new FailStop((thread, error) -> {}), self, listener)));
            }
            for (Future<ClusterMembership> f : formed) {
                members.add(f.get(30, TimeUnit.SECONDS));
            }
            int cut = 2;
            DISCARD discard = new DISCARD().discardAll(true);
            members.get(cut)
                    .channel()
                    .getProtocolStack()
                    .insertProtocol(discard, ProtocolStack.Position.ABOVE, TCP.class);
            await(
                    "the others remove node 2, and it them",
                    () -> lefts.get(0).contains(cut)
                            && lefts.get(1).contains(cut)
                            && lefts.get(cut).containsAll(List.of(0, 1)));

            discard.discardAll(false); // reachable again: the two parts try to merge
            String reason = turnedAway.get(cut).get(30, TimeUnit.SECONDS);
            assertThat(reason).contains("may not come back"); // in the words of whichever part asked to merge
            Thread.sleep(3000); // a merge round or two more
            assertThat(turnedAway.get(0)).as("the larger part goes on").isNotDone();
            assertThat(turnedAway.get(1)).as("the larger part goes on").isNotDone();
            assertThat(members.get(0).channel().getView().getMembers())
                    .as("node 2 did not come back")
                    .doesNotContain(members.get(cut).channel().getAddress());
        } finally {
            for (ClusterMembership m : members) {
                m.close();
            }
            forming.shutdownNow();
        }
    }

    private static List<Integer> freePorts(int n) throws java.io.IOException {
        List<java.net.ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(java.net.ServerSocket::getLocalPort).toList();
        } finally {
            for (java.net.ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for " + what);
            }
            Thread.sleep(20);
        }
    }
}
