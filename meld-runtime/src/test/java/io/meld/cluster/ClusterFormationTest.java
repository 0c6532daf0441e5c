package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.ClusterFormationException;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.TestSecrets;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Forming a cluster with static discovery, as separate processes do (here, nodes on threads with fixed
 * loopback ports), and the errors a wrong setup gets.
 */
@Timeout(40)
class ClusterFormationTest {
    /** For clusters that must form: nodes started together take a second or two to find each other. */
    private static final Duration ENOUGH = Duration.ofSeconds(15);

    @Test
    void shouldFormAStaticClusterWithTheRanksTheLauncherGave() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        try (StaticNodes nodes = new StaticNodes()) {
            for (int rank = 2; rank >= 0; rank--) {
                nodes.start(nodes.node(3, ports, rank).with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            }

            List<Meld> joined = nodes.awaitJoined();

            assertThat(nodes.awaitFailures()).isEmpty();
            assertThat(joined.stream().map(Meld::rank)).containsExactlyInAnyOrder(0, 1, 2);
            List<CompletableFuture<Long>> sums = new ArrayList<>();
            for (Meld m : joined) {
                assertThat(m.size()).isEqualTo(3);
                sums.add(CompletableFuture.supplyAsync(() -> m.allReduce(1L << m.rank(), LongOp.SUM)));
            }
            for (CompletableFuture<Long> sum : sums) {
                assertThat(sum.get(20, TimeUnit.SECONDS)).isEqualTo(7);
            }
        }
    }

    @Test
    void shouldAssignRanksFromTheViewWhenTheLauncherGaveNone() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(2);
        try (StaticNodes nodes = new StaticNodes()) {
            for (int i = 0; i < 2; i++) {
                nodes.start(nodes.base(2, ports)
                        .with(ClusterSettings.PORT, ports.get(i))
                        .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            }

            List<Meld> joined = nodes.awaitJoined();

            assertThat(nodes.awaitFailures()).isEmpty();
            assertThat(joined.stream().map(Meld::rank)).containsExactlyInAnyOrder(0, 1);
        }
    }

    @Test
    void shouldNameTheMissingRankAndItsAddressWhenTooFewNodesStart() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(3, ports, 0));
            nodes.start(nodes.node(3, ports, 1));

            List<Throwable> failures = nodes.awaitFailures();

            assertThat(failures)
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("did not form within 3000ms (meld.cluster.formation-timeout)")
                            .hasMessageContaining("2 of 3 nodes joined")
                            .hasMessageEndingWith("missing: node 2 (expected at 127.0.0.1:" + ports.get(2) + ")"));
        }
    }

    @Test
    void shouldNameEveryMissingNodeWhenANodeIsAlone() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(3, ports, 1));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageEndingWith("missing: node 0 (expected at 127.0.0.1:" + ports.get(0)
                                    + "), node 2 (expected at 127.0.0.1:" + ports.get(2) + ")"));
        }
    }

    @Test
    void shouldNameTheAddressAndTheSettingWhenTheClusterPortIsInUse() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(2);
        try (ServerSocket taken = new ServerSocket(ports.get(0), 1, InetAddress.getLoopbackAddress());
                StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(2, ports, 0));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
                            .hasMessageContaining("meld.cluster.port"));
        }
    }

    @Test
    void shouldFailEveryNodeWhenTheNodesDisagreeOnTheSize() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(2, ports.subList(0, 2), 0));
            nodes.start(nodes.node(3, ports, 1));

            List<Throwable> failures = nodes.awaitFailures();

            assertThat(failures)
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("nodes disagree on the cluster size (meld.size)")
                            .hasMessageMatching("(?s).*node 0 \\(.*\\) expects 2\\b.*")
                            .hasMessageMatching("(?s).*node 1 \\(.*\\) expects 3\\b.*"));
        }
    }

    @Test
    void shouldFailEveryNodeWhenTwoNodesHaveTheSameRank() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(2);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(2, ports, 0));
            nodes.start(nodes.node(2, ports, 0).with(ClusterSettings.PORT, ports.get(1)));

            List<Throwable> failures = nodes.awaitFailures();

            assertThat(failures)
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("two nodes have rank 0 (meld.rank)"));
        }
    }

    @Test
    void shouldTurnAwayANodeThatJoinsAClusterThatHasFormedAndLetTheClusterGoOn() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        try (StaticNodes nodes = new StaticNodes()) {
            for (int rank = 0; rank < 2; rank++) {
                nodes.start(nodes.node(2, ports.subList(0, 2), rank).with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            }
            List<Meld> running = nodes.awaitJoined();
            assertThat(running).hasSize(2);

            // Another node 1 (another run, or node 1 started again), on a port of its own.
            nodes.start(nodes.node(2, ports.subList(0, 2), 1)
                    .with(ClusterSettings.PORT, ports.get(2))
                    .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageMatching("node 1 \\(.*\\) cannot join cluster 'meld-test-.*': it formed as"
                                    + " \\[node 0 \\(.*\\), node 1 \\(.*\\)] and is running; Meld lets no node into a"
                                    + " running cluster, also not in the place of a failed one: .*"));
            List<CompletableFuture<Long>> sums = new ArrayList<>();
            for (Meld m : running) {
                sums.add(CompletableFuture.supplyAsync(() -> m.allReduce(1L << m.rank(), LongOp.SUM)));
            }
            for (CompletableFuture<Long> sum : sums) {
                assertThat(sum.get(20, TimeUnit.SECONDS))
                        .as("the running nodes go on")
                        .isEqualTo(3);
            }
        }
    }

    @Test
    void shouldFailEveryNodeWhenSomeNodesHaveARankAndOthersNot() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(2);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(nodes.node(2, ports, 0));
            nodes.start(nodes.base(2, ports).with(ClusterSettings.PORT, ports.get(1)));

            List<Throwable> failures = nodes.awaitFailures();

            assertThat(failures)
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("some nodes were given a rank (meld.rank) and some were not"));
        }
    }

    @Test
    void shouldRejectARankNotBelowTheSizeNamingBoth() {
        MeldConfig config = TestSecrets.defaults().with(RuntimeSettings.SIZE, 2).with(RuntimeSettings.RANK, 2);

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.rank=2 (from set in code) is not below meld.size=2 (from set in code)");
    }

    @Test
    void shouldRejectStaticDiscoveryWithoutHosts() {
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(RuntimeSettings.RANK, 0)
                .with(ClusterSettings.PORT, 0);

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.cluster.hosts is empty: static discovery needs the host:port");
    }

    @Test
    void shouldRejectAHostsEntryThatIsNotHostAndPort() {
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(RuntimeSettings.RANK, 0)
                .with(ClusterSettings.PORT, 0)
                .with(ClusterSettings.HOSTS, List.of("127.0.0.1:7800", "127.0.0.1"));

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.cluster.hosts entry '127.0.0.1' is not host:port");
    }

    @Test
    void shouldNameAHostThatDoesNotResolve() {
        int port = StaticNodes.freePorts(1).get(0);
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(RuntimeSettings.RANK, 0)
                .with(ClusterSettings.PORT, port)
                .with(ClusterSettings.HOSTS, List.of("127.0.0.1:" + port, "no-such-host.invalid:7801"));

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.cluster.hosts entry 'no-such-host.invalid:7801' (from set in code): unknown host"
                        + " no-such-host.invalid");
    }

    @Test
    void shouldRejectAnUnknownBindAddressNamingTheSetting() {
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(ClusterSettings.BIND_ADDRESS, "no-such-host.invalid");

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("meld.cluster.bind-address=no-such-host.invalid");
    }

    @Test
    void shouldRejectDnsDiscoveryWithoutAName() {
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.DNS);

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.cluster.dns-query is empty: meld.cluster.discovery=dns (from set in"
                        + " code) needs the DNS name that lists the nodes");
    }

    @Test
    void shouldRejectADnsServerThatIsNotHostAndPort() {
        MeldConfig config = TestSecrets.defaults()
                .with(RuntimeSettings.SIZE, 2)
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.DNS)
                .with(ClusterSettings.DNS_QUERY, "meld.test")
                .with(ClusterSettings.DNS_SERVER, "127.0.0.1:dns");

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.cluster.dns-server=127.0.0.1:dns: not host or host:port (e.g. 10.96.0.10 or"
                        + " 127.0.0.1:5353)");
    }

    @Test
    void shouldRejectAHeartbeatIntervalThatIsNotBelowTheFailureTimeout() {
        MeldConfig config = TestSecrets.defaults()
                .with(ClusterSettings.HEARTBEAT_INTERVAL, Duration.ofSeconds(3))
                .with(ClusterSettings.FAILURE_TIMEOUT, Duration.ofSeconds(3));

        assertThatThrownBy(() -> Meld.join(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.cluster.heartbeat-interval=3s (from set in code) must be below"
                        + " meld.cluster.failure-timeout=3s (from set in code)");
    }

    @Test
    void shouldDetectAFailureWithinTimeoutPlusIntervalPlusSuspicionCheck() {
        assertThat(ClusterSettings.detectionTime(TestSecrets.defaults())).isEqualTo(Duration.ofSeconds(13));
    }
}
