package io.meld.transport;

import io.meld.MeldException;
import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Links between the nodes of one JVM, without sockets, for protocol tests and simulations: every frame
 * and every link that goes down is an event in one queue, in the order it happened, and nothing is
 * delivered until someone {@linkplain #deliverOne() delivers} it. A test drives a protocol one frame at
 * a time (and can stop a node between any two), or {@linkplain #startPump() starts a pump} that
 * delivers everything as it comes, as the I/O threads of real nodes would.
 *
 * <p>Each node {@linkplain #attach attaches} with its {@link FrameHandlers}, as it would build a {@link
 * Transport}, and gets its {@link Links}. The links behave as {@link ChannelLink}s do: per-link order,
 * sequence numbers in the header, the same argument checks, back-pressure at {@code
 * meld.transport.send-buffer} (a sender that is not the I/O thread waits until the queue is half
 * drained), {@link Link#whenWritable} callbacks, a handler's {@link ProtocolException} closing the link,
 * and frames in flight lost when a link goes down.
 *
 * <p><b>Threads</b>: the thread that delivers is the I/O thread of every link while it does: handlers
 * run on it, link listeners too, and its sends never wait. Only one thread delivers at a time. Link
 * listeners are called as events in the queue, never from inside {@link Links#disconnect} or {@link
 * Endpoint#close}, as Netty runs a close on the channel's event loop.
 *
 * <p><b>Concurrency</b>: any thread.
 */
public final class InMemoryNetwork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryNetwork.class);

    private final int size;
    private final int lanes;
    final int maxFrameSize;
    final long highWater;
    final long lowWater;
    private final Endpoint[] nodes;

    /** Guards the queue, every link's state and {@link #nodes}. */
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an event is queued, a queue drains or a link goes down. */
    final Condition changed = lock.newCondition();
    /** Held by the one thread that delivers. */
    private final ReentrantLock delivery = new ReentrantLock();

    private final ArrayDeque<Event> queue = new ArrayDeque<>();
    private volatile Thread deliverer;
    private long incarnations;
    private Thread pump;
    private boolean closed;

    /**
     * @param size the number of nodes
     * @param config the settings read as a {@link Transport} reads them: {@code meld.transport.lanes},
     *     {@code max-frame-size} and {@code send-buffer}
     */
    public InMemoryNetwork(int size, MeldConfig config) {
        if (size < 1) {
            throw new IllegalArgumentException("cluster size " + size + " is less than 1");
        }
        this.size = size;
        this.lanes = Transport.lanes(config);
        this.maxFrameSize = (int) (long) config.get(TransportSettings.MAX_FRAME_SIZE);
        this.highWater = config.get(TransportSettings.SEND_BUFFER);
        this.lowWater = highWater / 2;
        this.nodes = new Endpoint[size];
    }

    /** @return the number of nodes */
    public int size() {
        return size;
    }

    /**
     * Attaches a node: its links to every node attached so far come up at once, those to later nodes
     * when they attach.
     *
     * @param rank the node's rank, not attached before
     * @param handlers where its frames and link failures go
     * @return the node's end of the network
     */
    public Endpoint attach(int rank, FrameHandlers handlers) {
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (size - 1));
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the network is closed");
            }
            if (nodes[rank] != null) {
                throw new IllegalStateException("node " + rank + " is attached already");
            }
            Endpoint e = new Endpoint(rank, ++incarnations, handlers);
            nodes[rank] = e;
            for (Endpoint other : nodes) {
                if (other != null && other != e) {
                    for (int lane = 0; lane < lanes; lane++) {
                        InMemoryLink here = new InMemoryLink(this, e, other, lane);
                        InMemoryLink there = new InMemoryLink(this, other, e, lane);
                        here.reverse = there;
                        there.reverse = here;
                        e.links[other.rank * lanes + lane] = here;
                        other.links[rank * lanes + lane] = there;
                    }
                }
            }
            changed.signalAll();
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Delivers the oldest event: a frame to its handler, or a link's end to its listener.
     *
     * @return whether there was one
     */
    public boolean deliverOne() {
        return deliver(e -> true);
    }

    /**
     * Delivers the oldest frame sent from one node to another, on any lane; the other events wait.
     *
     * @return whether there was one
     */
    public boolean deliverOne(int from, int to) {
        return deliver(e -> e instanceof Frame f && f.link.from.rank == from && f.link.to.rank == to);
    }

    /**
     * Delivers events until none is left, including those that handlers queue meanwhile.
     *
     * @return how many were delivered
     */
    public int deliverAll() {
        int n = 0;
        while (deliverOne()) {
            n++;
        }
        return n;
    }

    /** @return the events not delivered yet */
    public int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** @return the frames from one node to another not delivered yet */
    public int pending(int from, int to) {
        lock.lock();
        try {
            return count(from, to);
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the type of the oldest frame from one node to another not delivered yet, or -1 when there
     *     is none
     */
    public int nextFrameType(int from, int to) {
        lock.lock();
        try {
            for (Event e : queue) {
                if (e instanceof Frame f && f.link.from.rank == from && f.link.to.rank == to) {
                    return FrameDescriptor.type(f.buf);
                }
            }
            return -1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until some event is waiting to be delivered.
     *
     * @return whether one is, when the timeout passed
     */
    public boolean awaitPending(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (queue.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while waiting for an event", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} frames from one node to another are waiting to be delivered: for
     * a test to let another thread's protocol step happen before it delivers.
     *
     * @throws MeldException when they are not there within the timeout, naming what is
     */
    public void awaitPending(int from, int to, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (count(from, to) < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MeldException("waited " + timeout.toMillis() + "ms for " + count + " frames from node "
                            + from + " to node " + to + "; " + count(from, to) + " arrived");
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while waiting for frames", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A node stops at once, as a killed process does: every link to it goes down, the frames in flight
     * to and from it are lost, and every node (it too, so its threads do not wait for ever) hears of
     * each link as events in the queue.
     *
     * @param rank the node
     */
    public void crash(int rank) {
        lock.lock();
        try {
            Endpoint e = endpoint(rank);
            for (InMemoryLink l : e.links) {
                if (l != null) {
                    goDown(l, new IOException("this node crashed"), new IOException("node " + rank + " crashed"));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The links between two nodes break, as a network that fails between them would: the frames in
     * flight between them are lost and both hear of each link.
     */
    public void cut(int a, int b) {
        lock.lock();
        try {
            Endpoint e = endpoint(a);
            endpoint(b);
            for (int lane = 0; lane < lanes; lane++) {
                InMemoryLink l = e.links[b * lanes + lane];
                if (l != null) {
                    IOException cause = new IOException("the network between nodes " + a + " and " + b + " failed");
                    goDown(l, cause, cause);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a daemon thread that delivers every event as it comes, so the nodes run as they would on
     * sockets. Tests that step the network themselves do not start it.
     */
    public void startPump() {
        lock.lock();
        try {
            if (pump != null) {
                throw new IllegalStateException("the pump runs already");
            }
            pump = new Thread(this::pumpLoop, "meld-in-memory-pump");
            pump.setDaemon(true);
            pump.start();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the pump, takes every link down without telling anyone, and drops what is in flight. */
    @Override
    public void close() {
        Thread p;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            p = pump;
            for (Endpoint e : nodes) {
                if (e != null) {
                    for (InMemoryLink l : e.links) {
                        if (l != null) {
                            l.markDown(new IOException("the network closed"));
                        }
                    }
                }
            }
            queue.forEach(Event::drop);
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (p != null && p != Thread.currentThread()) {
            try {
                p.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pumpLoop() {
        while (true) {
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            deliverOne();
        }
    }

    private boolean deliver(Predicate<Event> which) {
        delivery.lock();
        Thread previous = deliverer;
        deliverer = Thread.currentThread();
        try {
            Event event = null;
            Runnable[] writable = null;
            lock.lock();
            try {
                for (Iterator<Event> it = queue.iterator(); it.hasNext(); ) {
                    Event e = it.next();
                    if (which.test(e)) {
                        it.remove();
                        event = e;
                        break;
                    }
                }
                if (event instanceof Frame f) {
                    writable = f.link.dequeued(f.buf.readableBytes());
                }
            } finally {
                lock.unlock();
            }
            if (event == null) {
                return false;
            }
            event.deliver();
            if (writable != null) {
                ((Frame) event).link.runWhenWritable(writable);
            }
            return true;
        } finally {
            deliverer = previous;
            delivery.unlock();
        }
    }

    /** Queues an event; the caller holds the lock. */
    void enqueue(Event e) {
        queue.add(e);
        changed.signalAll();
    }

    /** @return whether the calling thread is delivering now, and so every link's I/O thread */
    boolean isDeliverer() {
        return deliverer == Thread.currentThread();
    }

    private int count(int from, int to) {
        int n = 0;
        for (Event e : queue) {
            if (e instanceof Frame f && f.link.from.rank == from && f.link.to.rank == to) {
                n++;
            }
        }
        return n;
    }

    private Endpoint endpoint(int rank) {
        Endpoint e = rank >= 0 && rank < size ? nodes[rank] : null;
        if (e == null) {
            throw new IllegalArgumentException("node " + rank + " is not attached");
        }
        return e;
    }

    /**
     * Takes a link and its reverse down now, drops the frames in flight on them, and queues each end's
     * notice. Under the lock.
     */
    void goDown(InMemoryLink link, Throwable causeHere, Throwable causeThere) {
        for (InMemoryLink l : new InMemoryLink[] {link, link.reverse}) {
            Throwable cause = l == link ? causeHere : causeThere;
            if (l.markDown(cause)) {
                queue.add(new Down(l, cause));
            }
        }
        queue.removeIf(e -> {
            boolean lost = e instanceof Frame f && (f.link == link || f.link == link.reverse);
            if (lost) {
                e.drop();
            }
            return lost;
        });
        changed.signalAll();
    }

    sealed interface Event permits Frame, Down, CloseAfterFlush {
        void deliver();

        default void drop() {}
    }

    /** A frame on its way; owns the buffer until delivered or dropped. */
    record Frame(InMemoryLink link, ByteBuf buf) implements Event {
        @Override
        public void deliver() {
            InMemoryLink at = link.reverse; // the receiver's link to the sender
            try {
                if (!at.isUp()) {
                    return;
                }
                int type = FrameDescriptor.type(buf);
                int flags = FrameDescriptor.flags(buf);
                buf.skipBytes(FrameDescriptor.HEADER_LENGTH);
                FrameHandler handler = at.from.handlers[type];
                if (handler == null) {
                    throw new ProtocolException("frame type " + FrameType.name(type) + " has no handler");
                }
                handler.onFrame(at, flags, buf);
            } catch (RuntimeException e) {
                // As a connection does: a protocol error, or any error of a handler, closes the link.
                LOG.warn("closing {}: {}", at, e.toString());
                at.network().lock.lock();
                try {
                    at.network().goDown(at, e, null);
                } finally {
                    at.network().lock.unlock();
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void drop() {
            buf.release();
        }
    }

    /** The notice that a link went down, for its node's listener. */
    private record Down(InMemoryLink link, Throwable cause) implements Event {
        @Override
        public void deliver() {
            link.from.listener.onLinkDown(link, cause);
        }
    }

    /** One node's end of the network: its links to every other node. */
    public final class Endpoint implements Links, AutoCloseable {
        final int rank;
        final long incarnation;
        final FrameHandler[] handlers;
        final LinkListener listener;
        /** Indexed by peer x lanes + lane; under the network's lock. */
        private final InMemoryLink[] links;

        private Endpoint(int rank, long incarnation, FrameHandlers handlers) {
            this.rank = rank;
            this.incarnation = incarnation;
            this.handlers = handlers.table();
            this.listener = handlers.listener();
            this.links = new InMemoryLink[size * lanes];
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
        public int lanes() {
            return lanes;
        }

        @Override
        public int maxFrameSize() {
            return maxFrameSize;
        }

        /** @return this node's incarnation: a number no other attachment of this network has */
        public long incarnation() {
            return incarnation;
        }

        @Override
        public Link link(int peer, int lane) {
            lock.lock();
            try {
                InMemoryLink l = links[peer * lanes + lane];
                return l != null && l.isUp() ? l : null;
            } finally {
                lock.unlock();
            }
        }

        /** The {@code notice} goes nowhere: nodes in one JVM cannot be frozen apart. */
        @Override
        public void disconnect(int peer, Throwable cause, String notice) {
            lock.lock();
            try {
                for (int lane = 0; lane < lanes; lane++) {
                    InMemoryLink l = links[peer * lanes + lane];
                    if (l != null) {
                        goDown(l, cause, null);
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until every other node has attached, as {@link Transport#connect} waits for every peer.
         *
         * @throws MeldException naming the nodes missing when the timeout passes
         */
        public void awaitConnected(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            lock.lock();
            try {
                while (true) {
                    StringBuilder missing = new StringBuilder();
                    for (int r = 0; r < size; r++) {
                        if (nodes[r] == null) {
                            missing.append(missing.isEmpty() ? "" : ", ").append(r);
                        }
                    }
                    if (missing.isEmpty()) {
                        return;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new MeldException("node " + rank + " waited " + timeout.toMillis() + "ms for nodes "
                                + missing + " to attach");
                    }
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MeldException("interrupted while waiting for peers", e);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Closes the node's links as {@link Transport#close} does: the frames it sent already are still
         * delivered, then each link goes down and both of its ends hear of it.
         */
        @Override
        public void close() {
            lock.lock();
            try {
                for (InMemoryLink l : links) {
                    if (l != null && l.isUp()) {
                        l.closing = true;
                        queue.add(new CloseAfterFlush(l));
                    }
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return "in-memory node " + rank + " of " + size;
        }
    }

    /** Takes a closed node's link down once the frames it sent before are delivered. */
    private record CloseAfterFlush(InMemoryLink link) implements Event {
        @Override
        public void deliver() {
            InMemoryNetwork n = link.network();
            n.lock.lock();
            try {
                n.goDown(link, null, null);
            } finally {
                n.lock.unlock();
            }
        }
    }
}
