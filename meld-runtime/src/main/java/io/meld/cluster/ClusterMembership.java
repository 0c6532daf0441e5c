package io.meld.cluster;

import io.meld.ClusterFormationException;
import io.meld.MeldException;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import io.meld.security.SecuritySettings;
import io.meld.transport.FailStop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in the cluster, on a JGroups channel over TCP (never UDP multicast).
 *
 * <p><b>Formation</b>: each node joins the JGroups cluster named by {@code meld.cluster.name} with its
 * {@link NodeInfo} (rank if the launcher gave one, expected size, data-path address) attached to its
 * JGroups address, so every view carries every member's info without extra messages. Formation waits
 * for the first view with {@code meld.size} members and then fixes the ranks:
 *
 * <ul>
 *   <li>when the launcher gave every node a rank, those ranks, which must be distinct and within the
 *       size;
 *   <li>when no node has one, the position of the node in that view (JGroups lists the coordinator,
 *       the longest-standing member, first and then the others in the order they joined; every member
 *       sees the same list);
 *   <li>a mix of both is an error.
 * </ul>
 *
 * <p>Formation looks at every view in the order they arrive, not only the latest: when nodes that
 * disagree meet, or a node times out, the first to fail leaves at once, and the others must still see
 * the view that showed the problem, and count the node that was there. Past {@code
 * meld.cluster.formation-timeout} formation fails with a message naming the nodes never seen.
 * Afterwards, a node that leaves the view is reported to the {@link Listener}, and a node that asks to
 * join is turned away with the reason ({@link LateJoinGuard}): Meld does not let nodes into a running
 * cluster.
 *
 * <p><b>Discovery</b> ({@code meld.cluster.discovery}): {@code static} probes the {@code host:port} list of
 * {@code meld.cluster.hosts} (JGroups TCPPING), {@code dns} the nodes a DNS name lists ({@link DnsNodes},
 * JGroups DNS_PING), {@code jvm} the nodes of this JVM (JGroups LOCAL_PING, through {@link JvmPing}). All
 * talk TCP only.
 *
 * <p><b>Failure detection</b>: every node sends a heartbeat every {@code meld.cluster.heartbeat-interval}
 * (JGroups FD_ALL3); a node heard from neither by heartbeat nor by message for {@code
 * meld.cluster.failure-timeout} is suspected, checked directly for {@code meld.cluster.suspect-timeout}
 * (VERIFY_SUSPECT2), and then removed from the view by the coordinator (by the next node in line when
 * the suspect was the coordinator). So a node that died, froze or was cut off is reported to the
 * {@link Listener} of every other node within about the sum of the three ({@link
 * ClusterSettings#detectionTime}), also when its TCP connections stay open.
 *
 * <p><b>Concurrency</b>: {@link #form} and {@link #close} run on the node's owning thread; views
 * arrive on JGroups threads and are handed over under {@link #lock}.
 */
public final class ClusterMembership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
    private static final String INFO_KEY = "meld";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long FIRST_NODE_POLL_MILLIS = 50;

    /**
     * The nodes of this JVM's clusters (jvm discovery) by {@link #joinKey}, each released once its channel
     * is connected.
     */
    private static final Map<String, CountDownLatch> JOINED = new ConcurrentHashMap<>();

    /** Told when a formed node leaves the cluster. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Called on a JGroups thread when a node leaves the view.
         *
         * @param rank the node
         * @param why a short reason
         */
        void onNodeLeft(int rank, String why);

        /**
         * Called on the forming thread for every view seen while the cluster forms.
         *
         * @param ranks the ranks of the nodes in the view (those that have one), ascending
         */
        default void onFormationView(List<Integer> ranks) {}

        /**
         * Called on a JGroups thread when the running cluster turned this formed node away: the others
         * had removed it (it froze or was cut off past the failure timeout) and went on without it, and
         * refused to merge it back. Only a node that sees no more than half of the cluster is told: of two
         * parts cut apart, each turns the other away, and the larger goes on.
         *
         * @param reason why, in the words of the node that turned it away
         */
        default void onTurnedAway(String reason) {}
    }

    private final JChannel channel;
    private final Listener listener;
    private final MeldConfig config;
    /** The DNS lookups of dns discovery, for formation errors; {@code null} in the other modes. */
    private final DnsNodes dns;
    /** Turns away nodes that ask to join once the cluster has formed. */
    private final LateJoinGuard guard;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition viewChanged = lock.newCondition();
    private View latest;
    /** Why a running cluster of the same name turned this node away, once one did. */
    private String whyTurnedAway;
    /** Views that arrived during formation and formation has not looked at yet. */
    private final ArrayDeque<View> unseen = new ArrayDeque<>();
    /** Every Meld node that was in some view during formation, in the order first seen. */
    private final Map<Address, NodeInfo> seen = new LinkedHashMap<>();

    private Map<Address, Integer> ranksByAddress;
    /** The members that left a view since formation: failed for good, turned away if they come back. */
    private final Set<Address> left = ConcurrentHashMap.newKeySet();

    private List<NodeInfo> nodes;
    private int rank = -1;
    private volatile boolean closing;
    /** This node's key in {@link #JOINED}, once it is there; else {@code null}. */
    private String joinedKey;

    /** @return the JGroups channel, for tests of the cluster layer */
    JChannel channel() {
        return channel;
    }

    private ClusterMembership(
            JChannel channel, Listener listener, MeldConfig config, DnsNodes dns, LateJoinGuard guard) {
        this.channel = channel;
        this.listener = listener;
        this.config = config;
        this.dns = dns;
        this.guard = guard;
    }

    /**
     * Joins the cluster and waits until it has formed.
     *
     * @param config this node's configuration ({@link ClusterSettings})
     * @param tls the TLS context of every connection, or {@code null} for plain text
     * @param failStop told when a JGroups thread dies
     * @param self what this node tells the others
     * @param listener told when a node leaves after formation
     * @return the formed membership
     * @throws ClusterFormationException when the cluster does not form; the message says why and who is
     *     missing
     */
    public static ClusterMembership form(
            MeldConfig config, SSLContext tls, FailStop failStop, NodeInfo self, Listener listener) {
        JGroupsLogging.install(); // before JGroups makes its first logger
        String clusterName = config.get(ClusterSettings.NAME);
        String bind = config.get(ClusterSettings.BIND_ADDRESS);
        int port = config.get(ClusterSettings.PORT);
        List<String> hosts = config.get(ClusterSettings.HOSTS);
        ClusterSettings.Discovery discovery = config.get(ClusterSettings.DISCOVERY);
        Duration timeout = config.get(ClusterSettings.FORMATION_TIMEOUT);
        String label = self.rank() >= 0 ? "node-" + self.rank() : "node@" + bind + ":" + port;

        ClusterSettings.checkConsistent(config);
        DnsNodes dns = discovery == ClusterSettings.Discovery.DNS ? JGroupsStack.dnsNodes(config) : null;
        JChannel channel;
        LateJoinGuard guard = new LateJoinGuard();
        try {
            channel = new JChannel(JGroupsStack.build(config, tls, failStop, dns, guard, self.size(), self.rank()));
        } catch (ConfigException e) {
            JGroupsStack.closeQuietly(dns);
            throw e;
        } catch (Exception e) {
            JGroupsStack.closeQuietly(dns);
            throw new ClusterFormationException("cannot set up the cluster layer: " + e.getMessage(), e);
        }
        ClusterMembership membership = new ClusterMembership(channel, listener, config, dns, guard);
        guard.onTurnedAway(membership::turnedAway);
        byte[] info = self.encode();
        channel.addAddressGenerator(() -> address(self.rank(), label).put(INFO_KEY, info));
        channel.setName(label);
        channel.setReceiver(new Receiver() {
            @Override
            public void viewAccepted(View view) {
                membership.onView(view);
            }
        });
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        if (self.rank() > 0 && !awaitEarlierNodes(clusterName, discovery, hosts, self, deadline)) {
            String message = membership.missing(clusterName, self, hosts, timeout);
            membership.close();
            throw new ClusterFormationException(message);
        }
        try {
            channel.connect(clusterName);
        } catch (Exception e) {
            membership.close();
            if (cause(e, SecurityException.class) instanceof SecurityException turnedAway) {
                // The coordinator's LateJoinGuard said why; the settings are not to blame.
                throw new ClusterFormationException(turnedAway.getMessage(), e);
            }
            throw new ClusterFormationException(
                    label + " cannot join cluster '" + clusterName + "' on " + bind + ":" + port + ": "
                            + rootMessage(e) + " (" + ClusterSettings.BIND_ADDRESS.name() + ", "
                            + ClusterSettings.PORT.name() + ")",
                    e);
        }
        if (self.rank() >= 0 && discovery == ClusterSettings.Discovery.JVM) {
            membership.joinedKey = joinKey(clusterName, self.rank());
            JOINED.computeIfAbsent(membership.joinedKey, k -> new CountDownLatch(1))
                    .countDown();
        }
        try {
            membership.awaitFormation(clusterName, self, hosts, timeout, deadline);
        } catch (RuntimeException e) {
            membership.close();
            throw e;
        }
        membership.reportLeftDuringFormation();
        LOG.debug(
                "node {} formed cluster '{}' of {} nodes in {} ms",
                membership.rank,
                clusterName,
                self.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return membership;
    }

    /** @return this node's rank */
    public int rank() {
        return rank;
    }

    /** @return every node's info, indexed by rank */
    public List<NodeInfo> nodes() {
        return nodes;
    }

    /** @return how many nodes of the cluster run on this node's machine, this one included */
    public int nodesOnThisHost() {
        String host = nodes.get(rank).hostName();
        return (int) nodes.stream().filter(n -> n.hostName().equals(host)).count();
    }

    /** Leaves the cluster; a node that has closed is not reported as having left. */
    @Override
    public void close() {
        closing = true;
        if (joinedKey != null) {
            JOINED.remove(joinedKey);
        }
        channel.close();
        JGroupsStack.closeQuietly(dns);
    }

    private void onView(View view) {
        Map<Address, Integer> formed;
        lock.lock();
        try {
            latest = view;
            formed = ranksByAddress;
            if (formed == null) {
                unseen.add(view);
            }
            viewChanged.signalAll();
        } finally {
            lock.unlock();
        }
        if (formed != null && !closing) {
            Set<Address> present = new HashSet<>(view.getMembers());
            formed.forEach((address, r) -> {
                if (!present.contains(address) && r != rank) {
                    left.add(address);
                    listener.onNodeLeft(
                            r, leftReason(r, "view " + view.getViewId().getId()));
                }
            });
        }
    }

    /**
     * A member that left a view since formation asks to merge back: refused. If this node itself sees no
     * more than half of the cluster, the merge would have joined it to the larger part, which went on
     * without it: it was left behind, and its listener hears it. Whichever side of a merge asks first, the
     * smaller one learns it this way or through {@link #turnedAway}.
     *
     * @return why the member may not come back
     */
    private String refuseLeftMember(Address member) {
        String reason = describe(nodes.get(ranksByAddress.get(member))) + " was counted as failed when it left the"
                + " view, and the others went on without it; a node that left may not come back";
        if (leftBehind()) {
            listener.onTurnedAway("it sees " + seenMembers() + " of the cluster's " + ranksByAddress.size()
                    + " nodes, and refused the merge of the others (" + reason + ")");
        }
        return reason;
    }

    /**
     * A running cluster's {@link LateJoinGuard} turned this node away: formation fails with the reason; a
     * formed node that sees no more than half of the cluster was left behind, and its listener hears it.
     */
    private void turnedAway(String reason) {
        lock.lock();
        try {
            if (ranksByAddress == null) {
                if (whyTurnedAway == null) {
                    whyTurnedAway = reason;
                    viewChanged.signalAll();
                }
                return;
            }
        } finally {
            lock.unlock();
        }
        if (leftBehind()) {
            listener.onTurnedAway(reason);
        } else {
            LOG.warn(
                    "turned away by nodes this node counts as failed, while it sees more than half of the cluster:"
                            + " it goes on ({})",
                    reason);
        }
    }

    /** @return whether this formed node's view holds no more than half of the cluster's nodes */
    private boolean leftBehind() {
        return 2 * seenMembers() <= ranksByAddress.size();
    }

    /** @return how many of the formed cluster's nodes this node's latest view holds, itself included */
    private long seenMembers() {
        lock.lock();
        try {
            Set<Address> present = new HashSet<>(latest.getMembers());
            return ranksByAddress.keySet().stream().filter(present::contains).count();
        } finally {
            lock.unlock();
        }
    }

    private void awaitFormation(
            String clusterName, NodeInfo self, List<String> hosts, Duration timeout, long deadline) {
        lock.lock();
        try {
            while (true) {
                View view;
                while ((view = unseen.poll()) != null) {
                    List<Address> members = view.getMembers();
                    Map<Address, NodeInfo> infos = infos(members, self);
                    seen.putAll(infos);
                    listener.onFormationView(infos.values().stream()
                            .map(NodeInfo::rank)
                            .filter(r -> r >= 0)
                            .sorted()
                            .toList());
                    if (members.size() > self.size()) {
                        throw new ClusterFormationException(members.size() + " nodes joined cluster '" + clusterName
                                + "', more than its size " + self.size() + " (meld.size): " + describe(infos.values())
                                + "; give each cluster its own meld.cluster.name");
                    }
                    if (members.size() == self.size()) {
                        assignRanks(members, infos, self);
                        return;
                    }
                }
                if (whyTurnedAway != null) {
                    throw new ClusterFormationException(whyTurnedAway);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ClusterFormationException(missing(clusterName, self, hosts, timeout));
                }
                viewChanged.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while forming cluster '" + clusterName + "'", e);
        } finally {
            lock.unlock();
        }
    }

    /** Views that came after the one the cluster formed in were not looked at: report who they lack. */
    private void reportLeftDuringFormation() {
        Set<Integer> left = new TreeSet<>();
        lock.lock();
        try {
            for (View view : unseen) {
                Set<Address> present = new HashSet<>(view.getMembers());
                ranksByAddress.forEach((address, r) -> {
                    if (!present.contains(address) && r != rank) {
                        left.add(r);
                        this.left.add(address);
                    }
                });
            }
            unseen.clear();
        } finally {
            lock.unlock();
        }
        for (int r : left) {
            listener.onNodeLeft(r, leftReason(r, "a view just after it formed"));
        }
    }

    private String leftReason(int r, String view) {
        NodeInfo n = nodes.get(r);
        return describe(n) + " left the cluster (" + view + "): it was not heard from within "
                + Setting.formatDuration(config.get(ClusterSettings.FAILURE_TIMEOUT)) + " ("
                + ClusterSettings.FAILURE_TIMEOUT.name() + ") and did not answer a check, or it left without closing";
    }

    private Map<Address, NodeInfo> infos(List<Address> members, NodeInfo self) {
        Map<Address, NodeInfo> infos = new LinkedHashMap<>();
        for (Address a : members) {
            byte[] bytes = a instanceof ExtendedUUID e ? e.get(INFO_KEY) : null;
            if (bytes == null) {
                throw new ClusterFormationException("member " + a + " of the cluster is not a Meld node");
            }
            NodeInfo info;
            try {
                info = NodeInfo.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new ClusterFormationException("member " + a + " of the cluster: " + e.getMessage());
            }
            if (info.size() != self.size()) {
                throw new ClusterFormationException("nodes disagree on the cluster size (meld.size): "
                        + describe(info) + " expects " + info.size() + " nodes, " + describe(self) + " expects "
                        + self.size());
            }
            infos.put(a, info);
        }
        return infos;
    }

    private void assignRanks(List<Address> members, Map<Address, NodeInfo> infos, NodeInfo self) {
        long given = infos.values().stream().filter(i -> i.rank() >= 0).count();
        NodeInfo[] byRank = new NodeInfo[self.size()];
        Map<Address, Integer> ranks = new HashMap<>();
        if (given == 0) {
            for (int i = 0; i < members.size(); i++) {
                NodeInfo info = infos.get(members.get(i));
                byRank[i] = new NodeInfo(
                        i,
                        info.size(),
                        info.incarnation(),
                        info.dataHost(),
                        info.dataPort(),
                        info.hostName(),
                        info.pid());
                ranks.put(members.get(i), i);
            }
        } else if (given == members.size()) {
            for (Map.Entry<Address, NodeInfo> e : infos.entrySet()) {
                NodeInfo info = e.getValue();
                if (info.rank() >= self.size()) {
                    throw new ClusterFormationException(describe(info) + " has rank " + info.rank()
                            + ", outside a cluster of " + self.size() + " nodes (meld.rank, meld.size)");
                }
                if (byRank[info.rank()] != null) {
                    throw new ClusterFormationException("two nodes have rank " + info.rank() + " (meld.rank): "
                            + describe(byRank[info.rank()]) + " and " + describe(info));
                }
                byRank[info.rank()] = info;
                ranks.put(e.getKey(), info.rank());
            }
        } else {
            throw new ClusterFormationException("some nodes were given a rank (meld.rank) and some were not: "
                    + describe(infos.values()) + "; give every node a rank or none");
        }
        this.nodes = List.of(byRank);
        this.ranksByAddress = Map.copyOf(ranks);
        this.rank = ranks.get(channel.getAddress());
        String clusterName = config.get(ClusterSettings.NAME);
        guard.formed(a -> !ranksByAddress.containsKey(a)
                ? lateJoiner(clusterName, a)
                : left.contains(a) ? refuseLeftMember(a) : null);
    }

    /** Why {@code joiner}, not a member of the formed cluster, may not join it. */
    private String lateJoiner(String clusterName, Address joiner) {
        NodeInfo info = null;
        try {
            byte[] bytes = joiner instanceof ExtendedUUID e ? e.get(INFO_KEY) : null;
            info = bytes == null ? null : NodeInfo.decode(bytes);
        } catch (IllegalArgumentException e) {
            // described by its JGroups address below
        }
        return (info == null ? "a node (JGroups address " + joiner + ")" : describe(info)) + " cannot join cluster '"
                + clusterName
                + "': it formed as " + describe(nodes) + " and is running; Meld lets no node into a running"
                + " cluster, also not in the place of a failed one: start the whole cluster again, or give this one"
                + " its own meld.cluster.name";
    }

    /** Under lock: why formation timed out. Counts every node seen, also one that gave up and left since. */
    private String missing(String clusterName, NodeInfo self, List<String> hosts, Duration timeout) {
        List<NodeInfo> joined = new ArrayList<>(seen.values());
        if (joined.isEmpty()) {
            joined.add(self);
        }
        StringBuilder sb = new StringBuilder("cluster '" + clusterName + "' did not form within " + timeout.toMillis()
                + "ms (meld.cluster.formation-timeout): " + joined.size() + " of " + self.size()
                + " nodes joined " + describe(self) + "'s view");
        if (config.get(SecuritySettings.ENABLED)) {
            // Both planes refuse a node of another secret in the TLS handshake, and log that at DEBUG only
            // (strangers must not fill the log): say it here, where such a mismatch ends.
            sb.append(" (a node that holds another secret, ")
                    .append(SecuritySettings.SECRET_FILE.name())
                    .append(", or certificate is refused by the others and looks missing)");
        }
        TreeMap<Integer, String> missingRanks = new TreeMap<>();
        if (self.rank() >= 0) {
            Set<Integer> present = new HashSet<>();
            joined.forEach(n -> present.add(n.rank()));
            for (int r = 0; r < self.size(); r++) {
                if (!present.contains(r)) {
                    missingRanks.put(r, hosts.size() == self.size() ? " (expected at " + hosts.get(r) + ")" : "");
                }
            }
            sb.append("; missing:");
            missingRanks.forEach(
                    (r, where) -> sb.append(" node ").append(r).append(where).append(','));
            sb.setLength(sb.length() - 1);
        } else {
            sb.append("; joined: ").append(describe(joined));
            if (!hosts.isEmpty() && dns == null) {
                sb.append("; the hosts list (meld.cluster.hosts) is ").append(hosts);
            }
        }
        if (dns != null) {
            sb.append("; ")
                    .append(dns.describe(
                            config.get(ClusterSettings.DNS_QUERY),
                            config.get(ClusterSettings.DNS_RECORD_TYPE) == ClusterSettings.DnsRecordType.SRV));
            if (config.get(ClusterSettings.DNS_RECORD_TYPE) == ClusterSettings.DnsRecordType.A) {
                sb.append(", each expected to listen on port ")
                        .append(config.get(ClusterSettings.PORT))
                        .append(" (")
                        .append(ClusterSettings.PORT.name())
                        .append(')');
            }
        }
        return sb.toString();
    }

    private static String describe(Collection<NodeInfo> infos) {
        return infos.stream().map(ClusterMembership::describe).toList().toString();
    }

    private static String describe(NodeInfo n) {
        return (n.rank() >= 0 ? "node " + n.rank() : "a node") + " (" + n.hostName() + ", pid " + n.pid() + ")";
    }

    /** @return the first throwable of type {@code type} in {@code e}'s causal chain, or {@code null} */
    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Nodes of rank above 0 join only once node 0 can answer them. Started together, every node finds
     * nobody yet, and JGroups lets a node that finds nobody found a cluster of its own; those clusters
     * merge later, which under load can leave views that disagree for longer than the formation
     * timeout. Waiting for node 0 (across processes: until its cluster port accepts connections) makes
     * node 0 the one coordinator the others join.
     *
     * <p>In this JVM each node waits for the node of the rank below to be connected, so the nodes join
     * one at a time. Joining together, a node's connection to the coordinator could be closed by the view
     * that added the node before it, which the coordinator's transport applies by closing every
     * connection of a non-member; the coordinator's next messages to it would go over a new connection
     * that can be refused while the old one is still open on its side, and be lost until sent again (see
     * {@link JvmPing}, which keeps the connection of the member a view adds).
     */
    private static boolean awaitEarlierNodes(
            String clusterName, ClusterSettings.Discovery discovery, List<String> hosts, NodeInfo self, long deadline) {
        try {
            if (discovery == ClusterSettings.Discovery.JVM) {
                CountDownLatch below =
                        JOINED.computeIfAbsent(joinKey(clusterName, self.rank() - 1), k -> new CountDownLatch(1));
                return below.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else if (discovery == ClusterSettings.Discovery.STATIC && hosts.size() == self.size()) {
                InetSocketAddress first = JGroupsStack.hostAndPort(hosts.get(0));
                while (!accepts(first)) {
                    if (System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    Thread.sleep(FIRST_NODE_POLL_MILLIS);
                }
                // Its port opens when its join starts; it is the coordinator once its own (short) join is
                // over. Asked before that, discovery would wait for every listed host to answer.
                Thread.sleep(JGroupsStack.joinTimeoutMillis(0) + FIRST_NODE_POLL_MILLIS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException(
                    "interrupted while waiting for the nodes of lower rank in cluster '" + clusterName + "'", e);
        }
    }

    private static String joinKey(String clusterName, int rank) {
        return clusterName + '#' + rank;
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) FIRST_NODE_POLL_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The node's JGroups address. With a rank given, the rank is the address's most significant bits:
     * nodes that start together and find no coordinator let the lowest address become it, so it is
     * node 0 every time rather than a random one, and the others join it instead of forming clusters of
     * their own that must merge later.
     */
    private static ExtendedUUID address(int rank, String label) {
        ExtendedUUID address = rank >= 0 ? new ExtendedUUID(rank, RANDOM.nextLong()) : ExtendedUUID.randomUUID();
        NameCache.add(address, label);
        return address;
    }
}
