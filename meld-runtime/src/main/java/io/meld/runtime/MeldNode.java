package io.meld.runtime;

import io.meld.Block;
import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalCounter;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLatch;
import io.meld.GlobalLock;
import io.meld.GlobalLongArray;
import io.meld.LocalSpan;
import io.meld.LoopOptions;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.Message;
import io.meld.NodeFailedException;
import io.meld.RemoteCallable;
import io.meld.RemoteJob;
import io.meld.checkpoint.Checkpoints;
import io.meld.cluster.ClusterMembership;
import io.meld.cluster.ClusterSettings;
import io.meld.cluster.NodeInfo;
import io.meld.codec.ObjectCodec;
import io.meld.collective.CollectiveEngine;
import io.meld.compute.LoopRunner;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.memory.MemoryService;
import io.meld.memory.MemorySettings;
import io.meld.messaging.MessagingService;
import io.meld.security.ClusterSecret;
import io.meld.security.NodeTls;
import io.meld.sync.SyncService;
import io.meld.task.TaskService;
import io.meld.transport.FailStop;
import io.meld.transport.FrameHandlers;
import io.meld.transport.FrameType;
import io.meld.transport.InMemoryNetwork;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.Transport;
import io.meld.transport.TransportSettings;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the {@link Meld} a program holds.
 *
 * <p><b>Start</b> ({@link #start}; {@link #attach} on an {@link InMemoryNetwork}, without the cluster
 * layer): check every setting; bind the data path (so its address can be
 * announced); form the cluster on JGroups, which fixes the ranks and tells each node the others' data
 * addresses; connect the data path to every peer; begin taking part in collectives. A cluster of one
 * node skips JGroups.
 *
 * <p><b>Close</b>: the closing handshake (every node says it is leaving and waits, bounded, for the
 * others), then the data path and the JGroups channel are closed.
 *
 * <p><b>Size</b>: over 700 lines because it implements every method of {@link Meld} (about sixty), each
 * a check that the node is open and a call of the service that does the work; the node's own logic
 * (start, wiring, close, failure signals) is the first part of the file.
 *
 * <p><b>Concurrency</b>: {@link #close()} may race with any call; every call checks {@link #closed}
 * first, and the components themselves fail calls that were already under way.
 */
final class MeldNode implements Meld {
    private static final Logger LOG = LoggerFactory.getLogger(MeldNode.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * The exit status of the process of a node that failed ({@link #failStop}) because one of its threads
     * died or because the cluster turned it away: EX_SOFTWARE of sysexits.h, an internal error.
     */
    static final int FAIL_STOP_EXIT = 70;

    /** How long a node that fails waits for its data connections to close before it halts its process. */
    private static final long CLOSE_BEFORE_HALT_MILLIS = 100;

    private final MeldConfig config;
    /** Whether bin/meld's launcher started this node's process (it reads the node's progress lines). */
    private final boolean launched;
    /** Whether this node is its process's one node ({@code Meld.join}): its fail-stop halts the process. */
    private final boolean ownsProcess;

    private final int size;
    /** Every peer's failure or goodbye, told to every service once. */
    private final PeerTable peers;
    /** The services, in the order they start. */
    private final List<NodeService> services;

    private final CollectiveEngine collectives;
    private final MemoryService memory;
    private final SyncService sync;
    private final ObjectCodec codec;
    private final TaskService tasks;
    private final LoopRunner loops;
    private final MessagingService messaging;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Every thread the node depends on ends here when it dies: the node fails ({@link #failStop}). */
    private final FailStop failStop = new FailStop(this::failStop);
    /** Why the node failed, once a thread it depends on died; then every call fails with it. */
    private volatile NodeFailedException failure;

    private volatile int rank = -1;
    private int threads;
    /**
     * The data path: a {@link Transport}, or an {@link InMemoryNetwork}'s end. Volatile: read by the
     * cluster layer's threads when a node leaves.
     */
    private volatile Links links;
    /** The peers this node's cluster view has left: failed for it, whatever they say. */
    private final Set<Integer> leftTheView = ConcurrentHashMap.newKeySet();

    private ClusterMembership membership;

    private MeldNode(MeldConfig config, int size, boolean ownsProcess) {
        this.config = config;
        this.launched = config.get(RuntimeSettings.LAUNCHER_PID) > 0;
        this.ownsProcess = ownsProcess;
        this.size = size;
        this.peers = new PeerTable(size);
        this.collectives = new CollectiveEngine(size);
        this.memory = new MemoryService(size, config, collectives);
        this.sync = new SyncService(size, collectives, memory);
        this.codec = ObjectCodec.fromConfig(config);
        this.tasks = new TaskService(size, codec, collectives, memory::fence);
        memory.registerHandles(codec);
        sync.registerHandles(codec);
        this.messaging = new MessagingService(size, Transport.lanes(config), config, codec, peers);
        // The start order; tasks after what they use, since a peer that joined first may have sent tasks
        // already, which wait for a complete node; loops last, as nothing runs one before the program.
        // They close in the reverse order.
        this.loops = new LoopRunner(size, memory, collectives);
        this.services = List.of(collectives, memory, messaging, sync, tasks, loops);
        services.forEach(peers::register);
    }

    /**
     * Starts a node and joins its cluster.
     *
     * @param config the node's configuration
     * @return the running node
     */
    static MeldNode start(MeldConfig config) {
        return start(config, null, true);
    }

    /**
     * Starts a node and joins its cluster, with a secret the caller holds in memory ({@code Meld.local}).
     *
     * @param config the node's configuration
     * @param secret the cluster's secret, or {@code null} to read {@code meld.security.secret-file}
     * @param ownsProcess whether the node is its process's one node ({@code Meld.join}), which halts when
     *     the node fails ({@link #failStop}); not so under {@code Meld.local}
     * @return the running node
     */
    static MeldNode start(MeldConfig config, ClusterSecret secret, boolean ownsProcess) {
        config.check(SettingsCatalog.all()).forEach(LOG::warn);
        ClusterSettings.checkConsistent(config);
        int size = config.get(RuntimeSettings.SIZE);
        int givenRank = config.get(RuntimeSettings.RANK);
        if (givenRank >= size) {
            throw new ConfigException(RuntimeSettings.RANK.name() + "=" + givenRank + " (from "
                    + config.source(RuntimeSettings.RANK) + ") is not below " + RuntimeSettings.SIZE.name() + "="
                    + size + " (from " + config.source(RuntimeSettings.SIZE) + ")");
        }
        MeldNode node = new MeldNode(config, size, ownsProcess);
        try {
            node.join(givenRank, secret);
        } catch (RuntimeException | Error e) {
            node.release();
            throw e;
        }
        return node;
    }

    private void join(int givenRank, ClusterSecret secret) {
        String clusterName = config.get(ClusterSettings.NAME);
        Setting<String> bindSetting = config.get(TransportSettings.BIND_ADDRESS).isEmpty()
                ? ClusterSettings.BIND_ADDRESS
                : TransportSettings.BIND_ADDRESS;
        String bind = config.get(bindSetting);
        try {
            InetAddress.getByName(bind);
        } catch (IOException e) {
            throw new ConfigException(bindSetting.name() + "=" + bind + " (from " + config.source(bindSetting)
                    + "): not an address of this machine: " + e.getMessage());
        }
        // A node alone has no connections to protect.
        NodeTls tls = size > 1 ? NodeTls.of(config, clusterName, secret) : null;
        long incarnation = RANDOM.nextLong() | 1;
        String label = givenRank >= 0 ? "node-" + givenRank : "node";
        Transport transport = Transport.builder()
                .identity(clusterId(clusterName), size, incarnation)
                .label(label)
                .config(config)
                .bind(bind, config.get(TransportSettings.PORT))
                .handlers(handlers())
                .tls(tls == null ? null : tls.data())
                .failStop(failStop)
                .build();
        links = transport;
        NodeInfo self = new NodeInfo(
                givenRank,
                size,
                incarnation,
                advertised(bind),
                transport.localAddress().getPort(),
                hostName(),
                ProcessHandle.current().pid());
        List<NodeInfo> nodes;
        int nodesHere;
        if (size == 1) {
            rank = 0;
            nodes = List.of();
            nodesHere = 1;
        } else {
            membership = ClusterMembership.form(
                    config, tls == null ? null : tls.control(), failStop, self, new ClusterMembership.Listener() {
                        @Override
                        public void onNodeLeft(int node, String why) {
                            MeldNode.this.onNodeLeft(node, why);
                        }

                        @Override
                        public void onFormationView(List<Integer> ranks) {
                            if (launched) {
                                LauncherProgress.view(ranks);
                            }
                        }

                        @Override
                        public void onTurnedAway(String reason) {
                            MeldNode.this.onTurnedAway(reason);
                        }
                    });
            rank = membership.rank();
            nodes = membership.nodes();
            nodesHere = membership.nodesOnThisHost();
        }
        List<Transport.Peer> peerAddresses = new ArrayList<>();
        for (NodeInfo n : nodes) {
            if (n.rank() != rank) {
                peerAddresses.add(new Transport.Peer(n.rank(), n.dataHost(), n.dataPort(), n.incarnation()));
            }
        }
        transport.connect(rank, peerAddresses, config.get(TransportSettings.CONNECT_TIMEOUT));
        startServices(nodesHere);
        LOG.debug("node {} of {} joined cluster '{}' ({} threads)", rank, size, clusterName, threads);
        if (launched) {
            LauncherProgress.ready();
        }
    }

    /**
     * Starts a node on an in-memory network instead of sockets: the same services, wired the same way,
     * with no cluster layer (the rank is given, and a peer's failure is its links going down).
     *
     * @param config the node's configuration; {@code meld.rank} and {@code meld.size} are not read
     * @param network the network, of the cluster's size
     * @param rank the node's rank
     * @return the running node
     */
    static MeldNode attach(MeldConfig config, InMemoryNetwork network, int rank) {
        config.check(SettingsCatalog.all()).forEach(LOG::warn);
        MeldNode node = new MeldNode(config, network.size(), false);
        try {
            InMemoryNetwork.Endpoint endpoint = network.attach(rank, node.handlers());
            node.links = endpoint;
            endpoint.awaitConnected(config.get(TransportSettings.CONNECT_TIMEOUT));
            node.rank = rank;
            node.startServices(network.size());
        } catch (RuntimeException | Error e) {
            node.release();
            throw e;
        }
        return node;
    }

    /** What this node does with each frame type and with a link that goes down. */
    private FrameHandlers handlers() {
        return new FrameHandlers()
                .handle(FrameType.COLLECTIVE, collectives)
                .handle(FrameType.MEMORY_OPS, memory.opsHandler())
                .handle(FrameType.MEMORY_REPLIES, memory.repliesHandler())
                .handle(FrameType.BULK_PUT, memory.bulkPutHandler())
                .handle(FrameType.BULK_DATA, memory.bulkDataHandler())
                .handle(FrameType.MESSAGE, messaging.messagesHandler())
                .handle(FrameType.MESSAGE_CREDIT, messaging.creditsHandler())
                .handle(FrameType.SYNC, sync)
                .handle(FrameType.TASK, tasks)
                .handle(FrameType.EVICTED, this::onEvicted)
                .onLinkDown(this::onLinkDown);
    }

    /** Once the node has its rank and its links: starts every service, in order. */
    private void startServices(int nodesHere) {
        peers.rank(rank);
        peers.connect(links);
        int configured = config.get(RuntimeSettings.THREADS);
        threads = configured > 0 ? configured : Math.max(1, Runtime.getRuntime().availableProcessors() / nodesHere);
        NodeContext context = new NodeContext(
                rank,
                links,
                peers,
                this,
                threads,
                new Poller(config.get(MemorySettings.SPIN).toNanos()),
                failStop);
        for (NodeService service : services) {
            service.start(context);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int threads() {
        ensureOpen();
        return threads;
    }

    @Override
    public MeldConfig config() {
        ensureOpen();
        return config;
    }

    @Override
    public GlobalLongArray longArray(String name, long length, Distribution distribution) {
        ensureOpen();
        collectives.checkCaller(() -> "longArray(\"" + name + "\", ...)");
        return memory.longArray(name, length, distribution);
    }

    @Override
    public GlobalDoubleArray doubleArray(String name, long length, Distribution distribution) {
        ensureOpen();
        collectives.checkCaller(() -> "doubleArray(\"" + name + "\", ...)");
        return memory.doubleArray(name, length, distribution);
    }

    @Override
    public void forall(GlobalArray array, long from, long to, LoopOptions options, LongConsumer body) {
        ensureOpen();
        loops.forall(array, from, to, options, body);
    }

    @Override
    public void forall(long from, long to, LoopOptions options, LongConsumer body) {
        ensureOpen();
        loops.forall(from, to, options, body);
    }

    @Override
    public void forallLocal(GlobalArray array, long from, long to, Consumer<LocalSpan> body) {
        ensureOpen();
        loops.forallLocal(array, from, to, body);
    }

    @Override
    public <T> T at(int node, RemoteCallable<T> task) {
        ensureOpen();
        return tasks.at(node, task);
    }

    @Override
    public void asyncAt(int node, RemoteJob task) {
        ensureOpen();
        tasks.asyncAt(node, task);
    }

    @Override
    public void finish(Block block) {
        ensureOpen();
        tasks.finish(block);
    }

    @Override
    public GlobalLock lock(String name) {
        ensureOpen();
        collectives.checkCaller(() -> "lock(\"" + name + "\")");
        return sync.lock(name);
    }

    @Override
    public GlobalCounter counter(String name) {
        ensureOpen();
        collectives.checkCaller(() -> "counter(\"" + name + "\")");
        return sync.counter(name);
    }

    @Override
    public GlobalLatch latch(String name, long count) {
        ensureOpen();
        collectives.checkCaller(() -> "latch(\"" + name + "\", " + count + ")");
        return sync.latch(name, count);
    }

    @Override
    public void checkpoint(Path directory, GlobalArray... arrays) {
        ensureOpen();
        collectives.checkCaller(() -> "checkpoint(" + directory + ", ...)");
        Checkpoints.checkpoint(this, directory, arrays);
    }

    @Override
    public void restore(Path directory, GlobalArray... arrays) {
        ensureOpen();
        collectives.checkCaller(() -> "restore(" + directory + ", ...)");
        Checkpoints.restore(this, directory, arrays);
    }

    @Override
    public void fence() {
        ensureOpen();
        memory.fence();
    }

    @Override
    public void barrier() {
        ensureOpen();
        memory.fence();
        collectives.barrier();
    }

    @Override
    public long allReduce(long value, LongBinaryOperator op) {
        ensureOpen();
        return collectives.allReduceLong(value, op);
    }

    @Override
    public double allReduce(double value, DoubleBinaryOperator op) {
        ensureOpen();
        return collectives.allReduceDouble(value, op);
    }

    @Override
    public long[] broadcast(long[] data, int root) {
        ensureOpen();
        return collectives.broadcast(data, root);
    }

    @Override
    public double[] broadcast(double[] data, int root) {
        ensureOpen();
        return collectives.broadcast(data, root);
    }

    @Override
    public byte[] broadcast(byte[] data, int root) {
        ensureOpen();
        return collectives.broadcast(data, root);
    }

    /**
     * The codec of objects crossing the wire, with this node's allow-list: for remote tasks and their
     * results ({@code encode} on the sender, {@code decode} on the receiver).
     *
     * @return this node's codec
     */
    ObjectCodec codec() {
        return codec;
    }

    @Override
    public void register(Class<?>... classes) {
        ensureOpen();
        for (Class<?> c : classes) {
            Objects.requireNonNull(c, "a class to register");
        }
        codec.allow(classes);
    }

    @Override
    public void send(int node, int tag, byte[] payload) {
        ensureOpen();
        messaging.send(node, tag, payload);
    }

    @Override
    public void send(int node, int tag, long[] payload) {
        ensureOpen();
        messaging.send(node, tag, payload);
    }

    @Override
    public void send(int node, int tag, double[] payload) {
        ensureOpen();
        messaging.send(node, tag, payload);
    }

    @Override
    public void send(int node, int tag, Object payload) {
        ensureOpen();
        messaging.send(node, tag, payload);
    }

    @Override
    public Message receive(int tag) {
        ensureOpen();
        return messaging.receive(-1, tag, null);
    }

    @Override
    public Message receive(int tag, Duration timeout) {
        ensureOpen();
        return messaging.receive(-1, tag, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public Message receive(int node, int tag) {
        ensureOpen();
        return messaging.receive(node, tag, null);
    }

    @Override
    public Message receive(int node, int tag, Duration timeout) {
        ensureOpen();
        return messaging.receive(node, tag, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public long[] reduce(long[] values, LongBinaryOperator op, int root) {
        ensureOpen();
        return collectives.reduce(values, op, root);
    }

    @Override
    public double[] reduce(double[] values, DoubleBinaryOperator op, int root) {
        ensureOpen();
        return collectives.reduce(values, op, root);
    }

    @Override
    public long[] allReduce(long[] values, LongBinaryOperator op) {
        ensureOpen();
        return collectives.allReduce(values, op);
    }

    @Override
    public double[] allReduce(double[] values, DoubleBinaryOperator op) {
        ensureOpen();
        return collectives.allReduce(values, op);
    }

    @Override
    public byte[][] gather(byte[] data, int root) {
        ensureOpen();
        return collectives.gather(data, root);
    }

    @Override
    public long[][] gather(long[] data, int root) {
        ensureOpen();
        return collectives.gather(data, root);
    }

    @Override
    public double[][] gather(double[] data, int root) {
        ensureOpen();
        return collectives.gather(data, root);
    }

    @Override
    public byte[][] allGather(byte[] data) {
        ensureOpen();
        return collectives.allGather(data);
    }

    @Override
    public long[][] allGather(long[] data) {
        ensureOpen();
        return collectives.allGather(data);
    }

    @Override
    public double[][] allGather(double[] data) {
        ensureOpen();
        return collectives.allGather(data);
    }

    @Override
    public byte[] scatter(byte[][] data, int root) {
        ensureOpen();
        return collectives.scatter(data, root);
    }

    @Override
    public long[] scatter(long[][] data, int root) {
        ensureOpen();
        return collectives.scatter(data, root);
    }

    @Override
    public double[] scatter(double[][] data, int root) {
        ensureOpen();
        return collectives.scatter(data, root);
    }

    @Override
    public byte[][] allToAll(byte[][] data) {
        ensureOpen();
        return collectives.allToAll(data);
    }

    @Override
    public long[][] allToAll(long[][] data) {
        ensureOpen();
        return collectives.allToAll(data);
    }

    @Override
    public double[][] allToAll(double[][] data) {
        ensureOpen();
        return collectives.allToAll(data);
    }

    @Override
    public long scan(long value, LongBinaryOperator op) {
        ensureOpen();
        return collectives.scanLong(value, op);
    }

    @Override
    public double scan(double value, DoubleBinaryOperator op) {
        ensureOpen();
        return collectives.scanDouble(value, op);
    }

    @Override
    public long exclusiveScan(long value, LongBinaryOperator op, long identity) {
        ensureOpen();
        return collectives.exclusiveScanLong(value, op, identity);
    }

    @Override
    public double exclusiveScan(double value, DoubleBinaryOperator op, double identity) {
        ensureOpen();
        return collectives.exclusiveScanDouble(value, op, identity);
    }

    @Override
    public long[] scan(long[] values, LongBinaryOperator op) {
        ensureOpen();
        return collectives.scan(values, op);
    }

    @Override
    public double[] scan(double[] values, DoubleBinaryOperator op) {
        ensureOpen();
        return collectives.scan(values, op);
    }

    @Override
    public long[] exclusiveScan(long[] values, LongBinaryOperator op, long identity) {
        ensureOpen();
        return collectives.exclusiveScan(values, op, identity);
    }

    @Override
    public double[] exclusiveScan(double[] values, DoubleBinaryOperator op, double identity) {
        ensureOpen();
        return collectives.exclusiveScan(values, op, identity);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Duration timeout = config.get(RuntimeSettings.SHUTDOWN_TIMEOUT);
        // Operations still in combining buffers leave before the closing handshake, on the same
        // connections, so the peers apply them before they learn this node is gone.
        memory.flushAll();
        // Waiting receives and sends fail now; the peers learn (BYE) that no more messages come from here.
        messaging.close();
        List<Integer> stragglers = collectives.close(timeout);
        if (!stragglers.isEmpty()) {
            LOG.warn(
                    "node {} closes without nodes {}: they neither closed nor failed within {}ms"
                            + " (meld.shutdown.timeout)",
                    rank,
                    stragglers,
                    timeout.toMillis());
        }
        release();
    }

    @Override
    public String toString() {
        return "MeldNode[" + rank + " of " + size + (closed.get() ? ", closed]" : "]");
    }

    /** Stops every service and the data path at once, without the closing handshake. */
    void release() {
        closed.set(true);
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (links != null) {
            links.close();
        }
        if (membership != null) {
            membership.close();
        }
    }

    private void ensureOpen() {
        NodeFailedException failed = failure;
        if (failed != null) {
            throw new NodeFailedException(failed.node(), failed.getMessage(), failed);
        }
        if (closed.get()) {
            throw new IllegalStateException("node " + rank + " of " + size + " is closed");
        }
    }

    /**
     * A thread this node depends on died (its own, Netty's or JGroups'): the node fails as a whole rather
     * than going on without it. A node that is its process's one node ({@code Meld.join}: bin/meld run,
     * Slurm, Kubernetes, a program started by hand) closes its connections and halts its process with
     * {@link #FAIL_STOP_EXIT}, and its peers see its connections close (a node the cluster turned away
     * halts without closing them: {@link #onTurnedAway}); a node of {@code Meld.local} stops every service
     * and closes its connections and its cluster channel, and every call of its program fails with a
     * {@link NodeFailedException} naming it, while the JVM and the program's other nodes go on. Runs once.
     */
    private void failStop(Thread thread, Throwable error) {
        String why = error instanceof TurnedAway
                ? "node " + rank + " failed: " + error.getMessage()
                : "node " + rank + " failed: its thread " + thread.getName() + " died of " + error;
        failure = new NodeFailedException(rank, why, error);
        // A failed node says no goodbye: its close() does nothing from now on, and its peers see it fail.
        closed.set(true);
        try {
            LOG.error("{}; the node stops", why, error);
        } catch (Throwable logFailed) { // out of memory, most likely: the halt matters more
        }
        if (ownsProcess) {
            // The JVM's halt waits for its threads in native code (every selector's) for about 300 ms before
            // the process ends, and only then does the kernel close its sockets: closing the data
            // connections first lets the peers see the failure at once. On a thread of its own, as closing
            // may wait for the thread that died; the halt comes after at most CLOSE_BEFORE_HALT_MILLIS. A
            // node turned away skips it: its peers removed it already, and closing its connections would
            // only end its own program's waits with their failures before the halt.
            Links l = error instanceof TurnedAway ? null : links;
            if (l != null) {
                Thread closer = Thread.ofPlatform()
                        .daemon()
                        .name("meld-fail-stop-" + rank)
                        .start(l::close);
                try {
                    closer.join(CLOSE_BEFORE_HALT_MILLIS);
                } catch (InterruptedException e) {
                    // halt all the same
                }
            }
            System.err.flush();
            Runtime.getRuntime().halt(FAIL_STOP_EXIT);
        }
        // Not on the dying thread, which may be one that release() waits for (an I/O thread).
        Thread.ofPlatform().daemon().name("meld-fail-stop-" + rank).start(this::release);
    }

    // Failures are reported also while this node closes: its closing handshake stops waiting for them.
    private void onLinkDown(Link link, Throwable cause) {
        Throwable why = cause != null ? cause : new MeldException("the connection to node " + link.rank() + " closed");
        peers.failed(link.rank(), why);
    }

    // The cluster layer removed the node from its view: it died, froze or was cut off. Its data-path
    // connections may still be open (a frozen process's kernel keeps them), so they are closed here:
    // senders waiting for room on them fail too, and a node that wakes up reads, before anything else,
    // that it was left behind (onEvicted).
    private void onNodeLeft(int node, String why) {
        leftTheView.add(node);
        MeldException e = new MeldException(why);
        peers.failed(node, e);
        Links l = links;
        if (l != null) {
            l.disconnect(node, e, "node " + rank + " counts node " + node + " as failed (" + why + ")");
        }
    }

    /**
     * A peer says the cluster counts this node as failed: it was frozen or cut off past the failure
     * timeout, and the others went on without it. It must not go on as if nothing happened (its program
     * would compute alone, and its results would be taken for the cluster's), so it fails as a node whose
     * thread died does. A notice from a peer that this node's own cluster view has left already is only
     * logged: the two were cut apart and each went on without the other, and neither is more right. (A
     * peer this node counts as failed only because a connection to it closed is no such case: the close
     * may be the eviction's own.)
     */
    private void onEvicted(Link link, int flags, ByteBuf payload) {
        String notice = payload.toString(StandardCharsets.UTF_8);
        if (leftTheView.contains(link.rank())) {
            LOG.warn("node {} says: {}; this node counts node {} as failed too", link.rank(), notice, link.rank());
            return;
        }
        onTurnedAway(notice);
    }

    /**
     * This node was left behind by the cluster: it fails, with {@code why}. A process's node never returns
     * from here: the first thread halts the process, and any other (a program thread reading its direct
     * channel, another I/O thread) waits for that, so that nothing it read after the notice (the end of
     * the connection, a peer's failure) reaches the program.
     */
    private void onTurnedAway(String why) {
        failStop.fatal(Thread.currentThread(), new TurnedAway("it was turned away: " + why));
        while (ownsProcess) {
            LockSupport.park(this);
        }
    }

    /** Why a node that the cluster left behind fails: no thread of its died. */
    private static final class TurnedAway extends MeldException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        TurnedAway(String message) {
            super(message);
        }
    }

    /** A 64-bit FNV-1a hash of the cluster name, carried in every handshake. */
    static long clusterId(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static String advertised(String bind) {
        try {
            InetAddress a = InetAddress.getByName(bind);
            return a.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : a.getHostAddress();
        } catch (IOException e) {
            throw new ConfigException("bind address " + bind + ": " + e.getMessage());
        }
    }

    /** @return the name of this machine (Linux: the kernel's host name, as a pod's ordinal needs) */
    static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            if (env != null && !env.isBlank()) {
                return env;
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "localhost";
            }
        }
    }
}
