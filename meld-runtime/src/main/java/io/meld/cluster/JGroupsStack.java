package io.meld.cluster;

import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.security.NodeTls;
import io.meld.transport.FailStop;
import io.meld.transport.TransportSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.DefaultThreadFactory;
import org.slf4j.LoggerFactory;

/**
 * The JGroups protocol stack of a node's cluster layer, built in code from its settings: the transport
 * (TCP), discovery, merging, failure detection, reliable delivery, the {@link LateJoinGuard}, the group
 * membership service and fragmentation, with the join timings that make formation end on time. {@link
 * ClusterMembership} forms the cluster on it. The place where the control plane's protocols are chosen,
 * and so where authentication and encryption of that plane belong.
 */
final class JGroupsStack {
    private static final int MIN_JOIN_ATTEMPTS = 3;
    /**
     * How long a closing node waits for the coordinator to confirm that it left the view (JGroups: 1 s).
     * The nodes of a cluster close together, after Meld's own closing handshake, so the coordinator is
     * often leaving too and never answers, and JGroups' default would make such a close wait the whole
     * second. A node that closes without the answer is still removed from the others' views (failure
     * detection), and has told them over the data path that it closed.
     */
    private static final long LEAVE_TIMEOUT_MILLIS = 250;

    private JGroupsStack() {}

    /**
     * The JGroups stack, built in code: TCP, the discovery of the configured mode, merging of split
     * clusters, failure detection (heartbeats, then a direct check of a suspect), reliable delivery, the
     * {@link LateJoinGuard}, the group membership service and fragmentation.
     */
    static List<Protocol> build(
            MeldConfig config, SSLContext tls, FailStop failStop, DnsNodes dns, LateJoinGuard guard, int size, int rank)
            throws Exception {
        String bind = config.get(ClusterSettings.BIND_ADDRESS);
        InetAddress bindAddress;
        try {
            bindAddress = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new ConfigException(ClusterSettings.BIND_ADDRESS.name() + "=" + bind + " (from "
                    + config.source(ClusterSettings.BIND_ADDRESS) + "): unknown host");
        }
        TCP tcp = new TCP();
        tcp.setBindAddress(bindAddress);
        tcp.setBindPort(config.get(ClusterSettings.PORT));
        tcp.setPortRange(0);
        // JGroups leaves Nagle's algorithm on. Its messages are small and each waits for an answer (a join,
        // a view and its acknowledgements), and over TLS one message is several writes (records), so a
        // later write waited for the peer's delayed acknowledgement, 40 ms, at every step of formation.
        tcp.tcpNodelay(true);
        // A message longer than this is refused before anything is allocated for it: its length comes from
        // the peer.
        tcp.setMaxLength((int) (long) config.get(ClusterSettings.MAX_MESSAGE_SIZE));
        // Every thread JGroups makes (connection receivers, the acceptor, the pool, the timer) fails the
        // node when it dies.
        tcp.setThreadFactory(new FailStopThreadFactory(failStop));
        // JGroups' diagnostics answer probes on a UDP multicast socket; Meld never opens one.
        tcp.setDiagnosticsHandler(tcp.createDiagnosticsHandler().setEnabled(false));
        if (tls != null) {
            // Mutual TLS on every connection: discovery, views, leaves and heartbeats come only from nodes
            // whose certificates this node trusts, and a stranger's connection ends in the TLS handshake,
            // before JGroups reads a byte of it. JGroups' own TLS (tcp.tls()) would run each handshake on
            // its one acceptor thread; TlsSocketFactory runs them beside it, each with a deadline.
            tcp.setSocketFactory(new TlsSocketFactory(
                    tls,
                    new String[] {NodeTls.PROTOCOL},
                    NodeTls.CIPHERS.toArray(new String[0]),
                    config.get(TransportSettings.HANDSHAKE_TIMEOUT),
                    LoggerFactory.getLogger(TlsSocketFactory.class),
                    failStop));
        }

        Discovery ping = switch (config.get(ClusterSettings.DISCOVERY)) {
            case JVM -> new JvmPing();
            case STATIC -> staticPing(config, size);
            case DNS ->
                new DNS_PING()
                        .dnsResolver(dns)
                        .dnsQuery(config.get(ClusterSettings.DNS_QUERY))
                        .dnsRecordType(
                                config.get(ClusterSettings.DNS_RECORD_TYPE).name());
        };
        // No FD_SOCK2: it listens on the cluster port + 100 on every interface. A crashed node is seen at
        // once when its data-path connections close; FD_ALL3's heartbeats catch a frozen or cut-off one,
        // and VERIFY_SUSPECT2 asks the suspect directly before it is removed from the view.
        return Arrays.asList(
                tcp,
                ping,
                new MERGE3().setMinInterval(1000).setMaxInterval(3000),
                new FD_ALL3()
                        .setTimeout(config.get(ClusterSettings.FAILURE_TIMEOUT).toMillis())
                        .setInterval(
                                config.get(ClusterSettings.HEARTBEAT_INTERVAL).toMillis()),
                new VERIFY_SUSPECT2()
                        .setTimeout(config.get(ClusterSettings.SUSPECT_TIMEOUT).toMillis()),
                new NAKACK2(),
                new UNICAST3(),
                new STABLE(),
                guard,
                new GMS()
                        .setJoinTimeout(joinTimeoutMillis(rank))
                        .setMaxJoinAttempts(maxJoinAttempts(config.get(ClusterSettings.FORMATION_TIMEOUT), rank))
                        .setLeaveTimeout(LEAVE_TIMEOUT_MILLIS)
                        .printLocalAddress(false),
                new FRAG4());
    }

    /** JGroups' thread factory, with the node's {@link FailStop} on every thread it makes. */
    private static final class FailStopThreadFactory extends DefaultThreadFactory {
        private final FailStop failStop;

        FailStopThreadFactory(FailStop failStop) {
            super("jgroups", false, true);
            this.failStop = failStop;
        }

        @Override
        protected Thread newThread(Runnable r, String name, String address, String clusterName) {
            return failStop.install(super.newThread(r, name, address, clusterName));
        }
    }

    private static TCPPING staticPing(MeldConfig config, int size) {
        List<String> hosts = config.get(ClusterSettings.HOSTS);
        if (hosts.isEmpty() && size > 1) {
            throw new ConfigException(ClusterSettings.HOSTS.name()
                    + " is empty: static discovery needs the host:port of the nodes (bin/meld run sets it)");
        }
        List<InetSocketAddress> initial = new ArrayList<>();
        for (String h : hosts) {
            InetSocketAddress address = hostAndPort(h);
            // An unresolved address would be probed never, and formation would time out saying only that
            // the node is missing.
            if (address.isUnresolved()) {
                throw new ConfigException(ClusterSettings.HOSTS.name() + " entry '" + h + "' (from "
                        + config.source(ClusterSettings.HOSTS) + "): unknown host " + address.getHostString());
            }
            initial.add(address);
        }
        return new TCPPING().setInitialHosts(initial).setPortRange(0);
    }

    static DnsNodes dnsNodes(MeldConfig config) {
        if (config.get(ClusterSettings.DNS_QUERY).isEmpty()) {
            throw new ConfigException(ClusterSettings.DNS_QUERY.name() + " is empty: "
                    + ClusterSettings.DISCOVERY.name() + "=dns (from " + config.source(ClusterSettings.DISCOVERY)
                    + ") needs the DNS name that lists the nodes, e.g. the headless service"
                    + " meld.default.svc.cluster.local");
        }
        if (config.get(ClusterSettings.PORT) == 0) {
            throw new ConfigException(ClusterSettings.PORT.name() + "=0 (from " + config.source(ClusterSettings.PORT)
                    + "): dns discovery needs a fixed cluster port, where the other nodes look for this one");
        }
        return new DnsNodes(config.get(ClusterSettings.DNS_SERVER));
    }

    static void closeQuietly(DnsNodes dns) {
        if (dns != null) {
            dns.close();
        }
    }

    /**
     * How long a join waits for discovery answers and then for the coordinator's answer. Node 0 joins
     * nobody (the others wait for it), so it waits only as long as discovery needs; the others wait
     * long enough that a busy coordinator answers before they ask again: a JOIN resent under load was
     * seen to leave a member without the view that added a later member. Nodes without ranks keep
     * JGroups' usual race for the coordinator, with a middle value.
     */
    static long joinTimeoutMillis(int rank) {
        return rank == 0 ? 300 : rank > 0 ? 3000 : 1000;
    }

    /**
     * How often a join is tried before the node starts a cluster of its own: as often as fits the
     * formation timeout (a try is a discovery round and a JOIN, each up to the join timeout), so that
     * {@code channel.connect} returns and formation fails on time, naming who is missing, instead of
     * JGroups trying for longer (10 tries by default). A node on its own that others find later is
     * merged with them. At least {@value #MIN_JOIN_ATTEMPTS}: a node that finds only others still joining
     * waits for the first of them to start the cluster, and must try again to join it.
     */
    private static int maxJoinAttempts(Duration formationTimeout, int rank) {
        long perAttempt = 2 * joinTimeoutMillis(rank);
        return (int) Math.max(MIN_JOIN_ATTEMPTS, Math.min(Integer.MAX_VALUE, formationTimeout.toMillis() / perAttempt));
    }

    static InetSocketAddress hostAndPort(String entry) {
        int colon = entry.lastIndexOf(':');
        if (colon <= 0 || colon == entry.length() - 1) {
            throw new ConfigException(ClusterSettings.HOSTS.name() + " entry '" + entry + "' is not host:port");
        }
        String host = entry.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(entry.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(ClusterSettings.HOSTS.name() + " entry '" + entry + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException(ClusterSettings.HOSTS.name() + " entry '" + entry + "': port out of range");
        }
        return new InetSocketAddress(host, port);
    }
}
