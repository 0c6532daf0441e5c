package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.ClusterFormationException;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.TestSecrets;
import io.meld.testing.Dnsmasq;
import io.meld.testing.RealComponents;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS discovery against a real DNS server (dnsmasq on a loopback port): nodes find each other through a
 * name's A records (one loopback address per node: 127.0.0.1, .2, .3, one port) or SRV records (one
 * address, a port per node), as the pods of a Kubernetes headless service do; and what a node says when
 * the cluster does not form.
 */
@Tag(RealComponents.TAG)
@Timeout(60)
class DnsDiscoveryTest {
    private static final Duration ENOUGH = Duration.ofSeconds(20);
    private static final List<String> ADDRESSES = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

    @TempDir
    Path dir;

    private final String cluster = "meld-dns-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void shouldFormFromTheARecordsOfANameWithOneAddressPerNode() throws Exception {
        int port = freeOnAll(ADDRESSES);
        try (Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", ADDRESSES), List.of());
                StaticNodes nodes = new StaticNodes()) {
            for (String address : ADDRESSES) {
                nodes.start(node(dns, 3, "meld.test", ClusterSettings.DnsRecordType.A, address, port)
                        .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            }

            List<Meld> joined = nodes.awaitJoined();

            assertThat(nodes.awaitFailures()).as("dnsmasq log:%n%s", dns.log()).isEmpty();
            assertThat(joined.stream().map(Meld::rank)).containsExactlyInAnyOrder(0, 1, 2);
            assertSumOfRanks(joined);
        }
    }

    @Test
    void shouldFormFromSrvRecordsWithAPortPerNodeAndTheRanksOfTheirOrdinals() throws Exception {
        List<Integer> ports = StaticNodes.freePorts(3);
        List<Dnsmasq.Srv> srv = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            srv.add(new Dnsmasq.Srv("_cluster._tcp.meld.test", "meld-" + i + ".meld.test", ports.get(i)));
        }
        Map<String, List<String>> targets = Map.of(
                "meld-0.meld.test", List.of("127.0.0.1"),
                "meld-1.meld.test", List.of("127.0.0.1"),
                "meld-2.meld.test", List.of("127.0.0.1"));
        try (Dnsmasq dns = Dnsmasq.start(dir, targets, srv);
                StaticNodes nodes = new StaticNodes()) {
            for (int rank = 2; rank >= 0; rank--) {
                nodes.start(node(
                                dns,
                                3,
                                "_cluster._tcp.meld.test",
                                ClusterSettings.DnsRecordType.SRV,
                                "127.0.0.1",
                                ports.get(rank))
                        .with(RuntimeSettings.RANK, rank)
                        .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            }

            List<Meld> joined = nodes.awaitJoined();

            assertThat(nodes.awaitFailures()).as("dnsmasq log:%n%s", dns.log()).isEmpty();
            assertThat(joined.stream().map(Meld::rank)).containsExactlyInAnyOrder(0, 1, 2);
            assertSumOfRanks(joined);
        }
    }

    @Test
    void shouldFailEveryNodeWhenTheNodesOfANameDisagreeOnTheSize() throws Exception {
        int port = freeOnAll(ADDRESSES.subList(0, 2));
        try (Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", ADDRESSES.subList(0, 2)), List.of());
                StaticNodes nodes = new StaticNodes()) {
            // They fail as soon as they meet; the long timeout only keeps a loaded machine from failing
            // them for not meeting in time.
            nodes.start(node(dns, 2, "meld.test", ClusterSettings.DnsRecordType.A, ADDRESSES.get(0), port)
                    .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));
            nodes.start(node(dns, 3, "meld.test", ClusterSettings.DnsRecordType.A, ADDRESSES.get(1), port)
                    .with(ClusterSettings.FORMATION_TIMEOUT, ENOUGH));

            assertThat(nodes.awaitFailures())
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("nodes disagree on the cluster size (meld.size)"));
        }
    }

    @Test
    void shouldSayWhatTheNameListsWhenItsOtherNodesNeverAnswer() throws Exception {
        int port = freeOnAll(ADDRESSES);
        try (Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", ADDRESSES), List.of());
                StaticNodes nodes = new StaticNodes()) {
            nodes.start(node(dns, 3, "meld.test", ClusterSettings.DnsRecordType.A, ADDRESSES.get(0), port));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("did not form within 3000ms (meld.cluster.formation-timeout): 1 of 3")
                            .hasMessageEndingWith("the DNS name 'meld.test' (A records, server " + dns.server()
                                    + ") lists 127.0.0.1, 127.0.0.2, 127.0.0.3, each expected to listen on port "
                                    + port + " (meld.cluster.port)"));
        }
    }

    @Test
    void shouldSayThatTheNameListsNoNodes() throws Exception {
        int port = freeOnAll(ADDRESSES.subList(0, 1));
        try (Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", ADDRESSES), List.of());
                StaticNodes nodes = new StaticNodes()) {
            nodes.start(
                    node(dns, 2, "_cluster._tcp.nothing.test", ClusterSettings.DnsRecordType.SRV, "127.0.0.1", port));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageEndingWith("the DNS name '_cluster._tcp.nothing.test' (SRV records, server "
                                    + dns.server() + ") lists no nodes"));
        }
    }

    @Test
    void shouldSayThatTheDnsServerDoesNotAnswer() throws Exception {
        int port = freeOnAll(ADDRESSES.subList(0, 1));
        String server;
        try (Dnsmasq dns = Dnsmasq.start(dir, Map.of(), List.of())) {
            server = dns.server(); // a port that nobody serves once this server is gone
        }
        MeldConfig config = base(2, "meld.test", ClusterSettings.DnsRecordType.A, "127.0.0.1", port)
                .with(ClusterSettings.DNS_SERVER, server);
        try (StaticNodes nodes = new StaticNodes()) {
            nodes.start(config);

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining("the DNS name 'meld.test' (A records, server " + server
                                    + ") could not be looked up"));
        }
    }

    @Test
    void shouldNameTheAddressAndTheSettingWhenTheClusterPortIsInUse() throws Exception {
        int port = freeOnAll(ADDRESSES.subList(0, 1));
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"));
                Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", ADDRESSES), List.of());
                StaticNodes nodes = new StaticNodes()) {
            nodes.start(node(dns, 3, "meld.test", ClusterSettings.DnsRecordType.A, "127.0.0.1", port));

            assertThat(nodes.awaitFailures())
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .isInstanceOf(ClusterFormationException.class)
                            .hasMessageContaining(
                                    "cannot join cluster '" + cluster + "' on 127.0.0.1:" + taken.getLocalPort())
                            .hasMessageContaining("(meld.cluster.bind-address, meld.cluster.port)"));
        }
    }

    private MeldConfig node(
            Dnsmasq dns, int size, String query, ClusterSettings.DnsRecordType type, String address, int port) {
        return base(size, query, type, address, port).with(ClusterSettings.DNS_SERVER, dns.server());
    }

    private MeldConfig base(int size, String query, ClusterSettings.DnsRecordType type, String address, int port) {
        return TestSecrets.defaults()
                .with(ClusterSettings.NAME, cluster)
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.DNS)
                .with(ClusterSettings.DNS_QUERY, query)
                .with(ClusterSettings.DNS_RECORD_TYPE, type)
                .with(ClusterSettings.BIND_ADDRESS, address)
                .with(ClusterSettings.PORT, port)
                .with(ClusterSettings.FORMATION_TIMEOUT, Duration.ofSeconds(3))
                .with(RuntimeSettings.SHUTDOWN_TIMEOUT, Duration.ofSeconds(2))
                .with(RuntimeSettings.SIZE, size);
    }

    private static void assertSumOfRanks(List<Meld> joined) throws Exception {
        List<CompletableFuture<Long>> sums = new ArrayList<>();
        for (Meld m : joined) {
            sums.add(CompletableFuture.supplyAsync(() -> m.allReduce(1L << m.rank(), LongOp.SUM)));
        }
        for (CompletableFuture<Long> sum : sums) {
            assertThat(sum.get(20, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    /** @return a port that was free on every one of the addresses a moment ago (below the ephemeral range) */
    private static int freeOnAll(List<String> addresses) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (isFreeOnAll(addresses, port)) {
                return port;
            }
        }
        throw new IOException("no port free on all of " + addresses);
    }

    private static boolean isFreeOnAll(List<String> addresses, int port) throws IOException {
        for (String a : addresses) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(a), port), 1);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
