package io.meld.collective;

import io.meld.CollectiveMismatchException;
import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.collective.CollectiveCodec.Header;
import io.meld.collective.CollectiveCodec.Kind;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.meld.transport.Transport;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's side of every collective: barrier, all-reduce, broadcast and the closing handshake.
 *
 * <h2>Algorithms</h2>
 *
 * Barrier and all-reduce are all-to-all: each node sends its contribution to every other node and waits
 * for theirs, one round of {@code N - 1} small frames, the fewest round trips for the tens of nodes Meld
 * targets. A reduction folds the contributions in rank order on every node, so all get the same bits.
 * Broadcast sends the root's array to every node directly, streamed in frames of at most {@code
 * meld.transport.max-frame-size}; the receivers copy each chunk into the result as it arrives. Each
 * receiver also sends the root an empty frame of the same collective (its arrival), and the root returns
 * once every node has arrived: so a mismatch reaches the root too, and a root cannot run ahead of slow
 * receivers, which would have to keep every array it sent meanwhile.
 *
 * <h2>Mismatch detection</h2>
 *
 * Each node numbers its collectives 1, 2, ... and every frame carries that number with the collective's
 * kind, operation and root (its signature). Frames of a collective a node has not reached yet are kept
 * until it does. Whenever a node holds two signatures for the same number (its own and a peer's, or two
 * peers'), they must be equal; if not, the node fails with {@link CollectiveMismatchException} and sends
 * the reason to every peer (an ABORT frame), so all of them fail instead of waiting for each other. In
 * every mismatch some node receives a frame whose signature differs from its own: barrier and reductions
 * send to all peers, and so does a broadcast's root, while every other node sends to the root it names.
 * If some node names a root that names itself, that root's frames reach every node; if none does, a
 * named root receives a frame naming it while its own signature names another (two nodes that name
 * each other, for example, would otherwise both wait for ever). One node may complete a mismatched
 * collective: a broadcast receiver whose call matches the root's, when the root's array reaches it
 * before the abort does. It fails in its next collective instead.
 *
 * <h2>Closing</h2>
 *
 * {@link #close(Duration)} sends CLOSE, numbered like a collective, and waits until every peer has sent
 * CLOSE or failed. A node that receives CLOSE numbered {@code c} from a peer knows the peer took part in
 * every collective before {@code c} and in none after: a collective numbered {@code c} or later that needs
 * the peer fails with a message that says the peer closed.
 *
 * <h2>Concurrency</h2>
 *
 * One program thread at a time calls the collectives ({@link #busy} refuses a second one). Frames arrive
 * on the transport's I/O threads. Everything they share ({@link #rounds}, the history, the failure
 * state) is guarded by {@link #lock}; the program thread waits on {@link #changed}. Frames are sent
 * outside the lock, since sending may wait for the network.
 */
public final class CollectiveEngine implements FrameHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CollectiveEngine.class);
    private static final int HISTORY = 256;

    private final int size;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicReference<Thread> busy = new AtomicReference<>();
    private final Map<Long, Round> rounds = new HashMap<>();
    private final Signature[] history = new Signature[HISTORY];
    private final long[] historySequence = new long[HISTORY];
    private final long[] closedAt;
    private final Throwable[] failed;
    private volatile int rank = -1;
    private volatile Transport transport;
    private long lastSequence;
    private RuntimeException broken;
    private boolean closing;

    /**
     * @param size the number of nodes
     */
    public CollectiveEngine(int size) {
        this.size = size;
        this.closedAt = new long[size];
        this.failed = new Throwable[size];
    }

    /**
     * Starts taking part: frames that arrived earlier were kept and are used now.
     *
     * @param rank this node's rank
     * @param transport the connected transport
     */
    public void start(int rank, Transport transport) {
        this.transport = transport;
        this.rank = rank;
        String pending;
        lock.lock();
        try {
            pending = broken != null ? broken.getMessage() : null;
        } finally {
            lock.unlock();
        }
        if (pending != null) {
            // Found in frames that arrived before this node could send; the peers must hear it too.
            sendAbort(pending);
        }
    }

    /** Waits until every node has called it. */
    public void barrier() {
        Signature mine = new Signature(Kind.BARRIER, CollectiveCodec.OP_NONE, -1);
        run(mine, seq -> {
            sendToAll(seq, mine, null);
            await(seq, mine, -1);
        });
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of every node's value in rank order
     */
    public long allReduceLong(long value, LongBinaryOperator op) {
        Objects.requireNonNull(op, "op");
        Signature mine = new Signature(
                Kind.REDUCE_LONG, op instanceof LongOp l ? l.ordinal() + 1 : CollectiveCodec.OP_CUSTOM, -1);
        long[] result = new long[1];
        run(mine, seq -> {
            sendToAll(seq, mine, value);
            Round round = await(seq, mine, -1);
            long acc = 0;
            for (int r = 0; r < size; r++) {
                long v = r == rank ? value : round.values[r];
                acc = r == 0 ? v : op.applyAsLong(acc, v);
            }
            result[0] = acc;
        });
        return result[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of every node's value in rank order
     */
    public double allReduceDouble(double value, DoubleBinaryOperator op) {
        Objects.requireNonNull(op, "op");
        Signature mine = new Signature(
                Kind.REDUCE_DOUBLE, op instanceof DoubleOp d ? d.ordinal() + 1 : CollectiveCodec.OP_CUSTOM, -1);
        double[] result = new double[1];
        run(mine, seq -> {
            sendToAll(seq, mine, Double.doubleToRawLongBits(value));
            Round round = await(seq, mine, -1);
            double acc = 0;
            for (int r = 0; r < size; r++) {
                double v = r == rank ? value : Double.longBitsToDouble(round.values[r]);
                acc = r == 0 ? v : op.applyAsDouble(acc, v);
            }
            result[0] = acc;
        });
        return result[0];
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public long[] broadcast(long[] data, int root) {
        return (long[]) broadcast(Kind.BROADCAST_LONGS, data, root);
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public double[] broadcast(double[] data, int root) {
        return (double[]) broadcast(Kind.BROADCAST_DOUBLES, data, root);
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public byte[] broadcast(byte[] data, int root) {
        return (byte[]) broadcast(Kind.BROADCAST_BYTES, data, root);
    }

    /**
     * The closing handshake: tells every peer this node is leaving and waits until each has done the
     * same or failed, at most {@code timeout}. A program thread still waiting in a collective fails.
     *
     * @param timeout how long to wait for the peers
     * @return the ranks of the peers that neither closed nor failed in time (empty when all did)
     */
    public List<Integer> close(Duration timeout) {
        long seq;
        lock.lock();
        try {
            if (closing) {
                return List.of();
            }
            closing = true;
            seq = ++lastSequence;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Signature close = new Signature(Kind.CLOSE, CollectiveCodec.OP_NONE, -1);
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                Link link = transport == null ? null : transport.link(r);
                if (link != null) {
                    try {
                        send(link, seq, close, null, 0, 0, 0);
                    } catch (RuntimeException e) {
                        LOG.debug("could not tell node {} that node {} closes: {}", r, rank, e.toString());
                    }
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> waiting = new ArrayList<>();
        lock.lock();
        try {
            while (true) {
                waiting.clear();
                for (int r = 0; r < size; r++) {
                    if (r != rank && closedAt[r] == 0 && failed[r] == null) {
                        waiting.add(r);
                    }
                }
                long left = deadline - System.nanoTime();
                if (waiting.isEmpty() || left <= 0) {
                    return List.copyOf(waiting);
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.copyOf(waiting);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A node has failed (its link went down without CLOSE, or it left the view): collectives that still
     * need it fail with {@link NodeFailedException}.
     *
     * @param node the failed node
     * @param cause what showed it
     */
    public void nodeFailed(int node, Throwable cause) {
        lock.lock();
        try {
            if (failed[node] == null) {
                failed[node] = cause != null ? cause : new MeldException("node " + node + " is gone");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * For tests: whether this node holds a frame of its collective {@code seq} from {@code peer} that it
     * has not used yet.
     */
    boolean holds(long seq, int peer) {
        lock.lock();
        try {
            Round round = rounds.get(seq);
            return round != null && round.from[peer] != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onFrame(Link link, int flags, ByteBuf payload) {
        Header h = CollectiveCodec.decode(payload, size);
        int src = link.rank();
        String abort = null;
        lock.lock();
        try {
            switch (h.kind()) {
                case ABORT -> {
                    String why = payload.toString(StandardCharsets.UTF_8);
                    if (broken == null) {
                        broken = new CollectiveMismatchException(why);
                    }
                }
                case CLOSE -> closedAt[src] = h.sequence();
                default -> abort = onContribution(h, src, payload);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (abort != null) {
            sendAbort(abort);
        }
    }

    /** Records one frame of a contribution; returns a mismatch to broadcast, or {@code null}. Under lock. */
    private String onContribution(Header h, int src, ByteBuf payload) {
        Signature sig = new Signature(h.kind(), h.op(), h.root());
        boolean arrival = h.kind().isBroadcast() && h.root() != src;
        if (arrival && (h.total() != 0 || payload.isReadable())) {
            throw new ProtocolException("node " + src + " sent broadcast data for root " + h.root());
        }
        Signature mine = signatureAt(h.sequence());
        if (mine != null && !mine.equals(sig) && !closing) {
            return mismatch(h.sequence(), rank, mine, src, sig);
        }
        if (mine == null && h.sequence() <= lastSequence) {
            // Expected once this node has closed or failed (it numbers close() but keeps no history of it);
            // a surprise otherwise.
            if (closing || broken != null) {
                LOG.debug("node {} ignored a frame of collective #{} from node {}: too old", rank, h.sequence(), src);
            } else {
                LOG.warn("node {} ignored a frame of collective #{} from node {}: too old", rank, h.sequence(), src);
            }
            return null;
        }
        Round round = rounds.computeIfAbsent(h.sequence(), s -> new Round(size));
        if (round.from[src] == null) {
            round.from[src] = sig;
            for (int r = 0; r < size; r++) {
                if (round.from[r] != null && !round.from[r].equals(sig) && !closing) {
                    return mismatch(h.sequence(), r, round.from[r], src, sig);
                }
            }
        } else if (!round.from[src].equals(sig)) {
            throw new ProtocolException("node " + src + " changed its collective #" + h.sequence() + " midway");
        }
        if (round.complete[src]) {
            throw new ProtocolException("node " + src + " sent collective #" + h.sequence() + " twice");
        }
        switch (h.kind()) {
            case BARRIER -> round.complete[src] = true;
            case BROADCAST_LONGS, BROADCAST_DOUBLES, BROADCAST_BYTES -> {
                if (arrival) {
                    round.complete[src] = true;
                } else {
                    receiveChunk(round, h, src, payload);
                }
            }
            case REDUCE_LONG, REDUCE_DOUBLE -> {
                if (h.total() != 8 || payload.readableBytes() != 8) {
                    throw new ProtocolException("reduction frame with " + payload.readableBytes() + " bytes of data");
                }
                round.values[src] = payload.readLongLE();
                round.complete[src] = true;
            }
            default -> throw new ProtocolException("collective frame of kind " + h.kind() + " as a contribution");
        }
        return null;
    }

    private void receiveChunk(Round round, Header h, int src, ByteBuf payload) {
        if (round.data == null) {
            int n = (int) (h.total() / h.kind().elementSize);
            round.data = switch (h.kind()) {
                case BROADCAST_LONGS -> new long[n];
                case BROADCAST_DOUBLES -> new double[n];
                default -> new byte[n];
            };
            round.total = h.total();
        }
        if (h.offset() != round.received || h.total() != round.total) {
            throw new ProtocolException("broadcast chunk at offset " + h.offset() + " of " + h.total()
                    + " bytes, expected offset " + round.received + " of " + round.total);
        }
        int chunk = payload.readableBytes();
        int element = h.kind().elementSize;
        ByteBuffer bytes = payload.nioBuffer(payload.readerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
        int at = (int) (h.offset() / element);
        switch (round.data) {
            case long[] a -> bytes.asLongBuffer().get(a, at, chunk / element);
            case double[] a -> bytes.asDoubleBuffer().get(a, at, chunk / element);
            case byte[] a -> bytes.get(a, at, chunk);
            default -> throw new IllegalStateException();
        }
        round.received += chunk;
        if (round.received == round.total) {
            round.complete[src] = true;
        }
    }

    private Object broadcast(Kind kind, Object data, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of this cluster of " + size
                    + " nodes (0.." + (size - 1) + ")");
        }
        if (root == rank) {
            // Checked before the collective is numbered: the call did not happen, so the peers that are
            // already waiting for this broadcast still get it from the root's next, corrected call.
            Objects.requireNonNull(data, "broadcast data on the root");
        }
        Signature mine = new Signature(kind, CollectiveCodec.OP_NONE, root);
        Object[] result = new Object[1];
        run(mine, seq -> {
            if (root == rank) {
                sendToAll(seq, mine, data);
                await(seq, mine, -1);
                result[0] = data;
            } else {
                sendArrival(seq, mine, root);
                result[0] = await(seq, mine, root).data;
            }
        });
        return result[0];
    }

    /** Tells the root of a broadcast that this node has reached it: an empty frame of the collective. */
    private void sendArrival(long seq, Signature sig, int root) {
        Link link = transport.link(root);
        if (link == null) {
            nodeFailed(root, new MeldException("no link to node " + root));
            return;
        }
        try {
            send(link, seq, sig, null, 0, 0, 0);
        } catch (NodeFailedException e) {
            nodeFailed(root, e);
        }
    }

    /** Numbers a collective, checks it against frames that came early, runs it. */
    private void run(Signature mine, SequencedBody body) {
        Thread me = Thread.currentThread();
        if (!busy.compareAndSet(null, me)) {
            throw new IllegalStateException("node " + rank + ": collectives are called by one thread of a node at a"
                    + " time, and " + busy.get() + " is in one");
        }
        try {
            long seq;
            String abort = null;
            lock.lock();
            try {
                checkUsable(mine, lastSequence + 1);
                seq = ++lastSequence;
                history[(int) (seq % HISTORY)] = mine;
                historySequence[(int) (seq % HISTORY)] = seq;
                Round early = rounds.get(seq);
                if (early != null) {
                    for (int r = 0; r < size; r++) {
                        if (early.from[r] != null && !early.from[r].equals(mine)) {
                            abort = mismatch(seq, rank, mine, r, early.from[r]);
                            break;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (abort != null) {
                sendAbort(abort);
                throw new CollectiveMismatchException(abort);
            }
            body.run(seq);
        } finally {
            busy.set(null);
        }
    }

    /** Waits for the contributions a collective needs: from {@code root} only, or from all ({@code -1}). */
    private Round await(long seq, Signature mine, int root) {
        lock.lock();
        try {
            while (true) {
                checkUsable(mine, seq);
                Round round = rounds.get(seq);
                boolean done = true;
                for (int r = 0; r < size; r++) {
                    if (r == rank || (root >= 0 && r != root) || (round != null && round.complete[r])) {
                        continue;
                    }
                    done = false;
                    if (closedAt[r] != 0 && closedAt[r] <= seq) {
                        throw new CollectiveMismatchException("node " + r + " closed (its collective #" + closedAt[r]
                                + " was close()) while node " + rank + " waited for it in collective #" + seq + ", "
                                + mine.describe());
                    }
                    if (failed[r] != null) {
                        throw new NodeFailedException(
                                r,
                                "node " + r + " failed while node " + rank + " waited for it in collective #" + seq
                                        + ", " + mine.describe() + ": " + failed[r].getMessage(),
                                failed[r]);
                    }
                }
                if (done) {
                    return round != null ? rounds.remove(seq) : new Round(size);
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException(
                    "node " + rank + " was interrupted in collective #" + seq + ", " + mine.describe(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: throws when this node can no longer take part in collectives. */
    private void checkUsable(Signature mine, long seq) {
        if (broken != null) {
            throw new CollectiveMismatchException(broken.getMessage());
        }
        if (closing) {
            throw new IllegalStateException(
                    "node " + rank + " was closed while in collective #" + seq + ", " + mine.describe());
        }
    }

    /** Under lock: records a mismatch and returns the reason to send to every peer. */
    private String mismatch(long seq, int a, Signature sa, int b, Signature sb) {
        String why = "nodes called different collectives as their collective #" + seq + ": node " + a + " called "
                + sa.describe() + ", node " + b + " called " + sb.describe()
                + "; every node must call the same collectives in the same order";
        if (broken == null) {
            broken = new CollectiveMismatchException(why);
        }
        changed.signalAll();
        return broken.getMessage();
    }

    private Signature signatureAt(long seq) {
        int slot = (int) (seq % HISTORY);
        return historySequence[slot] == seq ? history[slot] : null;
    }

    private void sendAbort(String why) {
        Transport transport = this.transport;
        if (transport == null) {
            return; // not started: start() sends it
        }
        byte[] text = why.getBytes(StandardCharsets.UTF_8);
        Signature abort = new Signature(Kind.ABORT, CollectiveCodec.OP_NONE, -1);
        for (int r = 0; r < size; r++) {
            Link link = r == rank ? null : transport.link(r);
            if (link != null) {
                try {
                    send(link, 0 == lastSequence ? 1 : lastSequence, abort, text, 0, text.length, text.length);
                } catch (RuntimeException e) {
                    LOG.debug("could not send the abort to node {}: {}", r, e.toString());
                }
            }
        }
    }

    /** Sends this node's contribution to every peer: a reduction's value, a broadcast's array, or nothing. */
    private void sendToAll(long seq, Signature sig, Object data) {
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            Link link = transport.link(r);
            if (link == null) {
                nodeFailed(r, new MeldException("no link to node " + r));
                continue;
            }
            try {
                if (data == null) {
                    send(link, seq, sig, null, 0, 0, 0);
                } else if (data instanceof Long value) {
                    send(link, seq, sig, value, 0, 8, 8);
                } else {
                    stream(link, seq, sig, data);
                }
            } catch (NodeFailedException e) {
                nodeFailed(r, e);
            }
        }
    }

    /** Sends an array as frames of at most the maximum payload, each chunk a whole number of elements. */
    private void stream(Link link, long seq, Signature sig, Object array) {
        int element = sig.kind().elementSize;
        long total = (long) Array.getLength(array) * element;
        int chunkMax = (link.maxPayload() - CollectiveCodec.HEADER_LENGTH) / 8 * 8;
        long offset = 0;
        do {
            int chunk = (int) Math.min(chunkMax, total - offset);
            send(link, seq, sig, array, offset, chunk, total);
            offset += chunk;
        } while (offset < total);
    }

    /** Encodes and sends one frame: {@code chunk} bytes of {@code data} from byte {@code offset}. */
    private void send(Link link, long seq, Signature sig, Object data, long offset, int chunk, long total) {
        ByteBuf frame = link.newFrame(FrameType.COLLECTIVE, 0, CollectiveCodec.HEADER_LENGTH + chunk);
        CollectiveCodec.encode(frame, seq, sig.kind(), sig.op(), sig.root(), total, offset);
        if (chunk > 0) {
            int element = sig.kind().elementSize;
            int from = (int) (offset / Math.max(element, 1));
            frame.ensureWritable(chunk);
            ByteBuffer out = frame.nioBuffer(frame.writerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
            switch (data) {
                case Long v -> out.putLong(v);
                case long[] a -> out.asLongBuffer().put(a, from, chunk / 8);
                case double[] a -> out.asDoubleBuffer().put(a, from, chunk / 8);
                case byte[] a -> out.put(a, from, chunk);
                default -> throw new IllegalArgumentException(String.valueOf(data));
            }
            frame.writerIndex(frame.writerIndex() + chunk);
        }
        link.send(frame);
    }

    /** The body of a collective, given its number. */
    @FunctionalInterface
    private interface SequencedBody {
        void run(long seq);
    }

    /** What a node called: kind, operation and root. */
    private record Signature(Kind kind, int op, int root) {
        String describe() {
            String op = switch (kind) {
                case REDUCE_LONG -> ", " + opName(LongOp.values());
                case REDUCE_DOUBLE -> ", " + opName(DoubleOp.values());
                default -> "";
            };
            String text = kind.text;
            if (kind.isBroadcast()) {
                return text.substring(0, text.length() - 1) + ", root " + root + ")";
            }
            return op.isEmpty() ? text : text.substring(0, text.length() - 1) + op + ")";
        }

        private String opName(Enum<?>[] ops) {
            if (op == CollectiveCodec.OP_CUSTOM) {
                return "a custom operator";
            }
            return op >= 1 && op <= ops.length ? ops[op - 1].name() : "operation " + op;
        }
    }

    /** Everything that arrived for one collective. */
    private static final class Round {
        final Signature[] from;
        final boolean[] complete;
        final long[] values;
        Object data;
        long total;
        long received;

        Round(int size) {
            from = new Signature[size];
            complete = new boolean[size];
            values = new long[size];
        }
    }
}
