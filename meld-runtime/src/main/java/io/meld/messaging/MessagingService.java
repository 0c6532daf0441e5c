package io.meld.messaging;

import io.meld.ClassNotAllowedException;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.Message;
import io.meld.NodeFailedException;
import io.meld.codec.ObjectCodec;
import io.meld.config.MeldConfig;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.ProtocolException;
import io.meld.wire.ChunkAssembler;
import io.meld.wire.ChunkWriter;
import io.meld.wire.Elements;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's message passing: {@code send(node, tag, payload)}, {@code receive(tag)} from any node and
 * {@code receive(node, tag)}.
 *
 * <h2>Order</h2>
 *
 * Messages from one sender with one tag are received in the order they were sent: all of them travel on
 * one lane (the tag picks it, {@code tag mod lanes}), whose connection keeps order, and a sender holds
 * that lane's send lock for the whole of a message, so the frames of a large message are consecutive and
 * two threads' messages are ordered by who took the lock first (a send that returned before another
 * began comes first). Different tags, and different senders, are not ordered with each other; {@code
 * receive(tag)} takes the earliest arrival of that tag.
 *
 * <h2>Memory: a credit window per pair of nodes</h2>
 *
 * A sender may have at most {@code meld.messaging.window} bytes of messages to one receiver that the
 * receiver's program has not taken yet (each message costs its payload plus {@link #MESSAGE_OVERHEAD});
 * a send that would exceed it waits. One message larger than the window is let through when nothing else
 * is outstanding to that receiver, so any message can be sent. The receiver hands window back (a GRANT
 * frame) once its program has taken a quarter of a window from that sender, or at once when the sender
 * has said it waits (a REQUEST frame, sent when a send starts waiting and again after each grant while it
 * still waits). So a node holds at most {@code nodes x window} of unreceived messages (plus one oversize
 * message per sender), and a sender never waits for window that the receiver's program has already freed.
 * Messages a node sends to itself skip the window: they are its own program's memory. Both ends of the
 * window are {@link CreditWindows}'.
 *
 * <p>The window is shared by all tags, so, as with MPI's finite buffering, a program must not depend on
 * more buffering than it gives: a receiver that waits for tag A from a sender whose window is full of
 * tag-B messages it has not received waits for ever (the sender waits for it). Receive each tag on its
 * own thread, or in the order the sender sends them.
 *
 * <h2>Failures and closing</h2>
 *
 * A receive that could only be satisfied by a failed node fails with {@link NodeFailedException}:
 * {@code receive(node, tag)} once that node has failed, {@code receive(tag)} once any node has failed
 * (the awaited message might have been the failed node's). Messages that arrived before the failure are
 * still delivered first. A node that closes sends BYE on every lane; after it, receives from it fail
 * with a {@link MeldException} that says it closed, and so does {@code receive(tag)} once every other
 * node has closed or failed. Closing this node fails its waiting receives and sends with {@link
 * IllegalStateException}.
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>Program threads send and receive, any number at once. I/O threads deliver frames: each lane of
 *       each peer on its own I/O thread, which alone touches that lane's {@link #incoming} slot (the
 *       message being reassembled).
 *   <li>The mailbox (queues, goodbyes, closing) is guarded by {@link #lock}; receivers wait on their
 *       tag's condition, so an arrival wakes only receivers of its tag.
 *   <li>The credit windows have locks of their own ({@link CreditWindows}); each (destination, lane) has
 *       a send lock ({@link #laneLocks}) held while a message's frames are written.
 *   <li>Frames are sent outside {@link #lock}: sending may wait for the network.
 * </ul>
 *
 * <p><b>Buffers</b>: a message is sent as a stream of frames ({@link ChunkWriter}), each allocated by the
 * link and handed to it ({@link Link#send}). A message's array is allocated when its first frame arrives,
 * sized by the total that frame announces ({@link ChunkAssembler}); each frame's payload is copied out of
 * the transport's buffer into it before the handler returns.
 */
public final class MessagingService implements NodeService {
    /** What each message costs of the window besides its payload: its queue entry and headers. */
    public static final int MESSAGE_OVERHEAD = 64;

    private static final Logger LOG = LoggerFactory.getLogger(MessagingService.class);

    private final int size;
    private final ObjectCodec codec;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, TagBox> tags = new HashMap<>();
    private final int[] byes;
    private final CreditWindows credits;
    private final ReentrantLock[] laneLocks;
    /** The message coming in on each (peer, lane), by {@code peer * lanes + lane}. */
    private final Incoming[] incoming;

    private final int lanes;
    private final PeerTable peers;
    private long arrivals;
    private boolean closed;
    private volatile int rank = -1;
    private volatile Links links;

    /**
     * @param size the number of nodes
     * @param lanes the connections between each pair of nodes
     * @param config the node's configuration ({@code meld.messaging.window})
     * @param codec the codec of object payloads
     * @param peers the node's peers, told when a peer said goodbye on every lane
     */
    public MessagingService(int size, int lanes, MeldConfig config, ObjectCodec codec, PeerTable peers) {
        this.size = size;
        this.peers = peers;
        this.lanes = lanes;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.byes = new int[size];
        this.credits = new CreditWindows(size, config.get(MessagingSettings.WINDOW));
        this.laneLocks = new ReentrantLock[size * lanes];
        this.incoming = new Incoming[size * lanes];
        for (int i = 0; i < laneLocks.length; i++) {
            laneLocks[i] = new ReentrantLock();
        }
    }

    /**
     * Starts: messages can be sent from now on. Frames that arrive earlier are handled already (the
     * handlers need no start).
     *
     * @param node this node's rank and its connected links
     */
    @Override
    public void start(NodeContext node) {
        Links links = node.links();
        if (links.lanes() != lanes) {
            throw new IllegalStateException(
                    "the node has " + links.lanes() + " lanes, messaging was made for " + lanes);
        }
        credits.start(node.rank(), links);
        this.links = links;
        this.rank = node.rank();
    }

    /** @return the handler of {@link FrameType#MESSAGE} frames */
    public FrameHandler messagesHandler() {
        return this::onMessageFrame;
    }

    /** @return the handler of {@link FrameType#MESSAGE_CREDIT} frames */
    public FrameHandler creditsHandler() {
        return credits::onFrame;
    }

    /**
     * Sends a message. Returns once the payload is copied into frames handed to a link (or, for
     * this node itself, into the mailbox): the caller may change its array at once.
     *
     * @param node the destination's rank; this node's own rank sends to itself
     * @param tag the tag, 0 or more
     * @param payload a {@code byte[]}, {@code long[]}, {@code double[]}, or an object the codec allows
     * @throws IllegalArgumentException when {@code node} is not a rank or {@code tag} is negative
     * @throws NullPointerException when {@code payload} is {@code null}
     * @throws ClassNotAllowedException when the object, or one it refers to, is not allowed
     * @throws NodeFailedException when the destination has failed
     * @throws MeldException when the destination has closed, or the thread was interrupted while waiting
     *     for window
     * @throws IllegalStateException when this node is closed, or the send would wait for window on the I/O
     *     thread that must read the grant
     */
    public void send(int node, int tag, Object payload) {
        checkNode(node);
        checkTag(tag);
        Objects.requireNonNull(payload, "message payload");
        switch (payload) {
            case byte[] b -> send(node, tag, MessageCodec.BYTES, Elements.BYTES, b);
            case long[] l -> send(node, tag, MessageCodec.LONGS, Elements.LONGS, l);
            case double[] d -> send(node, tag, MessageCodec.DOUBLES, Elements.DOUBLES, d);
            default -> send(node, tag, MessageCodec.OBJECT, Elements.BYTES, codec.encode(payload));
        }
    }

    /** Sends a message whose payload is {@code data}, an array of {@code elements}, or an object's encoding. */
    private <A> void send(int node, int tag, int type, Elements<A> elements, A data) {
        if (node == rank) {
            // The receiver gets its own copy, as from another node; an object's encoding is already one.
            deliverLocal(tag, type, type == MessageCodec.OBJECT ? data : elements.copy(data));
            return;
        }
        Links links = this.links;
        if (links == null) {
            throw new IllegalStateException("messaging of node " + rank + " has not started");
        }
        long cost = elements.byteLength(data) + MESSAGE_OVERHEAD;
        int lane = Math.floorMod(tag, lanes);
        Link link = links.link(node, lane);
        if (link == null) {
            throw new NodeFailedException(node, "node " + rank + " has no connection to node " + node, null);
        }
        credits.acquire(node, cost, tag);
        ReentrantLock laneLock = laneLocks[node * lanes + lane];
        boolean sent = false;
        laneLock.lock();
        try {
            checkPeerOpen(node, tag);
            ChunkWriter.send(
                    link,
                    FrameType.MESSAGE,
                    MessageCodec.HEADER_LENGTH,
                    elements,
                    data,
                    (frame, offset, total) -> MessageCodec.encode(frame, tag, type, total, offset));
            sent = true;
        } finally {
            laneLock.unlock();
            if (!sent) {
                credits.release(node, cost);
            }
        }
    }

    /**
     * Waits for a message with the tag, from {@code node} or (for {@code node < 0}) from any node, and
     * takes it.
     *
     * @param node the sender's rank, or -1 for any
     * @param tag the tag, 0 or more
     * @param timeout how long to wait, or {@code null} for as long as it takes
     * @return the message
     * @throws IllegalArgumentException when {@code node} is neither -1 nor a rank, or {@code tag} is
     *     negative
     * @throws NodeFailedException when the message could only come from a node that has failed
     * @throws MeldTimeoutException when no message came within the timeout
     * @throws ClassNotAllowedException when the message's object has a class this node does not allow
     *     (the message is taken)
     * @throws MeldException when the sender (every other node, for any) has closed, or the thread was
     *     interrupted
     * @throws IllegalStateException when this node closes
     */
    public Message receive(int node, int tag, Duration timeout) {
        if (node != -1) {
            checkNode(node);
        }
        checkTag(tag);
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        Queued taken;
        lock.lock();
        try {
            TagBox box = tags.computeIfAbsent(tag, t -> new TagBox());
            box.waiters++;
            try {
                while (true) {
                    if (closed) {
                        throw new IllegalStateException(
                                "node " + rank + " was closed while waiting for " + describe(node, tag));
                    }
                    taken = box.take(node);
                    if (taken != null) {
                        break;
                    }
                    checkSources(node, tag);
                    if (timeout == null) {
                        box.arrived.await();
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new MeldTimeoutException("node " + rank + " waited " + timeout.toMillis() + "ms for "
                                    + describe(node, tag) + " and none came");
                        }
                        box.arrived.awaitNanos(left);
                    }
                }
            } finally {
                box.waiters--;
                if (box.waiters == 0 && box.isEmpty()) {
                    tags.remove(tag);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("node " + rank + " was interrupted while waiting for " + describe(node, tag), e);
        } finally {
            lock.unlock();
        }
        if (taken.source != rank) {
            credits.taken(taken.source, taken.cost);
        }
        return taken.toMessage(this);
    }

    /**
     * A node has failed: receives that need it fail, and so do sends to it that wait for window.
     *
     * @param node the failed node
     * @param cause what showed it
     */
    @Override
    public void onPeerFailed(int node, Throwable cause) {
        wakeWaiters();
        credits.peerFailed(node, cause);
    }

    /**
     * A node said goodbye on every lane: receives that wait only for it fail, and sends to it too.
     *
     * @param node the node
     */
    @Override
    public void onPeerClosed(int node) {
        wakeWaiters();
        credits.peerClosed(node);
    }

    /** Wakes every waiting receive, to look at the peer table again. */
    private void wakeWaiters() {
        lock.lock();
        try {
            signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes: waiting receives and sends fail, later messages from peers are dropped, and every peer is
     * told (BYE on every lane) that this node sends no more. Calling it again does nothing.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            signalAll();
            tags.clear();
        } finally {
            lock.unlock();
        }
        credits.close();
        Links links = this.links;
        if (links == null) {
            return;
        }
        for (int r = 0; r < size; r++) {
            for (int lane = 0; r != rank && lane < lanes; lane++) {
                Link link = links.link(r, lane);
                if (link == null || !link.isUp()) {
                    continue;
                }
                ReentrantLock laneLock = laneLocks[r * lanes + lane];
                laneLock.lock();
                try {
                    ByteBuf frame = link.newFrame(FrameType.MESSAGE, 0, MessageCodec.HEADER_LENGTH);
                    MessageCodec.encode(frame, 0, MessageCodec.BYE, 0, 0);
                    link.send(frame);
                } catch (RuntimeException e) {
                    LOG.debug("could not tell node {} that node {} closes: {}", r, rank, e.toString());
                } finally {
                    laneLock.unlock();
                }
            }
        }
    }

    /** For tests: how many messages wait in this node's mailbox. */
    int queued() {
        lock.lock();
        try {
            int n = 0;
            for (TagBox box : tags.values()) {
                n += box.count;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    private void onMessageFrame(Link link, int flags, ByteBuf payload) {
        MessageCodec.Header h = MessageCodec.decode(payload);
        int src = link.rank();
        int slot = src * lanes + link.lane();
        Incoming in = incoming[slot];
        if (h.type() == MessageCodec.BYE) {
            if (in != null) {
                throw new ProtocolException("node " + src + " said BYE in the middle of a message");
            }
            onBye(src);
            return;
        }
        if (in == null) {
            in = new Incoming(
                    h.tag(),
                    h.type(),
                    ChunkAssembler.start("message", src, MessageCodec.elements(h.type()), h.total()));
        } else if (in.tag != h.tag() || in.type != h.type()) {
            throw new ProtocolException("node " + src + " sent a chunk of tag " + h.tag() + " and type " + h.type()
                    + " inside a message of tag " + in.tag + " and type " + in.type);
        }
        if (!in.data.accept(h.offset(), h.total(), payload)) {
            incoming[slot] = in;
            return;
        }
        incoming[slot] = null;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            Queued q =
                    new Queued(src, in.tag, in.type, in.data.array(), ++arrivals, in.data.total() + MESSAGE_OVERHEAD);
            TagBox box = tags.computeIfAbsent(in.tag, t -> new TagBox());
            box.add(q, size);
            box.arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onBye(int src) {
        boolean all;
        lock.lock();
        try {
            all = ++byes[src] == lanes;
        } finally {
            lock.unlock();
        }
        if (all) {
            peers.closed(src); // tells this service too (onPeerClosed), unless the peer failed first
        }
    }

    private void deliverLocal(int tag, int type, Object copy) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("node " + rank + " is closed");
            }
            TagBox box = tags.computeIfAbsent(tag, t -> new TagBox());
            box.add(new Queued(rank, tag, type, copy, ++arrivals, 0), size);
            box.arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: throws when nothing can arrive any more for a receive from {@code node} (-1: any). */
    private void checkSources(int node, int tag) {
        if (node >= 0) {
            if (node == rank) {
                return;
            }
            Throwable failure = peers.failureBeforeGoodbye(node);
            if (failure != null) {
                throw new NodeFailedException(
                        node,
                        "node " + node + " failed while node " + rank + " waited for " + describe(node, tag) + ": "
                                + failure.getMessage(),
                        failure);
            }
            if (peers.isClosed(node)) {
                throw new MeldException(
                        "node " + node + " has closed, so node " + rank + " waits in vain for " + describe(node, tag));
            }
            return;
        }
        boolean anyOpen = false;
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            Throwable failure = peers.failureBeforeGoodbye(r);
            if (failure != null) {
                throw new NodeFailedException(
                        r,
                        "node " + r + " failed while node " + rank + " waited for " + describe(node, tag)
                                + ", which it might have sent: " + failure.getMessage(),
                        failure);
            }
            anyOpen |= !peers.isClosed(r);
        }
        if (size > 1 && !anyOpen) {
            throw new MeldException(
                    "every other node has closed, so node " + rank + " waits in vain for " + describe(node, tag));
        }
    }

    private void checkPeerOpen(int node, int tag) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("node " + rank + " is closed");
            }
            Throwable failure = peers.failureBeforeGoodbye(node);
            if (failure != null) {
                throw CreditWindows.sendFailed(node, tag, failure);
            }
            if (peers.isClosed(node)) {
                throw new MeldException("cannot send a message with tag " + tag + " to node " + node
                        + ": it has closed and receives no more messages");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under lock. */
    private void signalAll() {
        for (TagBox box : tags.values()) {
            box.arrived.signalAll();
        }
    }

    private void checkNode(int node) {
        if (node < 0 || node >= size) {
            throw new IllegalArgumentException(
                    "node " + node + " is not a rank of this cluster of " + size + " nodes (0.." + (size - 1) + ")");
        }
    }

    private static void checkTag(int tag) {
        if (tag < 0) {
            throw new IllegalArgumentException("message tag " + tag + " is negative: tags are 0 or more");
        }
    }

    private static String describe(int node, int tag) {
        return "a message with tag " + tag + (node < 0 ? " from any node" : " from node " + node);
    }

    /** A message in the mailbox. */
    private record Queued(int source, int tag, int type, Object data, long stamp, long cost) {
        Message toMessage(MessagingService service) {
            if (type != MessageCodec.OBJECT) {
                return new Message(source, tag, data);
            }
            Object value;
            try {
                value = service.codec.decode((byte[]) data);
            } catch (ClassNotAllowedException e) {
                throw new ClassNotAllowedException(
                        e.className(),
                        "node " + service.rank + " refused the message from node " + source + " with tag " + tag + ": "
                                + e.getMessage());
            }
            if (value == null) {
                throw new MeldException("the message from node " + source + " with tag " + tag + " decoded to null");
            }
            return new Message(source, tag, value);
        }
    }

    /** The messages of one tag, a queue per sender, and the receivers waiting for them. */
    private final class TagBox {
        final Condition arrived = lock.newCondition();
        ArrayDeque<Queued>[] bySource;
        int count;
        int waiters;

        @SuppressWarnings("unchecked")
        void add(Queued q, int size) {
            if (bySource == null) {
                bySource = (ArrayDeque<Queued>[]) new ArrayDeque<?>[size];
            }
            ArrayDeque<Queued> queue = bySource[q.source];
            if (queue == null) {
                queue = bySource[q.source] = new ArrayDeque<>();
            }
            queue.add(q);
            count++;
        }

        /** @return the first message from {@code node}, or the earliest from any for -1; {@code null} if none */
        Queued take(int node) {
            if (count == 0) {
                return null;
            }
            ArrayDeque<Queued> from = null;
            if (node >= 0) {
                from = bySource[node];
            } else {
                long earliest = Long.MAX_VALUE;
                for (ArrayDeque<Queued> queue : bySource) {
                    if (queue != null && !queue.isEmpty() && queue.peek().stamp < earliest) {
                        earliest = queue.peek().stamp;
                        from = queue;
                    }
                }
            }
            Queued q = from == null ? null : from.poll();
            if (q != null) {
                count--;
            }
            return q;
        }

        boolean isEmpty() {
            return count == 0;
        }
    }

    /**
     * A message being reassembled from frames: its tag, payload type and array; touched by its lane's I/O
     * thread only.
     */
    private record Incoming(int tag, int type, ChunkAssembler<?> data) {}
}
