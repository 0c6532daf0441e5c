package io.meld.messaging;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credit windows of one node's messaging, both ends of them (the contract is {@link MessagingService}'s
 * "credit window per pair of nodes"). As a sender: the bytes of messages outstanding to each destination,
 * which a send {@linkplain #acquire takes} before its frames go, waiting while the window is full, and
 * which a GRANT from the destination hands back. As a receiver: the window each sender's messages took
 * that this node's program has {@linkplain #taken taken} since, granted back once it reaches a quarter of
 * a window, or at once when the sender has sent a REQUEST because it waits. Credit frames ({@link
 * FrameType#MESSAGE_CREDIT}, {@link MessageCodec}) travel on lane 0.
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>Program threads acquire window, any number at once; each destination's {@link Window} has its own
 *       lock, and its waiting sends wait on its condition.
 *   <li>The window to grant is guarded by {@link #grantLock}; program threads add to it as they take
 *       messages, the I/O thread of a sender's lane 0 as its REQUESTs arrive.
 *   <li>Credit frames are sent outside both locks: sending may wait for the network.
 * </ul>
 */
final class CreditWindows {
    private static final Logger LOG = LoggerFactory.getLogger(CreditWindows.class);

    private final long window;
    private final Window[] windows;
    private final ReentrantLock grantLock = new ReentrantLock();
    /** Window taken by this node's program from each sender and not yet granted back to it. */
    private final long[] toGrant;
    /** Senders that said they wait for window. */
    private final boolean[] grantRequested;

    private volatile int rank = -1;
    private volatile Links links;

    /**
     * @param size the number of nodes
     * @param window the bytes a sender may have outstanding to one receiver ({@code meld.messaging.window})
     */
    CreditWindows(int size, long window) {
        this.window = window;
        this.windows = new Window[size];
        this.toGrant = new long[size];
        this.grantRequested = new boolean[size];
        for (int r = 0; r < size; r++) {
            windows[r] = new Window(r);
        }
    }

    /** Starts: credit frames can be sent from now on. */
    void start(int rank, Links links) {
        this.links = links;
        this.rank = rank;
    }

    /**
     * Takes {@code cost} bytes of the window to {@code node} for a message, waiting while it is full. A
     * message larger than the window goes when nothing else is outstanding.
     *
     * @param tag the message's tag, for messages
     * @throws NodeFailedException when {@code node} has failed
     * @throws MeldException when {@code node} has closed, or the thread was interrupted
     * @throws IllegalStateException when this node is closed, or the calling thread is the I/O thread that
     *     must read the grant
     */
    void acquire(int node, long cost, int tag) {
        windows[node].acquire(cost, tag);
    }

    /** Gives back window to {@code node} that a message took but did not use: it was not sent. */
    void release(int node, long cost) {
        windows[node].release(cost);
    }

    /**
     * This node's program took a message from {@code source} that cost {@code cost} of its window: grants
     * the window taken so far back, if it is time to.
     */
    void taken(int source, long cost) {
        long grant = takeWindow(source, cost, false);
        if (grant > 0) {
            sendCredit(source, MessageCodec.GRANT, grant);
        }
    }

    /** A node has failed: sends to it that wait for window fail. */
    void peerFailed(int node, Throwable cause) {
        windows[node].fail(cause);
    }

    /** A node said goodbye: sends to it that wait for window fail. */
    void peerClosed(int node) {
        windows[node].peerClosed();
    }

    /** This node closes: sends that wait for window fail. */
    void close() {
        for (Window w : windows) {
            w.close();
        }
    }

    /** Takes one {@link FrameType#MESSAGE_CREDIT} frame; on the link's I/O thread. */
    void onFrame(Link link, int flags, ByteBuf payload) {
        if (payload.readableBytes() != MessageCodec.CREDIT_LENGTH) {
            throw new ProtocolException("credit frame of " + payload.readableBytes() + " bytes");
        }
        int kind = payload.readUnsignedByte();
        payload.skipBytes(7);
        long bytes = payload.readLongLE();
        int src = link.rank();
        switch (kind) {
            case MessageCodec.GRANT -> {
                if (bytes <= 0) {
                    throw new ProtocolException("grant of " + bytes + " bytes");
                }
                windows[src].release(bytes);
            }
            case MessageCodec.REQUEST -> {
                long grant = takeWindow(src, 0, true);
                if (grant > 0) {
                    sendCredit(src, MessageCodec.GRANT, grant);
                }
            }
            default -> throw new ProtocolException("credit kind " + kind);
        }
    }

    /**
     * Records window taken from {@code source} (or a request) and decides whether to grant.
     *
     * @return the bytes to grant now, or 0
     */
    private long takeWindow(int source, long cost, boolean request) {
        grantLock.lock();
        try {
            toGrant[source] += cost;
            if (request) {
                grantRequested[source] = true;
            }
            if (toGrant[source] > 0 && (grantRequested[source] || toGrant[source] >= window / 4)) {
                long grant = toGrant[source];
                toGrant[source] = 0;
                grantRequested[source] = false;
                return grant;
            }
            return 0;
        } finally {
            grantLock.unlock();
        }
    }

    private void sendCredit(int node, int kind, long bytes) {
        Links links = this.links;
        Link link = links == null ? null : links.link(node);
        if (link == null || !link.isUp()) {
            return;
        }
        try {
            ByteBuf frame = link.newFrame(FrameType.MESSAGE_CREDIT, 0, MessageCodec.CREDIT_LENGTH);
            MessageCodec.encodeCredit(frame, kind, bytes);
            link.send(frame);
        } catch (RuntimeException e) {
            LOG.debug("could not send credit to node {}: {}", node, e.toString());
        }
    }

    /** The window of messages outstanding to one destination, at the sender. */
    private final class Window {
        private final int node;
        private final ReentrantLock windowLock = new ReentrantLock();
        private final Condition changed = windowLock.newCondition();
        private long outstanding;
        /** Whether a waiting send should ask for a grant: at first, and after each grant. */
        private boolean mayRequest = true;

        private Throwable failure;
        private boolean peerClosed;
        private boolean closed;

        Window(int node) {
            this.node = node;
        }

        void acquire(long cost, int tag) {
            windowLock.lock();
            try {
                while (true) {
                    if (closed) {
                        throw new IllegalStateException("node " + rank + " was closed while a message with tag " + tag
                                + " to node " + node + " waited to be sent");
                    }
                    if (failure != null) {
                        throw sendFailed(node, tag, failure);
                    }
                    if (peerClosed) {
                        throw new MeldException("cannot send a message with tag " + tag + " to node " + node
                                + ": it has closed and receives no more messages");
                    }
                    if (outstanding == 0 || outstanding + cost <= window) {
                        outstanding += cost;
                        return;
                    }
                    Link grants = links.link(node);
                    if (grants != null && grants.inIoThread()) {
                        throw new IllegalStateException("a message with tag " + tag + " to node " + node
                                + " would wait for window on "
                                + Thread.currentThread().getName()
                                + ", the I/O thread that must read the grant: send it from another thread");
                    }
                    if (mayRequest) {
                        mayRequest = false;
                        windowLock.unlock();
                        try {
                            sendCredit(node, MessageCodec.REQUEST, cost);
                        } finally {
                            windowLock.lock();
                        }
                        continue;
                    }
                    changed.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MeldException(
                        "node " + rank + " was interrupted while a message with tag " + tag + " to node " + node
                                + " waited for window (meld.messaging.window): node " + node
                                + " has not taken earlier ones",
                        e);
            } finally {
                windowLock.unlock();
            }
        }

        void release(long bytes) {
            windowLock.lock();
            try {
                outstanding = Math.max(0, outstanding - bytes);
                mayRequest = true;
                changed.signalAll();
            } finally {
                windowLock.unlock();
            }
        }

        void fail(Throwable cause) {
            windowLock.lock();
            try {
                if (failure == null && !peerClosed) {
                    failure = cause != null ? cause : new MeldException("node " + node + " is gone");
                }
                changed.signalAll();
            } finally {
                windowLock.unlock();
            }
        }

        void peerClosed() {
            windowLock.lock();
            try {
                peerClosed = true;
                changed.signalAll();
            } finally {
                windowLock.unlock();
            }
        }

        void close() {
            windowLock.lock();
            try {
                closed = true;
                changed.signalAll();
            } finally {
                windowLock.unlock();
            }
        }
    }

    /** @return what a send to a node that failed throws */
    static NodeFailedException sendFailed(int node, int tag, Throwable failure) {
        return new NodeFailedException(
                node,
                "cannot send a message with tag " + tag + " to node " + node + ": it failed: " + failure.getMessage(),
                failure);
    }
}
