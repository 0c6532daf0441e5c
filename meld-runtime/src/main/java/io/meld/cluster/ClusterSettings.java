package io.meld.cluster;

import io.meld.config.Setting;
import java.time.Duration;
import java.util.List;

/** Settings of cluster formation and membership; see {@code docs/configuration.md}. */
public final class ClusterSettings {
    /** How nodes find each other. */
    public enum Discovery {
        /** A fixed list of {@code host:port} cluster addresses ({@link #HOSTS}), probed with JGroups TCPPING. */
        STATIC,
        /** Nodes of the same cluster inside this JVM ({@code Meld.local}), found with JGroups LOCAL_PING. */
        JVM
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
            "How nodes find each other: static (the meld.cluster.hosts list) or jvm (nodes in this JVM, as"
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
                    + " reason to try the next one. 0 takes any free port (only for jvm discovery).");

    /** Static hosts. */
    public static final Setting<List<String>> HOSTS = Setting.listSetting(
            "meld.cluster.hosts",
            "The cluster addresses (host:port) of the nodes, for static discovery. With ranks given, entry i"
                    + " is where node i listens, and formation errors name it. bin/meld run sets it.");

    /** Formation timeout. */
    public static final Setting<Duration> FORMATION_TIMEOUT = Setting.durationSetting(
            "meld.cluster.formation-timeout",
            Duration.ofSeconds(60),
            Duration.ofMillis(100),
            Duration.ofHours(24),
            "How long a node waits for all meld.size nodes to join before it fails, naming the missing" + " ones.");

    private ClusterSettings() {}

    /** @return every cluster setting */
    public static List<Setting<?>> all() {
        return List.of(NAME, DISCOVERY, BIND_ADDRESS, PORT, HOSTS, FORMATION_TIMEOUT);
    }
}
