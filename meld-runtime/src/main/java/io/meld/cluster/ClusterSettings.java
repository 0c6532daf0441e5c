package io.meld.cluster;

import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import java.time.Duration;
import java.util.List;

/** Settings of cluster formation, discovery and failure detection; see {@code docs/configuration.md}. */
public final class ClusterSettings {
    /** How nodes find each other. */
    public enum Discovery {
        /** A fixed list of {@code host:port} cluster addresses ({@link #HOSTS}), probed with JGroups TCPPING. */
        STATIC,
        /** Nodes of the same cluster inside this JVM ({@code Meld.local}), found with JGroups LOCAL_PING. */
        JVM,
        /** The records of a DNS name ({@link #DNS_QUERY}), e.g. a Kubernetes headless service; JGroups DNS_PING. */
        DNS
    }

    /** Which DNS records list the nodes. */
    public enum DnsRecordType {
        /** Address records: one address per node, every node on the same {@link #PORT}. */
        A,
        /** Service records: a target and a port per node, so several nodes may share an address. */
        SRV
    }

    /** The cluster's name. */
    public static final Setting<String> NAME = Setting.stringSetting(
            "meld.cluster.name",
            "meld",
            "Name of the cluster. Nodes join only nodes of the same name; it also keeps data-path"
                    + " connections of different clusters apart.");

    /** Discovery mode. */
    public static final Setting<Discovery> DISCOVERY = Setting.enumSetting(
            "meld.cluster.discovery",
            Discovery.class,
            Discovery.STATIC,
            "How nodes find each other: static (the meld.cluster.hosts list), dns (the records of"
                    + " meld.cluster.dns-query, e.g. a Kubernetes headless service) or jvm (nodes in this JVM, as"
                    + " Meld.local uses).");

    /** Cluster bind address. */
    public static final Setting<String> BIND_ADDRESS = Setting.stringSetting(
            "meld.cluster.bind-address",
            "127.0.0.1",
            "Address the cluster layer (JGroups) listens on; the data path uses it too unless"
                    + " meld.transport.bind-address is set. On one machine keep the loopback default.");

    /** Cluster port. */
    public static final Setting<Integer> PORT = Setting.intSetting(
            "meld.cluster.port",
            7800,
            0,
            65535,
            "TCP port of the cluster layer (JGroups). It must be free: a port in use is an error, not a"
                    + " reason to try the next one. 0 takes any free port (only for jvm discovery). Under Slurm,"
                    + " the task with SLURM_LOCALID k listens on this port + k.");

    /** Static hosts. */
    public static final Setting<List<String>> HOSTS = Setting.listSetting(
            "meld.cluster.hosts",
            "The cluster addresses (host:port) of the nodes, for static discovery. With ranks given, entry i"
                    + " is where node i listens, and formation errors name it. bin/meld run and Slurm set it.");

    /** The DNS name to query. */
    public static final Setting<String> DNS_QUERY = Setting.stringSetting(
            "meld.cluster.dns-query",
            "",
            "For dns discovery: the name whose records list the nodes, e.g. the headless service"
                    + " meld.default.svc.cluster.local (A records), or _cluster._tcp.meld.default.svc.cluster.local"
                    + " (SRV records).");

    /** The DNS record type. */
    public static final Setting<DnsRecordType> DNS_RECORD_TYPE = Setting.enumSetting(
            "meld.cluster.dns-record-type",
            DnsRecordType.class,
            DnsRecordType.A,
            "For dns discovery: a (one address per node, every node listening on meld.cluster.port) or srv"
                    + " (a target host and a port per node).");

    /** The DNS server to ask. */
    public static final Setting<String> DNS_SERVER = Setting.stringSetting(
            "meld.cluster.dns-server",
            "",
            "For dns discovery: the DNS server to ask, host or host:port (port 53 when omitted); the targets"
                    + " of SRV records are looked up there too. Empty asks the system's resolvers"
                    + " (/etc/resolv.conf), as a Kubernetes pod should.");

    /** Formation timeout. */
    public static final Setting<Duration> FORMATION_TIMEOUT = Setting.durationSetting(
            "meld.cluster.formation-timeout",
            Duration.ofSeconds(60),
            Duration.ofMillis(100),
            Duration.ofHours(24),
            "How long a node waits for all meld.size nodes to join before it fails, naming the missing" + " ones.");

    /** The longest JGroups message a node reads. */
    public static final Setting<Long> MAX_MESSAGE_SIZE = Setting.sizeSetting(
            "meld.cluster.max-message-size",
            1L << 20,
            64L << 10,
            64L << 20,
            "Longest message a node reads on the cluster port (JGroups; its messages are fragmented to 60 KB"
                    + " at most, so only a broken or hostile peer sends more). A connection announcing a longer"
                    + " one is closed before anything is allocated for it.");

    /** Heartbeat interval of the failure detector. */
    public static final Setting<Duration> HEARTBEAT_INTERVAL = Setting.durationSetting(
            "meld.cluster.heartbeat-interval",
            Duration.ofSeconds(2),
            Duration.ofMillis(10),
            Duration.ofMinutes(10),
            "How often a node tells every other that it is alive (JGroups FD_ALL3), and checks that it heard"
                    + " from each. Must be below meld.cluster.failure-timeout.");

    /** Silence after which a node is suspected. */
    public static final Setting<Duration> FAILURE_TIMEOUT = Setting.durationSetting(
            "meld.cluster.failure-timeout",
            Duration.ofSeconds(10),
            Duration.ofMillis(20),
            Duration.ofHours(1),
            "A node heard from neither by heartbeat nor by message for this long is suspected (JGroups"
                    + " FD_ALL3). Every other node learns that a node died, froze or was cut off within about"
                    + " failure-timeout + heartbeat-interval + suspect-timeout; longer pauses of a live node"
                    + " (GC, an overloaded machine) than this make it a failed node too.");

    /** How long a suspicion is checked. */
    public static final Setting<Duration> SUSPECT_TIMEOUT = Setting.durationSetting(
            "meld.cluster.suspect-timeout",
            Duration.ofSeconds(1),
            Duration.ofMillis(10),
            Duration.ofMinutes(10),
            "How long a suspected node has to answer a direct check before it is removed from the cluster"
                    + " (JGroups VERIFY_SUSPECT2).");

    private ClusterSettings() {}

    /** @return every cluster setting */
    public static List<Setting<?>> all() {
        return List.of(
                NAME,
                DISCOVERY,
                BIND_ADDRESS,
                PORT,
                HOSTS,
                DNS_QUERY,
                DNS_RECORD_TYPE,
                DNS_SERVER,
                FORMATION_TIMEOUT,
                MAX_MESSAGE_SIZE,
                HEARTBEAT_INTERVAL,
                FAILURE_TIMEOUT,
                SUSPECT_TIMEOUT);
    }

    /**
     * The longest a node takes to learn that another has failed, by these settings: failure timeout,
     * plus the heartbeat interval by which a check may come late, plus the suspicion check.
     *
     * @param config the configuration
     * @return the detection time
     */
    public static Duration detectionTime(MeldConfig config) {
        return config.get(FAILURE_TIMEOUT).plus(config.get(HEARTBEAT_INTERVAL)).plus(config.get(SUSPECT_TIMEOUT));
    }

    /**
     * Checks the settings that must agree with each other.
     *
     * @param config the configuration
     * @throws ConfigException naming both values when they do not
     */
    public static void checkConsistent(MeldConfig config) {
        Duration interval = config.get(HEARTBEAT_INTERVAL);
        Duration timeout = config.get(FAILURE_TIMEOUT);
        if (interval.compareTo(timeout) >= 0) {
            throw new ConfigException(HEARTBEAT_INTERVAL.name() + "=" + Setting.formatDuration(interval) + " (from "
                    + config.source(HEARTBEAT_INTERVAL) + ") must be below " + FAILURE_TIMEOUT.name() + "="
                    + Setting.formatDuration(timeout) + " (from " + config.source(FAILURE_TIMEOUT)
                    + "): a node is suspected after missing failure-timeout / heartbeat-interval heartbeats");
        }
    }
}
