package io.meld.collective;

import io.meld.CollectiveMismatchException;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.collective.CollectiveCodec.Header;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.meld.wire.ChunkAssembler;
import io.meld.wire.Elements;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping of one node's collectives: numbers them, keeps the frames that arrive for each
 * ({@link Round}), checks that every node called the same collective, knows which peers failed or closed,
 * and lets the program thread wait for the contributions a collective needs. What each collective sends
 * and computes is {@link CollectiveEngine}'s; this class knows only signatures and arrived data.
 *
 * <h2>Mismatch detection</h2>
 *
 * Each node numbers its collectives 1, 2, ... and every frame carries that number with the collective's
 * kind, operation and root (its signature). Frames of a collective a node has not reached yet are kept
 * until it does. Whenever a node holds two signatures for the same number (its own and a peer's, or two
 * peers'), they must be equal; if not, the node fails with {@link CollectiveMismatchException} and sends
 * the reason to every peer (an ABORT frame), so all of them fail instead of waiting for each other. In
 * every mismatch some node receives a frame whose signature differs from its own: barrier, the
 * all-to-all kinds and scans send to all peers, and so does the root of a rooted collective, while every
 * other node sends to the root it names.
 * If some node names a root that names itself, that root's frames reach every node; if none does, a
 * named root receives a frame naming it while its own signature names another (two nodes that name
 * each other, for example, would otherwise both wait for ever). One node may complete a mismatched
 * collective: a receiver of a rooted collective whose call matches the root's, when the root's frame
 * reaches it before the abort does (and, for arrays of different lengths, a node that saw only equal
 * lengths). It fails in its next collective instead. After a mismatch every collective fails with it, at
 * once, on every node: the nodes no longer agree on what their next collective is.
 *
 * <h2>Closing</h2>
 *
 * A node that receives CLOSE numbered {@code c} from a peer knows the peer took part in every collective
 * before {@code c} and in none after: a collective numbered {@code c} or later that needs the peer fails
 * with a message that says the peer closed. This node's own side of the handshake is {@link
 * ClosingHandshake}'s, through {@link #startClosing()} and {@link #awaitPeersClosed(long)}.
 *
 * <h2>Concurrency</h2>
 *
 * One program thread at a time runs a collective ({@link #busy} refuses a second one); {@link #broken} is
 * volatile, read without the lock by {@link CollectiveEngine#checkCaller}. Frames arrive on the
 * transport's I/O threads, or on any thread that reads a direct channel. Everything they share ({@link #rounds}, the history, the failure state) is
 * guarded by {@link #lock}; the program thread waits on {@link #changed}, or, where the node has direct
 * channels, reads them itself ({@link DirectReader}, outside the lock, since what it reads comes here) and
 * watches {@link #changes}, which every {@link #signal()} counts. Aborts are sent outside the lock,
 * since sending may wait for the network.
 */
final class RoundKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(RoundKeeper.class);
    private static final int HISTORY = 256;

    private final int size;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicReference<Thread> busy = new AtomicReference<>();
    private final Map<Long, Round> rounds = new HashMap<>();
    private final Signature[] history = new Signature[HISTORY];
    private final long[] historySequence = new long[HISTORY];
    private final long[] closedAt;
    /** Which peers failed: the node's table, set at start (no collective waits before). */
    private volatile PeerTable peers;
    /** How the waiting thread polls, set at start. */
    private volatile Poller poller = Poller.NONE;
    /** The direct channels the waiting thread reads, or {@code null}; set at start. */
    private volatile DirectReader reader;
    /** Counts {@link #signal()}s: the waiting thread polls it without the lock. */
    private volatile long changes;

    private volatile int rank = -1;
    /** Sends the aborts; {@code null} until {@link #start}. */
    private volatile CollectiveSender sender;

    private long lastSequence;
    /** The first mismatch; written under {@link #lock}, volatile for {@link #mismatch()}. */
    private volatile RuntimeException broken;

    private boolean closing;

    /**
     * What {@link #startClosing()} found: the number of this node's close, and the mismatch to tell the
     * peers (empty when there was none).
     */
    record Closing(long sequence, byte[] why) {}

    /** @param size the number of nodes */
    RoundKeeper(int size) {
        this.size = size;
        this.closedAt = new long[size];
    }

    /**
     * Starts taking part: a mismatch found in frames that arrived earlier is sent to the peers now.
     *
     * @param reader the node's direct channels, read by the waiting thread, or {@code null} for none
     */
    void start(int rank, CollectiveSender sender, PeerTable peers, Poller poller, DirectReader reader) {
        this.poller = poller;
        this.reader = reader;
        this.sender = sender;
        this.peers = peers;
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

    /** @return the first mismatch, or {@code null}; read without the lock */
    RuntimeException mismatch() {
        return broken;
    }

    /**
     * Fails every collective from now on with {@code why}, unless a mismatch came first, and tells the peers.
     *
     * @return the exception for the caller to throw: the first mismatch
     */
    CollectiveMismatchException fail(String why) {
        String first;
        lock.lock();
        try {
            if (broken == null) {
                broken = new CollectiveMismatchException(why);
            }
            first = broken.getMessage();
            signal();
        } finally {
            lock.unlock();
        }
        sendAbort(first);
        return new CollectiveMismatchException(first);
    }

    /**
     * Starts this node's close: numbers it, refuses every later collective and fails one still waiting.
     *
     * @return the close, or {@code null} when this node has closed already
     */
    Closing startClosing() {
        lock.lock();
        try {
            if (closing) {
                return null;
            }
            closing = true;
            long seq = ++lastSequence;
            byte[] why = broken == null ? new byte[0] : broken.getMessage().getBytes(StandardCharsets.UTF_8);
            signal();
            return new Closing(seq, why);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every peer has closed or failed, or until {@code deadline}.
     *
     * @param deadline in {@link System#nanoTime()}
     * @return the ranks of the peers that neither closed nor failed (empty when all did)
     */
    List<Integer> awaitPeersClosed(long deadline) {
        PeerTable peers = this.peers;
        if (peers == null) {
            return List.of(); // never started: no peer knows of this node
        }
        List<Integer> waiting = new ArrayList<>();
        lock.lock();
        try {
            while (true) {
                waiting.clear();
                for (int r = 0; r < size; r++) {
                    if (r != rank && closedAt[r] == 0 && !peers.isFailed(r)) {
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
     * A node has failed (its link went down without CLOSE, or it left the view), as the peer table, which
     * recorded it before telling anyone, says: collectives that still need it fail with {@link
     * NodeFailedException}.
     */
    void nodeFailed() {
        lock.lock();
        try {
            signal();
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

    /** Takes one COLLECTIVE frame from {@code link}'s peer; on an I/O thread. */
    void onFrame(Link link, ByteBuf payload) {
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
                case CLOSE -> {
                    if (payload.isReadable() && broken == null) {
                        broken = new CollectiveMismatchException(payload.toString(StandardCharsets.UTF_8));
                    }
                    closedAt[src] = h.sequence();
                }
                default -> abort = onContribution(h, src, payload);
            }
            signal();
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
            return recordMismatch(h.sequence(), rank, mine, src, sig);
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
                    return recordMismatch(h.sequence(), r, round.from[r], src, sig);
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
                    receiveChunk(round, h.kind().elements, h, src, payload);
                }
            }
            case REDUCE_LONG, REDUCE_DOUBLE -> {
                if (h.total() != 8 || payload.readableBytes() != 8) {
                    throw new ProtocolException("reduction frame with " + payload.readableBytes() + " bytes of data");
                }
                round.values[src] = payload.readLongLE();
                round.complete[src] = true;
            }
            default -> {
                if (!h.kind().isExchange()) {
                    throw new ProtocolException("collective frame of kind " + h.kind() + " as a contribution");
                }
                receiveChunk(round, h.kind().elements, h, src, payload);
            }
        }
        return null;
    }

    /** Copies one frame of {@code src}'s stream into its array, allocated at the first frame. */
    private static void receiveChunk(Round round, Elements<?> type, Header h, int src, ByteBuf payload) {
        if (round.streams[src] == null) {
            round.streams[src] = ChunkAssembler.start("collective", src, type, h.total());
        }
        round.complete[src] = round.streams[src].accept(h.offset(), h.total(), payload);
    }

    /**
     * Numbers a collective and checks it against frames that came early; the caller has checked that it may
     * call one, runs it and calls {@link #end()} in a {@code finally}.
     *
     * @return the collective's number
     */
    long begin(Signature mine) {
        Thread me = Thread.currentThread();
        if (!busy.compareAndSet(null, me)) {
            throw new IllegalStateException("node " + rank + ": collectives are called by one thread of a node at a"
                    + " time, and " + busy.get() + " is in one");
        }
        boolean begun = false;
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
                            abort = recordMismatch(seq, rank, mine, r, early.from[r]);
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
            begun = true;
            return seq;
        } finally {
            if (!begun) {
                busy.set(null);
            }
        }
    }

    /** Ends the collective {@link #begin} numbered: another may start. */
    void end() {
        busy.set(null);
    }

    /** Waits for the contributions a collective needs: from {@code root} only, or from all ({@code -1}). */
    Round await(long seq, Signature mine, int root) {
        DirectReader direct = reader;
        if (direct == null) {
            return awaitSignal(seq, mine, root);
        }
        while (true) {
            long seen = changes;
            lock.lock();
            try {
                Round round = arrived(seq, mine, root);
                if (round != null) {
                    return round;
                }
            } finally {
                lock.unlock();
            }
            // Outside the lock: what the reads hand over takes it.
            BooleanSupplier changed = () -> changes != seen;
            if (!poller.poll(
                    () -> {
                        direct.readReady();
                        return changed.getAsBoolean();
                    },
                    Long.MAX_VALUE)) {
                direct.sleep(Long.MAX_VALUE, changed);
                direct.readReady();
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new MeldException(
                        "node " + rank + " was interrupted in collective #" + seq + ", " + mine.describe());
            }
        }
    }

    /** {@link #await} for a node without direct channels: frames come on I/O threads, which signal. */
    private Round awaitSignal(long seq, Signature mine, int root) {
        lock.lock();
        try {
            while (true) {
                Round round = arrived(seq, mine, root);
                if (round != null) {
                    return round;
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

    /**
     * Under lock: the round, taken out, once every contribution {@link #await} waits for is in, or {@code
     * null} while some are missing.
     *
     * @throws CollectiveMismatchException when a peer it waits for closed, or the collectives broke
     * @throws NodeFailedException when a peer it waits for failed
     */
    private Round arrived(long seq, Signature mine, int root) {
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
            Throwable failure = peers.failure(r);
            if (failure != null) {
                throw new NodeFailedException(
                        r,
                        "node " + r + " failed while node " + rank + " waited for it in collective #" + seq + ", "
                                + mine.describe() + ": " + failure.getMessage(),
                        failure);
            }
        }
        if (!done) {
            return null;
        }
        return round != null ? rounds.remove(seq) : new Round(size);
    }

    /** Under lock: something a waiting thread may be waiting for changed. */
    private void signal() {
        changed.signalAll();
        changes++;
        DirectReader direct = reader;
        if (direct != null) {
            direct.wake();
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
    private String recordMismatch(long seq, int a, Signature sa, int b, Signature sb) {
        String why = "nodes called different collectives as their collective #" + seq + ": node " + a + " called "
                + sa.describe() + ", node " + b + " called " + sb.describe()
                + "; every node must call the same collectives in the same order";
        if (broken == null) {
            broken = new CollectiveMismatchException(why);
        }
        signal();
        return broken.getMessage();
    }

    private Signature signatureAt(long seq) {
        int slot = (int) (seq % HISTORY);
        return historySequence[slot] == seq ? history[slot] : null;
    }

    private void sendAbort(String why) {
        CollectiveSender sender = this.sender;
        if (sender == null) {
            return; // not started: start() sends it
        }
        sender.sendAbort(0 == lastSequence ? 1 : lastSequence, why.getBytes(StandardCharsets.UTF_8));
    }
}
