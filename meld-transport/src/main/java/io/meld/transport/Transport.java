package io.meld.transport;

import io.meld.ClusterFormationException;
import io.meld.MeldException;
import io.meld.config.MeldConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's end of the data path: a listening socket, one {@link Link} per peer, and the dispatch of every
 * frame that arrives to the {@link FrameHandler} registered for its type.
 *
 * <p>Every pair of nodes shares one TCP connection per lane, opened by the lower rank and used in both
 * directions. Besides, each node opens a {@link DirectChannel} to each peer, for the blocking calls its
 * threads drive themselves; the peer serves it as a connection of its own. A connection starts with a handshake ({@link HandshakeCodec}): the connecting node sends
 * HELLO with the protocol version, the cluster, both ranks, the cluster size and its incarnation; the
 * other answers WELCOME, or REJECT with a reason and closes. A version mismatch, a node of another
 * cluster, a wrong rank, or another incarnation of a rank than the one that formed the cluster (a node
 * started again after it failed) is refused with a message that says so.
 *
 * <p>Every frame is checked before its handler sees it (length, type, sequence number). A frame that
 * fails a check, or a payload its handler cannot decode ({@link ProtocolException}), closes that one
 * connection and logs why; the node keeps serving all others.
 *
 * <p>Buffers come from Netty's pooled allocator (thread-local caches of size classes): frames of the
 * same few sizes are allocated and released at a high rate, and a pool keeps them off the kernel's
 * page allocator.
 *
 * <p><b>Concurrency</b>: {@link #connect} and {@link #close} are called by the thread that owns the node;
 * {@link #link(int)} by any thread. Frames are handled on the I/O threads ({@code
 * meld.transport.io-threads}), each connection always on the same one.
 */
public final class Transport implements Links, AutoCloseable {
    /** The version of the wire protocol; peers must speak the same one. */
    public static final int PROTOCOL_VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    private static final long RETRY_MILLIS = 50;

    private final long clusterId;
    private volatile int rank = -1;
    private final int size;
    private final long incarnation;
    private final int maxFrameSize;
    private final long handshakeTimeoutMillis;
    private final FrameHandler[] handlers;
    private final boolean[] knownTypes;
    private final LinkListener listener;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final Channel serverChannel;
    private final WriteBufferWaterMark waterMark;
    /** The connections' congestion control, or {@code null} for the system's. */
    private final CongestionControl congestion;
    /** The data path's TLS, or {@code null} for plain text. */
    private final TransportTls tls;
    /** Told of an error no I/O thread can go on after. */
    private final FailStop failStop;
    /** Connections refused in their TLS handshake, logged at most once per interval. */
    private final RefusalLog refusals = new RefusalLog(LOG);
    /** Connections closed for a malformed frame or handshake: a line per interval at most, with a count. */
    private final RefusalLog badFrames = new RefusalLog(LOG, "closing", "connections closed for bad frames");

    private final int lanes;
    /** Links by {@code rank * lanes + lane}. */
    private final AtomicReferenceArray<ChannelLink> links;
    /** Whether this node opens a direct channel to each peer ({@code meld.transport.direct}). */
    private final boolean direct;
    /** This node's direct channels, and the ends of the peers' that it serves, by peer. */
    private final DirectChannels directs;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition linksChanged = lock.newCondition();
    private final List<Runnable> waitingForRank = new ArrayList<>();
    /**
     * The incarnation of each peer that formed the cluster, by rank (0: unknown), set with {@link #rank}
     * under {@link #lock}, before any deferred HELLO is looked at.
     */
    private volatile long[] incarnations;

    private volatile boolean closing;

    private Transport(Builder b) {
        this.clusterId = b.clusterId;
        this.size = b.size;
        this.incarnation = b.incarnation;
        MeldConfig config = b.config;
        this.maxFrameSize = (int) (long) config.get(TransportSettings.MAX_FRAME_SIZE);
        this.tls = b.tls;
        this.failStop = b.failStop;
        this.handshakeTimeoutMillis =
                config.get(TransportSettings.HANDSHAKE_TIMEOUT).toMillis();
        this.handlers = b.handlers.table();
        this.listener = b.handlers.listener();
        this.lanes = lanes(config);
        this.links = new AtomicReferenceArray<>(size * lanes);
        this.direct = config.get(TransportSettings.DIRECT);
        this.directs = new DirectChannels(size);
        long high = config.get(TransportSettings.SEND_BUFFER);
        this.waterMark = new WriteBufferWaterMark(
                (int) Math.min(high / 2, Integer.MAX_VALUE), (int) Math.min(high, Integer.MAX_VALUE));

        boolean epoll = config.get(TransportSettings.NATIVE) && Epoll.isAvailable();
        this.congestion = CongestionControl.of(config, epoll);
        SelectStrategyFactory poll =
                PollThenSleep.factory(config.get(TransportSettings.POLL).toNanos());
        IoHandlerFactory io =
                epoll ? EpollIoHandler.newFactory(0, poll) : NioIoHandler.newFactory(SelectorProvider.provider(), poll);
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerChannel> serverType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.group = new MultiThreadIoEventLoopGroup(
                ioThreads(config), failStop.threads(new DefaultThreadFactory("meld-io-" + b.label, true)), io);

        boolean[] known = new boolean[FrameType.MAX + 1];
        known[FrameType.HELLO] = known[FrameType.WELCOME] = known[FrameType.REJECT] = true;
        for (int t = 0; t <= FrameType.MAX; t++) {
            known[t] |= handlers[t] != null;
        }
        this.knownTypes = known;
        ServerBootstrap server = new ServerBootstrap()
                .group(group)
                .channel(serverType)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (congestion != null) {
                            congestion.apply(ch);
                        }
                        if (tls != null) {
                            ch.pipeline().addLast(handshakeLimited(tls.server().newHandler(ch.alloc())));
                        }
                        ch.pipeline()
                                .addLast(new FrameDecoder(maxFrameSize, known))
                                .addLast(new ConnectionHandler(Transport.this));
                    }
                });
        InetSocketAddress bind = new InetSocketAddress(b.bindAddress, b.port);
        ChannelFuture bound = server.bind(bind).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutdownGroup();
            throw new ClusterFormationException(
                    b.label + " cannot listen for the data path on " + b.bindAddress + ":" + b.port + ": "
                            + bound.cause().getMessage() + " (" + TransportSettings.PORT.name() + ", "
                            + TransportSettings.BIND_ADDRESS.name() + ")",
                    bound.cause());
        }
        this.serverChannel = bound.channel();
        LOG.debug(
                "{} listening on {} ({}, {} I/O threads)",
                b.label,
                serverChannel.localAddress(),
                epoll ? "epoll" : "nio",
                ioThreads(config));
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the address peers connect to */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** @return this node's incarnation */
    public long incarnation() {
        return incarnation;
    }

    /** @return the cluster id carried in handshakes */
    public long clusterId() {
        return clusterId;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * Connects to every peer of higher rank and waits until every peer of lower rank has connected to
     * this node, each with a successful handshake. Peers that connect before this node knows its rank
     * (it learns it when the cluster has formed) wait for this call to be answered.
     *
     * @param rank this node's rank
     * @param peers every other node, with the address its data path listens on
     * @param timeout how long to wait for all of them
     * @throws ClusterFormationException when a peer refused the connection, or some are not connected by
     *     the deadline; the message names each missing peer and the last error seen
     * @throws IllegalArgumentException when a rank is outside the cluster, or a peer has this node's rank
     */
    public void connect(int rank, List<Peer> peers, Duration timeout) {
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is not within a cluster of " + size + " nodes");
        }
        for (Peer peer : peers) {
            // A rank outside the cluster would index past the links; this node's own would never connect.
            if (peer.rank() < 0 || peer.rank() >= size || peer.rank() == rank) {
                throw new IllegalArgumentException("peer node " + peer.rank() + " at " + peer.host() + ":"
                        + peer.port() + (peer.rank() == rank ? " is this node itself" : "")
                        + " (ranks run from 0 to " + (size - 1) + " in a cluster of " + size + " nodes)");
            }
        }
        List<Runnable> deferred;
        long[] known = new long[size];
        peers.forEach(p -> known[p.rank()] = p.incarnation());
        lock.lock();
        try {
            this.incarnations = known;
            this.rank = rank;
            deferred = new ArrayList<>(waitingForRank);
            waitingForRank.clear();
        } finally {
            lock.unlock();
        }
        deferred.forEach(Runnable::run);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConnectAttempt> attempts = new ArrayList<>();
        for (Peer peer : peers) {
            if (peer.rank() > rank) {
                for (int lane = 0; lane < lanes; lane++) {
                    ConnectAttempt attempt = new ConnectAttempt(peer, lane);
                    attempts.add(attempt);
                    attempt.start();
                }
            }
        }
        TreeMap<Integer, String> missing = new TreeMap<>();
        lock.lock();
        try {
            while (true) {
                missing.clear();
                for (Peer peer : peers) {
                    int absent = 0;
                    for (int lane = 0; lane < lanes; lane++) {
                        absent += links.get(index(peer.rank(), lane)) == null ? 1 : 0;
                    }
                    if (absent > 0) {
                        String lanesMissing = lanes == 1 ? "" : " (" + absent + " of " + lanes + " lanes)";
                        missing.put(
                                peer.rank(),
                                (peer.rank() < rank ? "has not connected to this node" : "not connected")
                                        + lanesMissing);
                    }
                }
                String fatal = null;
                for (ConnectAttempt a : attempts) {
                    if (a.error != null) {
                        missing.put(a.peer.rank(), a.error);
                        if (a.fatal) {
                            fatal = a.error;
                        }
                    }
                }
                if (missing.isEmpty()) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (fatal != null || left <= 0 || closing) {
                    StringBuilder sb = new StringBuilder("node " + rank + " could not reach " + missing.size() + " of "
                            + (size - 1) + " peers over the data path within " + timeout.toMillis() + "ms:");
                    missing.forEach((r, why) -> sb.append("\n  node ")
                            .append(r)
                            .append(" at ")
                            .append(peerAddress(peers, r))
                            .append(": ")
                            .append(why));
                    throw new ClusterFormationException(sb.toString());
                }
                linksChanged.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS)), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while connecting node " + rank + " to its peers", e);
        } finally {
            lock.unlock();
            for (ConnectAttempt a : attempts) {
                a.stop();
            }
        }
        if (direct) {
            // Every peer knows its rank by now (it answered or sent a HELLO on a lane), so each answers at once.
            directs.open(this, peers, deadline, group.next());
        }
    }

    @Override
    public Link link(int peer, int lane) {
        return links.get(index(peer, lane));
    }

    @Override
    public DirectChannel direct(int peer) {
        return directs.get(peer);
    }

    @Override
    public Link directFrom(int peer) {
        return directs.servedTo(peer);
    }

    @Override
    public void disconnect(int peer, Throwable cause, String notice) {
        for (int lane = 0; lane < lanes; lane++) {
            ChannelLink link = links.get(index(peer, lane));
            if (link != null) {
                link.close(cause, notice);
            }
        }
        directs.close(peer, cause, notice);
    }

    @Override
    public int lanes() {
        return lanes;
    }

    /**
     * Flushes what is queued on every link, closes the connections and stops the I/O threads. Frames
     * already handed to a link are written before its connection closes.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        List<ChannelFuture> closed = new ArrayList<>();
        closed.addAll(directs.close());
        for (int i = 0; i < links.length(); i++) {
            ChannelLink l = links.get(i);
            if (l != null) {
                closed.add(l.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
            }
        }
        closed.add(serverChannel.close());
        for (ChannelFuture f : closed) {
            f.channel().closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        shutdownGroup();
    }

    int handshakeTimeoutMillis() {
        return (int) handshakeTimeoutMillis;
    }

    /** @return whether frames of {@code type} have a handler here */
    boolean handles(int type) {
        return handlers[type] != null;
    }

    /** Where each frame goes, on the link's I/O thread. */
    void dispatch(Link link, int type, int flags, ByteBuf payload) {
        handlers[type].onFrame(link, flags, payload);
    }

    /** @return the log of connections refused in their TLS handshake */
    FailStop failStop() {
        return failStop;
    }

    RefusalLog badFrames() {
        return badFrames;
    }

    RefusalLog refusals() {
        return refusals;
    }

    /** @return the data path's TLS, or {@code null} for plain text */
    TransportTls tls() {
        return tls;
    }

    /** A connection's TLS handshake may take as long as Meld's own handshake, then the connection closes. */
    private SslHandler handshakeLimited(SslHandler handler) {
        handler.setHandshakeTimeoutMillis(Math.max(handshakeTimeoutMillis, 100));
        return handler;
    }

    /** @return why a HELLO must be refused, or {@code null} to accept it */
    String checkHello(HandshakeCodec.Hello h) {
        return Handshake.checkHello(h, clusterId, rank, size, lanes, incarnations);
    }

    /** @return why a WELCOME must be refused, or {@code null} to accept it */
    String checkWelcome(HandshakeCodec.Hello h, Peer expected, int lane) {
        return Handshake.checkWelcome(h, clusterId, rank, size, expected, lane);
    }

    /**
     * Runs {@code task} once this node knows its rank: now, or when {@link #connect} is called.
     *
     * @return whether the rank is known already (then the task was not queued)
     */
    boolean whenRanked(Runnable task) {
        lock.lock();
        try {
            if (rank >= 0) {
                return true;
            }
            waitingForRank.add(task);
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Installs a link after its handshake; returns why it must be refused, or {@code null}. */
    String register(ChannelLink link) {
        if (closing) {
            return "node " + rank + " is closing";
        }
        if (link.lane() == DirectChannel.LANE) {
            return directs.serve(link) ? null : "node " + link.rank() + " already has a direct channel to node " + rank;
        }
        if (!links.compareAndSet(index(link.rank(), link.lane()), null, link)) {
            return "node " + link.rank() + " is already connected to node " + rank
                    + (lanes > 1 ? " on lane " + link.lane() : "");
        }
        signal();
        return null;
    }

    void linkDown(ChannelLink link, Throwable cause) {
        if (link.lane() == DirectChannel.LANE) {
            // A peer's direct channel ends when the peer closes or fails, or when this node's writes to it
            // stall; a peer that failed is reported by its lanes.
            directs.unserve(link);
            link.markDown(cause);
            LOG.debug("{} is down: {}", link, cause == null ? "closed by the peer" : cause.getMessage());
            return;
        }
        links.compareAndSet(index(link.rank(), link.lane()), link, null);
        link.markDown(cause);
        signal();
        if (!closing) {
            LOG.debug("{} is down: {}", link, cause == null ? "closed by the peer" : cause.getMessage());
        }
        listener.onLinkDown(link, cause);
    }

    /** A direct channel of this node broke with an I/O error: the peer failed, as when a lane breaks. */
    void directDown(DirectChannel channel, Throwable cause) {
        directs.remove(channel);
        LOG.debug("{} is down: {}", channel, cause == null ? "closed by the peer" : cause.getMessage());
        listener.onLinkDown(channel, cause);
    }

    boolean isClosing() {
        return closing;
    }

    private int index(int peer, int lane) {
        return peer * lanes + lane;
    }

    /**
     * The lanes a transport built with this configuration will have, for components that size per-lane
     * state before the transport exists.
     *
     * @param config a node's configuration
     * @return the lanes the settings ask for: {@code meld.transport.lanes}, or as many as I/O threads
     */
    public static int lanes(MeldConfig config) {
        int configured = config.get(TransportSettings.LANES);
        return configured > 0 ? configured : ioThreads(config);
    }

    /** @return the I/O threads the settings ask for: {@code meld.transport.io-threads}, or a quarter of the cores */
    static int ioThreads(MeldConfig config) {
        int configured = config.get(TransportSettings.IO_THREADS);
        return configured > 0 ? configured : Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }

    private void signal() {
        lock.lock();
        try {
            linksChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void shutdownGroup() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static String peerAddress(List<Peer> peers, int rank) {
        return peers.stream()
                .filter(p -> p.rank() == rank)
                .map(p -> p.host() + ":" + p.port())
                .findFirst()
                .orElse("?");
    }

    /**
     * A peer's data-path address.
     *
     * @param rank its rank
     * @param host its host name or address
     * @param port its data-path port
     * @param incarnation its incarnation, as it announced when joining, or 0 when unknown
     */
    public record Peer(int rank, String host, int port, long incarnation) {
        /** Checks the values. */
        public Peer {
            Objects.requireNonNull(host, "host");
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " of node " + rank + " is not a TCP port");
            }
        }
    }

    /** Connecting to one peer of higher rank, retrying until it answers or the handshake fails for good. */
    final class ConnectAttempt {
        private final Peer peer;
        private final int lane;
        private volatile String error;
        private volatile boolean fatal;
        private volatile boolean stopped;
        private volatile Channel channel;

        ConnectAttempt(Peer peer, int lane) {
            this.peer = peer;
            this.lane = lane;
        }

        int lane() {
            return lane;
        }

        void start() {
            if (stopped || closing) {
                return;
            }
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(handshakeTimeoutMillis, 100))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (congestion != null) {
                                congestion.apply(ch);
                            }
                            if (tls != null) {
                                ch.pipeline()
                                        .addLast(handshakeLimited(
                                                tls.client().newHandler(ch.alloc(), peer.host(), peer.port())));
                            }
                            ch.pipeline()
                                    .addLast(new FrameDecoder(maxFrameSize, knownTypes))
                                    .addLast(new ConnectionHandler(Transport.this, peer, ConnectAttempt.this));
                        }
                    });
            ChannelFuture f = b.connect(peer.host(), peer.port());
            channel = f.channel();
            f.addListener((ChannelFutureListener) done -> {
                if (!done.isSuccess()) {
                    failed(String.valueOf(done.cause().getMessage()), false);
                }
            });
        }

        void succeeded() {
            error = null;
        }

        /** Records a failure; retries later unless it is final. Idempotent per connection. */
        void failed(String why, boolean isFinal) {
            if (fatal) {
                return;
            }
            error = why;
            fatal = isFinal;
            signal();
            if (!isFinal && !stopped && !closing && links.get(index(peer.rank(), lane)) == null) {
                group.schedule(failStop.guard(this::start), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        void stop() {
            stopped = true;
            Channel c = channel;
            if (c != null && links.get(index(peer.rank(), lane)) == null) {
                c.close();
            }
        }
    }

    /** Collects a transport's identity, settings and handlers; {@link #build()} binds the listening socket. */
    public static final class Builder {
        private long clusterId;
        private int size;
        private String label = "node";
        private long incarnation;
        private MeldConfig config = MeldConfig.defaults();
        private String bindAddress = "127.0.0.1";
        private int port;
        private FrameHandlers handlers = new FrameHandlers();
        private TransportTls tls;
        private FailStop failStop = new FailStop((thread, error) ->
                LOG.error("thread {} of the transport died; nothing stops the node", thread.getName(), error));

        private Builder() {}

        /**
         * @param failStop told of an error no I/O thread can go on after; the default only logs it
         * @return this builder
         */
        public Builder failStop(FailStop failStop) {
            this.failStop = failStop;
            return this;
        }

        /**
         * @param tls the TLS of every connection, or {@code null} for plain text (the default)
         * @return this builder
         */
        public Builder tls(TransportTls tls) {
            this.tls = tls;
            return this;
        }

        /**
         * @param clusterId the id of the cluster, the same on every node
         * @param size the number of nodes
         * @param incarnation a random number drawn when this node started
         * @return this builder
         */
        public Builder identity(long clusterId, int size, long incarnation) {
            if (size < 1) {
                throw new IllegalArgumentException("cluster size " + size + " is less than 1");
            }
            this.clusterId = clusterId;
            this.size = size;
            this.incarnation = incarnation;
            return this;
        }

        /**
         * @param label names this node in thread names and messages, e.g. {@code node-2}
         * @return this builder
         */
        public Builder label(String label) {
            this.label = Objects.requireNonNull(label, "label");
            return this;
        }

        /**
         * @param config the settings ({@link TransportSettings}) to read
         * @return this builder
         */
        public Builder config(MeldConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * @param address the address to listen on
         * @param port the port to listen on, 0 for any
         * @return this builder
         */
        public Builder bind(String address, int port) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            this.port = port;
            return this;
        }

        /**
         * Registers the handler of one frame type; frames of types without a handler close the
         * connection they arrive on.
         *
         * @param type the frame type, above {@link FrameType#REJECT}
         * @param handler its handler
         * @return this builder
         */
        public Builder handle(int type, FrameHandler handler) {
            handlers.handle(type, handler);
            return this;
        }

        /**
         * @param listener told when a link goes down
         * @return this builder
         */
        public Builder onLinkDown(LinkListener listener) {
            handlers.onLinkDown(listener);
            return this;
        }

        /**
         * @param all the handler of each frame type and the listener of links that go down, in place of
         *     those given so far
         * @return this builder
         */
        public Builder handlers(FrameHandlers all) {
            this.handlers = Objects.requireNonNull(all, "handlers");
            return this;
        }

        /**
         * Starts the I/O threads and binds the listening socket.
         *
         * @return the transport, accepting connections
         * @throws ClusterFormationException when the address cannot be bound
         */
        public Transport build() {
            if (size < 1) {
                throw new IllegalStateException("identity(...) was not set");
            }
            return new Transport(this);
        }
    }
}
