package io.meld.transport;

import io.meld.config.MeldConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * Some nodes of a cluster, each a {@link Transport} in this JVM listening on 127.0.0.1, with a {@link
 * RecordingFrameHandler} for {@link #TEST_TYPE}, connected to each other. {@link #close()} closes them
 * all; use it in try-with-resources.
 *
 * <p>A cluster may leave some ranks out ({@link Builder#ranks(int...)}): a {@link RawPeer} plays them.
 * The real nodes then connect only to each other, and a raw peer of a lower rank may connect to any of
 * them.
 *
 * <p><b>Concurrency</b>: {@link Transport#connect} waits for every peer, so each node connects on its own
 * thread; everything else is called by the test thread.
 */
final class TestCluster implements AutoCloseable {
    /**
     * What the fail-stop of every transport these tests build was told, in order: a test that provokes
     * one looks for its own thread's entry.
     */
    static final ConcurrentLinkedQueue<Fatal> FATAL = new ConcurrentLinkedQueue<>();

    /** The frame type the test handler receives. */
    static final int TEST_TYPE = 100;
    /** The cluster id of every test cluster. */
    static final long CLUSTER_ID = 0x6D656C642D746573L;

    private final Transport[] transports;
    private final RecordingFrameHandler[] handlers;
    private final List<ConcurrentLinkedQueue<LinkDown>> linkDowns = new ArrayList<>();

    /** One call of a node's {@link LinkListener}. */
    record LinkDown(Link link, Throwable cause) {}

    /** An error a node's {@link FailStop} was told of, and the thread it happened on. */
    record Fatal(Thread thread, Throwable error) {}

    private TestCluster(int size) {
        this.transports = new Transport[size];
        this.handlers = new RecordingFrameHandler[size];
        for (int r = 0; r < size; r++) {
            linkDowns.add(new ConcurrentLinkedQueue<>());
        }
    }

    /** A cluster of {@code size} nodes, all of them real unless {@link Builder#ranks} says otherwise. */
    static Builder of(int size) {
        return new Builder(size);
    }

    /** The incarnation a test node of this rank announces: never 0, different per rank. */
    static long incarnation(int rank) {
        return 0x1000 + rank;
    }

    /** The settings tests start from: the smallest frames and queues the transport allows. */
    static MeldConfig smallConfig() {
        return MeldConfig.defaults()
                .with("meld.transport.max-frame-size", "64KiB")
                .with("meld.transport.send-buffer", "64KiB");
    }

    /**
     * A transport of the test cluster that is not connected: its rank is unknown until a test calls
     * {@link Transport#connect}. The caller closes it.
     */
    static Transport transport(
            int size, MeldConfig config, RecordingFrameHandler handler, ConcurrentLinkedQueue<LinkDown> downs) {
        return transport(CLUSTER_ID, size, 0, config, handler, downs);
    }

    /**
     * A transport that is not connected, of any cluster, labelled and with the incarnation of {@code
     * labelRank}. The caller closes it.
     */
    static Transport transport(
            long clusterId,
            int size,
            int labelRank,
            MeldConfig config,
            RecordingFrameHandler handler,
            ConcurrentLinkedQueue<LinkDown> downs) {
        return transport(clusterId, size, labelRank, config, null, handler, downs);
    }

    /** {@link #transport(long, int, int, MeldConfig, RecordingFrameHandler, ConcurrentLinkedQueue)} with TLS. */
    static Transport transport(
            long clusterId,
            int size,
            int labelRank,
            MeldConfig config,
            TransportTls tls,
            RecordingFrameHandler handler,
            ConcurrentLinkedQueue<LinkDown> downs) {
        return Transport.builder()
                .tls(tls)
                .identity(clusterId, size, incarnation(labelRank))
                .label("test-" + labelRank)
                .config(config)
                .bind("127.0.0.1", 0)
                .handle(TEST_TYPE, handler)
                .handle(FrameType.EVICTED, handler) // recorded like the test frames; the notice tells it apart
                .onLinkDown((link, cause) -> downs.add(new LinkDown(link, cause)))
                .failStop(new FailStop((thread, error) -> FATAL.add(new Fatal(thread, error))))
                .build();
    }

    /** @return the transport of a real node */
    Transport node(int rank) {
        return transports[rank];
    }

    /** @return the link from node {@code from} to node {@code to} */
    Link link(int from, int to) {
        Link l = transports[from].link(to);
        if (l == null) {
            throw new AssertionError("node " + from + " has no link to node " + to);
        }
        return l;
    }

    /** @return the test handler of a real node */
    RecordingFrameHandler received(int rank) {
        return handlers[rank];
    }

    /** @return every call of a node's link-down listener so far */
    List<LinkDown> linkDowns(int rank) {
        return List.copyOf(linkDowns.get(rank));
    }

    /** @return where a real node listens */
    InetSocketAddress address(int rank) {
        return transports[rank].localAddress();
    }

    /**
     * Sends one test frame and returns once it is queued.
     *
     * @param from the sending node
     * @param to the receiving node
     * @param flags the frame's flags
     * @param payload the payload
     */
    void send(int from, int to, int flags, byte[] payload) {
        Link link = link(from, to);
        var frame = link.newFrame(TEST_TYPE, flags, payload.length);
        frame.writeBytes(payload);
        link.send(frame);
    }

    /**
     * Checks that the link between two real nodes still works: a frame each way arrives intact.
     *
     * @param a one node
     * @param b another
     */
    void assertLinkWorks(int a, int b) {
        int fromA = received(b).from(a).size();
        int fromB = received(a).from(b).size();
        byte[] ping = RawPeer.bytes(100, a);
        byte[] pong = RawPeer.bytes(100, b);
        send(a, b, 1, ping);
        send(b, a, 2, pong);
        var gotPing = received(b).awaitFrom(a, fromA + 1).get(fromA);
        var gotPong = received(a).awaitFrom(b, fromB + 1).get(fromB);
        if (!Arrays.equals(gotPing.payload(), ping) || !Arrays.equals(gotPong.payload(), pong)) {
            throw new AssertionError("the link between nodes " + a + " and " + b + " corrupted a frame");
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Transport t : transports) {
            if (t != null) {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Chooses the settings and which ranks are real, then starts and connects the nodes. */
    static final class Builder {
        private final int size;
        private MeldConfig config = smallConfig();
        private int[] ranks;
        private TransportTls tls;

        private Builder(int size) {
            this.size = size;
            this.ranks = IntStream.range(0, size).toArray();
        }

        Builder config(MeldConfig config) {
            this.config = config;
            return this;
        }

        /** Every node speaks TLS with these contexts (plain text without). */
        Builder tls(TransportTls tls) {
            this.tls = tls;
            return this;
        }

        /** Only these ranks are real nodes; the others are left to raw peers. */
        Builder ranks(int... ranks) {
            this.ranks = ranks.clone();
            return this;
        }

        /** Starts the real nodes and connects them to each other, each on its own thread. */
        TestCluster start() {
            TestCluster c = new TestCluster(size);
            try {
                for (int r : ranks) {
                    c.handlers[r] = new RecordingFrameHandler();
                    c.transports[r] = transport(CLUSTER_ID, size, r, config, tls, c.handlers[r], c.linkDowns.get(r));
                }
                connect(c);
                return c;
            } catch (RuntimeException | Error e) {
                c.close();
                throw e;
            }
        }

        private void connect(TestCluster c) {
            ExecutorService threads = Executors.newFixedThreadPool(ranks.length);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int r : ranks) {
                    List<Transport.Peer> peers = new ArrayList<>();
                    for (int p : ranks) {
                        if (p != r) {
                            peers.add(new Transport.Peer(
                                    p, "127.0.0.1", c.address(p).getPort(), incarnation(p)));
                        }
                    }
                    done.add(threads.submit(() -> c.transports[r].connect(r, peers, Await.TIMEOUT)));
                }
                for (Future<?> f : done) {
                    f.get(Await.TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new AssertionError(e.getCause());
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError("the test cluster did not connect", e);
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /**
     * Waits until the senders on {@code link} are held back: the link is unwritable and the count of
     * frames sent has not moved for a while. A link is unwritable for a moment whenever a burst is queued
     * faster than the I/O thread writes it; only a full network path keeps it so.
     *
     * @param link the link
     * @param sent how many frames the senders have sent so far
     * @return the count at which they stopped
     */
    static long awaitSendersHeldBack(Link link, LongSupplier sent) {
        long[] last = {-1};
        long[] since = {System.nanoTime()};
        Await.until(
                "the senders to be held back by a full link",
                Await.TIMEOUT,
                () -> {
                    long now = sent.getAsLong();
                    if (now != last[0] || ((ChannelLink) link).channel().isWritable()) {
                        last[0] = now;
                        since[0] = System.nanoTime();
                        return false;
                    }
                    return System.nanoTime() - since[0] > TimeUnit.MILLISECONDS.toNanos(300);
                },
                () -> "(" + sent.getAsLong() + " frames sent, link writable: "
                        + ((ChannelLink) link).channel().isWritable() + ")");
        return last[0];
    }
}
