package io.meld.collective;

import io.meld.CollectiveMismatchException;
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
import java.util.function.IntFunction;
import java.util.function.LongBinaryOperator;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's side of every collective: barrier, reductions (all-reduce of values and arrays, reduce to a
 * root), broadcast, gather, all-gather, scatter, all-to-all, inclusive and exclusive scans, and the
 * closing handshake.
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
 * <p>The other collectives are one round of direct streams too ({@code exchange}): each node sends each
 * peer it pairs with an array, or an empty frame that only says it has arrived, and waits for the streams
 * it needs. All-gather, all-to-all and the element-wise all-reduce send to every peer; a scan sends its
 * array to the higher ranks and empty frames to the lower ones. Gather and reduce to a root send the
 * data to the root, which sends every node an empty frame; scatter is broadcast with a different array
 * per receiver. So in every collective each node hears from the root or from everybody: no node returns
 * before the root (or every node) has reached the collective, and none can run more than one collective
 * ahead of another and pile up data there. Element-wise operations fold in rank order, so every node
 * gets the same bits, and a node that receives an array of another length than its own fails the
 * collective everywhere, as a mismatch.
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
 * lengths). It fails in its next collective instead.
 *
 * <h2>Callers</h2>
 *
 * Collectives are called by the program's thread of every node. A call from a remote task's body (it runs
 * on one node) or while a {@code forall} runs its body on this node (the loop is a collective itself, and
 * ends with one) would be numbered as the node's next collective, matched against whatever the other
 * nodes call next, and reported, if at all, as a mismatch with a collective the program never called.
 * So such a call fails at once, before it is numbered, naming the task or the loop ({@link #checkCaller}):
 * a task's thread is marked ({@link #enterTask}), a loop marks the node while its body runs ({@link
 * #beginLoop}). After a mismatch every collective fails with it, at once, on every node: the nodes no
 * longer agree on what their next collective is.
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
 * One program thread at a time calls the collectives ({@link #busy} refuses a second one); {@link #task}
 * is per thread, {@link #loop} and {@link #broken} are volatile, read without the lock. Frames arrive
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
    /** The first mismatch; written under {@link #lock}, volatile for {@link #checkCaller}. */
    private volatile RuntimeException broken;

    private boolean closing;
    /** What the calling thread runs when it is a remote task's body, or {@code null}. */
    private final ThreadLocal<String> task = new ThreadLocal<>();
    /** The loop that runs its body on this node now, or {@code null}. */
    private volatile Supplier<String> loop;

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

    /**
     * Checks that the calling thread may call a collective now; the collectives check it themselves, and
     * the calls that consist of collectives (loops, allocation) check it first, under their own name.
     *
     * @param call what the program called, e.g. {@code barrier()}; asked only for a message
     * @throws IllegalStateException when the thread runs a remote task's body, or this node runs a loop's
     *     body (collectives are called by the program's thread of every node), naming both
     * @throws CollectiveMismatchException the first mismatch, when there was one
     */
    public void checkCaller(Supplier<String> call) {
        String inTask = task.get();
        Supplier<String> inLoop = loop;
        if (inTask != null || inLoop != null) {
            String where = inTask != null
                    ? "inside " + inTask + " on node " + rank
                    : "inside the body of " + inLoop.get() + " on node " + rank
                            + " (or by another thread while it runs)";
            throw new IllegalStateException(call.get() + " called " + where + ": collectives are called by the"
                    + " program's thread of every node, in the same order, never from a "
                    + (inTask != null
                            ? "task, which runs on one node only"
                            : "loop's body, as the loop is a collective itself")
                    + "; call it before or after the " + (inTask != null ? "at or finish" : "loop"));
        }
        RuntimeException mismatch = broken;
        if (mismatch != null) {
            throw new CollectiveMismatchException(mismatch.getMessage());
        }
    }

    /**
     * Marks the calling thread as running a remote task's body until {@link #exitTask}: a collective it
     * calls fails, naming the task.
     *
     * @param what the task, for the message, e.g. {@code the body of at(1, ...) from node 0}
     * @return what the thread ran before, to hand to {@link #exitTask}
     */
    public String enterTask(String what) {
        String outer = task.get();
        task.set(what);
        return outer;
    }

    /**
     * Ends {@link #enterTask}.
     *
     * @param outer what it returned
     */
    public void exitTask(String outer) {
        if (outer == null) {
            task.remove();
        } else {
            task.set(outer);
        }
    }

    /**
     * Marks this node as running a loop's body until {@link #endLoop}: a collective called meanwhile, by
     * any thread, fails naming the loop. Called by the loop's thread, which has checked it may call a
     * collective ({@link #checkCaller}).
     *
     * @param what the loop, for the message, e.g. {@code forall(...) over [0, 100)}; asked only then
     */
    public void beginLoop(Supplier<String> what) {
        loop = what;
    }

    /** Ends {@link #beginLoop}: the loop's own closing collective may follow. */
    public void endLoop() {
        loop = null;
    }

    /** Waits until every node has called it. */
    public void barrier() {
        Signature mine = new Signature(Kind.BARRIER, CollectiveCodec.OP_NONE, -1);
        long seq = begin(mine);
        try {
            sendToPeers(seq, mine, -1, Elements.BYTES, null);
            await(seq, mine, -1);
        } finally {
            end();
        }
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of every node's value in rank order
     */
    public long allReduceLong(long value, LongBinaryOperator op) {
        long[] bits = allReduceBits(Kind.REDUCE_LONG, Elements.Longs.opCode(op), value);
        long acc = bits[0];
        for (int r = 1; r < size; r++) {
            acc = op.applyAsLong(acc, bits[r]);
        }
        return acc;
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of every node's value in rank order
     */
    public double allReduceDouble(double value, DoubleBinaryOperator op) {
        long[] bits = allReduceBits(Kind.REDUCE_DOUBLE, Elements.Doubles.opCode(op), Double.doubleToRawLongBits(value));
        double acc = Double.longBitsToDouble(bits[0]);
        for (int r = 1; r < size; r++) {
            acc = op.applyAsDouble(acc, Double.longBitsToDouble(bits[r]));
        }
        return acc;
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public long[] broadcast(long[] data, int root) {
        return broadcast(Kind.BROADCAST_LONGS, Elements.LONGS, data, root);
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public double[] broadcast(double[] data, int root) {
        return broadcast(Kind.BROADCAST_DOUBLES, Elements.DOUBLES, data, root);
    }

    /**
     * @param data the root's array, ignored elsewhere
     * @param root the root
     * @return the root's array
     */
    public byte[] broadcast(byte[] data, int root) {
        return broadcast(Kind.BROADCAST_BYTES, Elements.BYTES, data, root);
    }

    /**
     * Combines every node's array element by element, in rank order, at the root.
     *
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @param root the node that gets the result
     * @return on the root, a new array of the folds; {@code null} elsewhere
     */
    public long[] reduce(long[] values, LongBinaryOperator op, int root) {
        return reduceElements(Kind.REDUCE_LONGS, Elements.LONGS, values, Elements.LONGS.fold(op, 0), root);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @param root the node that gets the result
     * @return on the root, a new array of the folds; {@code null} elsewhere
     */
    public double[] reduce(double[] values, DoubleBinaryOperator op, int root) {
        return reduceElements(Kind.REDUCE_DOUBLES, Elements.DOUBLES, values, Elements.DOUBLES.fold(op, 0), root);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array of the element-wise folds in rank order, the same on every node
     */
    public long[] allReduce(long[] values, LongBinaryOperator op) {
        return reduceElements(Kind.ALL_REDUCE_LONGS, Elements.LONGS, values, Elements.LONGS.fold(op, 0), -1);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array of the element-wise folds in rank order, the same on every node
     */
    public double[] allReduce(double[] values, DoubleBinaryOperator op) {
        return reduceElements(Kind.ALL_REDUCE_DOUBLES, Elements.DOUBLES, values, Elements.DOUBLES.fold(op, 0), -1);
    }

    /**
     * @param data this node's array, any length
     * @param root the node that gets them all
     * @return on the root, every node's array by rank (its own is {@code data}); {@code null} elsewhere
     */
    public byte[][] gather(byte[] data, int root) {
        return gatherArrays(Kind.GATHER_BYTES, Elements.BYTES, data, root);
    }

    /** @see #gather(byte[], int) */
    public long[][] gather(long[] data, int root) {
        return gatherArrays(Kind.GATHER_LONGS, Elements.LONGS, data, root);
    }

    /** @see #gather(byte[], int) */
    public double[][] gather(double[] data, int root) {
        return gatherArrays(Kind.GATHER_DOUBLES, Elements.DOUBLES, data, root);
    }

    /**
     * @param data this node's array, any length
     * @return every node's array by rank (this node's is {@code data})
     */
    public byte[][] allGather(byte[] data) {
        return gatherArrays(Kind.ALL_GATHER_BYTES, Elements.BYTES, data, -1);
    }

    /** @see #allGather(byte[]) */
    public long[][] allGather(long[] data) {
        return gatherArrays(Kind.ALL_GATHER_LONGS, Elements.LONGS, data, -1);
    }

    /** @see #allGather(byte[]) */
    public double[][] allGather(double[] data) {
        return gatherArrays(Kind.ALL_GATHER_DOUBLES, Elements.DOUBLES, data, -1);
    }

    /**
     * @param data on the root, one array per rank (any lengths); ignored elsewhere
     * @param root the node whose arrays are handed out
     * @return the array for this node: on the root, {@code data[root]} itself
     */
    public byte[] scatter(byte[][] data, int root) {
        return scatterArrays(Kind.SCATTER_BYTES, Elements.BYTES, data, root);
    }

    /** @see #scatter(byte[][], int) */
    public long[] scatter(long[][] data, int root) {
        return scatterArrays(Kind.SCATTER_LONGS, Elements.LONGS, data, root);
    }

    /** @see #scatter(byte[][], int) */
    public double[] scatter(double[][] data, int root) {
        return scatterArrays(Kind.SCATTER_DOUBLES, Elements.DOUBLES, data, root);
    }

    /**
     * @param data one array per rank, any lengths: {@code data[r]} goes to node {@code r}
     * @return what every node sent this one, by rank ({@code data[rank]} itself for this node)
     */
    public byte[][] allToAll(byte[][] data) {
        return allToAllArrays(Kind.ALL_TO_ALL_BYTES, Elements.BYTES, data);
    }

    /** @see #allToAll(byte[][]) */
    public long[][] allToAll(long[][] data) {
        return allToAllArrays(Kind.ALL_TO_ALL_LONGS, Elements.LONGS, data);
    }

    /** @see #allToAll(byte[][]) */
    public double[][] allToAll(double[][] data) {
        return allToAllArrays(Kind.ALL_TO_ALL_DOUBLES, Elements.DOUBLES, data);
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of the values of ranks {@code 0..rank}, in rank order
     */
    public long scanLong(long value, LongBinaryOperator op) {
        return scanElements(Kind.SCAN_LONG, Elements.LONGS, new long[] {value}, Elements.LONGS.fold(op, 0), false)[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of the values of ranks {@code 0..rank}, in rank order
     */
    public double scanDouble(double value, DoubleBinaryOperator op) {
        return scanElements(
                Kind.SCAN_DOUBLE, Elements.DOUBLES, new double[] {value}, Elements.DOUBLES.fold(op, 0), false)[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @param identity what rank 0 gets
     * @return the fold of the values of ranks {@code 0..rank-1}, in rank order; {@code identity} on rank 0
     */
    public long exclusiveScanLong(long value, LongBinaryOperator op, long identity) {
        return scanElements(
                Kind.EXCLUSIVE_SCAN_LONG, Elements.LONGS, new long[] {value}, Elements.LONGS.fold(op, identity), true)[
                0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @param identity what rank 0 gets
     * @return the fold of the values of ranks {@code 0..rank-1}, in rank order; {@code identity} on rank 0
     */
    public double exclusiveScanDouble(double value, DoubleBinaryOperator op, double identity) {
        return scanElements(
                Kind.EXCLUSIVE_SCAN_DOUBLE,
                Elements.DOUBLES,
                new double[] {value},
                Elements.DOUBLES.fold(op, identity),
                true)[0];
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array: element {@code i} is the fold of element {@code i} of ranks {@code 0..rank}
     */
    public long[] scan(long[] values, LongBinaryOperator op) {
        return scanElements(Kind.SCAN_LONGS, Elements.LONGS, values, Elements.LONGS.fold(op, 0), false);
    }

    /** @see #scan(long[], LongBinaryOperator) */
    public double[] scan(double[] values, DoubleBinaryOperator op) {
        return scanElements(Kind.SCAN_DOUBLES, Elements.DOUBLES, values, Elements.DOUBLES.fold(op, 0), false);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @param identity every element of rank 0's result
     * @return a new array: element {@code i} is the fold of element {@code i} of ranks {@code 0..rank-1}
     */
    public long[] exclusiveScan(long[] values, LongBinaryOperator op, long identity) {
        return scanElements(Kind.EXCLUSIVE_SCAN_LONGS, Elements.LONGS, values, Elements.LONGS.fold(op, identity), true);
    }

    /** @see #exclusiveScan(long[], LongBinaryOperator, long) */
    public double[] exclusiveScan(double[] values, DoubleBinaryOperator op, double identity) {
        return scanElements(
                Kind.EXCLUSIVE_SCAN_DOUBLES, Elements.DOUBLES, values, Elements.DOUBLES.fold(op, identity), true);
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
        byte[] why;
        lock.lock();
        try {
            if (closing) {
                return List.of();
            }
            closing = true;
            seq = ++lastSequence;
            why = broken == null ? new byte[0] : broken.getMessage().getBytes(StandardCharsets.UTF_8);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // A node that closes after a mismatch says which: a peer still waiting for it may not have heard
        // the abort yet (it can come from a third node, on another connection), and should fail with the
        // mismatch, not with the close it caused.
        Signature close = new Signature(Kind.CLOSE, CollectiveCodec.OP_NONE, -1);
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                Link link = transport == null ? null : transport.link(r);
                if (link != null) {
                    try {
                        send(link, seq, close, Elements.BYTES, why, 0, why.length, why.length);
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
                case CLOSE -> {
                    if (payload.isReadable() && broken == null) {
                        broken = new CollectiveMismatchException(payload.toString(StandardCharsets.UTF_8));
                    }
                    closedAt[src] = h.sequence();
                }
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
    private static <A> void receiveChunk(Round round, Elements<A> type, Header h, int src, ByteBuf payload) {
        A[] arrays = type.arrays(round);
        if (arrays[src] == null) {
            arrays[src] = type.allocate((int) (h.total() / type.size));
            round.totals[src] = h.total();
        }
        if (h.offset() != round.received[src] || h.total() != round.totals[src]) {
            throw new ProtocolException("collective chunk from node " + src + " at offset " + h.offset() + " of "
                    + h.total() + " bytes, expected offset " + round.received[src] + " of " + round.totals[src]);
        }
        int chunk = payload.readableBytes();
        ByteBuffer bytes = payload.nioBuffer(payload.readerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
        type.decode(bytes, arrays[src], (int) (h.offset() / type.size), chunk / type.size);
        round.received[src] += chunk;
        if (round.received[src] == round.totals[src]) {
            round.complete[src] = true;
        }
    }

    /**
     * Checks the root and the operator of a collective, in that order, before the caller checks its data
     * and before the collective is numbered: a call that fails here did not happen.
     *
     * @param fold the operator, or {@code null} for kinds without one
     * @return this node's signature
     */
    private Signature prepare(Kind kind, Elements.Fold<?> fold, int root) {
        if (kind.rooted && (root < 0 || root >= size)) {
            throw new IllegalArgumentException(kind.call + " root " + root + " is not a rank of this cluster of " + size
                    + " nodes (0.." + (size - 1) + ")");
        }
        return new Signature(kind, fold == null ? CollectiveCodec.OP_NONE : fold.code(), kind.rooted ? root : -1);
    }

    /** A scalar all-reduce: every node's value as its bits, by rank. */
    private long[] allReduceBits(Kind kind, int op, long bits) {
        Signature mine = new Signature(kind, op, -1);
        long seq = begin(mine);
        try {
            sendToPeers(seq, mine, -1, Elements.LONGS, new long[] {bits});
            long[] values = await(seq, mine, -1).values;
            values[rank] = bits;
            return values;
        } finally {
            end();
        }
    }

    private <A> A broadcast(Kind kind, Elements<A> type, A data, int root) {
        Signature mine = prepare(kind, null, root);
        if (root == rank) {
            // Checked before the collective is numbered: the call did not happen, so the peers that are
            // already waiting for this broadcast still get it from the root's next, corrected call.
            Objects.requireNonNull(data, "broadcast data on the root");
        }
        long seq = begin(mine);
        try {
            if (root == rank) {
                sendToPeers(seq, mine, -1, type, data);
                await(seq, mine, -1);
                return data;
            }
            // An empty frame tells the root this node has arrived.
            sendToPeers(seq, mine, root, type, null);
            return type.arrays(await(seq, mine, root))[root];
        } finally {
            end();
        }
    }

    /** Gather ({@code root >= 0}) or all-gather ({@code root == -1}). */
    private <A> A[] gatherArrays(Kind kind, Elements<A> type, A data, int root) {
        Signature mine = prepare(kind, null, root);
        Objects.requireNonNull(data, kind.call + " data");
        boolean all = root == -1;
        // Gather: the data to the root, and an empty frame from the root to each node (so none runs ahead).
        boolean gets = all || rank == root;
        Round round = exchange(mine, type, gets ? -1 : root, r -> all || r == root ? data : null, gets ? -1 : root);
        if (!gets) {
            return null;
        }
        A[] result = type.arrays(round);
        result[rank] = data;
        return result;
    }

    private <A> A scatterArrays(Kind kind, Elements<A> type, A[] data, int root) {
        Signature mine = prepare(kind, null, root);
        if (root == rank) {
            checkPerRank(kind, data);
            exchange(mine, type, -1, r -> data[r], -1);
            return data[root];
        }
        return type.arrays(exchange(mine, type, root, r -> null, root))[root];
    }

    private <A> A[] allToAllArrays(Kind kind, Elements<A> type, A[] data) {
        Signature mine = prepare(kind, null, -1);
        checkPerRank(kind, data);
        A[] result = type.arrays(exchange(mine, type, -1, r -> data[r], -1));
        result[rank] = data[rank];
        return result;
    }

    private <A> void checkPerRank(Kind kind, A[] data) {
        Objects.requireNonNull(data, kind.call + " data");
        if (data.length != size) {
            throw new IllegalArgumentException(kind.call + " data has " + data.length + " arrays for a cluster of "
                    + size + " nodes: it needs one per rank");
        }
        for (int r = 0; r < size; r++) {
            if (data[r] == null) {
                throw new NullPointerException(kind.call + " data[" + r + "] (for node " + r + ") is null");
            }
        }
    }

    /** Reduce to a root ({@code root >= 0}) or all-reduce ({@code root == -1}), element by element. */
    private <A> A reduceElements(Kind kind, Elements<A> type, A values, Elements.Fold<A> fold, int root) {
        Signature mine = prepare(kind, fold, root);
        Objects.requireNonNull(values, kind.call + " values");
        boolean all = root == -1;
        boolean gets = all || rank == root;
        Round round = exchange(mine, type, gets ? -1 : root, r -> all || r == root ? values : null, gets ? -1 : root);
        if (!gets) {
            return null;
        }
        A[] byRank = type.arrays(round);
        byRank[rank] = values;
        int length = type.length(values);
        checkLengths(type, byRank, mine, length, size);
        return fold.fold(byRank, size, length);
    }

    private <A> A scanElements(Kind kind, Elements<A> type, A values, Elements.Fold<A> fold, boolean exclusive) {
        Signature mine = prepare(kind, fold, -1);
        Objects.requireNonNull(values, kind.call + " values");
        // Data to higher ranks, which fold it in; an empty frame to lower ones, so that every node waits
        // for every other and none runs ahead.
        A[] byRank = type.arrays(exchange(mine, type, -1, r -> r > rank ? values : null, -1));
        byRank[rank] = values;
        int length = type.length(values);
        checkLengths(type, byRank, mine, length, rank);
        return fold.fold(byRank, exclusive ? rank : rank + 1, length);
    }

    /**
     * Element-wise collectives need one length on every node: a node that sees another length among ranks
     * {@code 0..to-1} fails the collective on every node, as a mismatch.
     */
    private <A> void checkLengths(Elements<A> type, A[] byRank, Signature mine, int length, int to) {
        for (int r = 0; r < to; r++) {
            if (r == rank) {
                continue;
            }
            int theirs = type.length(byRank[r]);
            if (theirs != length) {
                String why;
                lock.lock();
                try {
                    why = "nodes passed arrays of different lengths to " + mine.describe() + ": node " + rank
                            + " passed " + length + " elements, node " + r + " passed " + theirs + " elements"
                            + "; an element-wise collective needs the same length on every node";
                    if (broken == null) {
                        broken = new CollectiveMismatchException(why);
                    }
                    why = broken.getMessage();
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                sendAbort(why);
                throw new CollectiveMismatchException(why);
            }
        }
    }

    /**
     * Runs a collective in which this node sends every peer ({@code to == -1}) or one its stream, then waits
     * for the streams of every peer ({@code waitFor == -1}) or of one.
     *
     * @param toPeer the array for a peer, or {@code null} for an empty frame that only says this node arrived
     * @return what arrived
     */
    private <A> Round exchange(Signature mine, Elements<A> type, int to, IntFunction<A> toPeer, int waitFor) {
        long seq = begin(mine);
        try {
            for (int r = 0; r < size; r++) {
                if (r != rank && (to == -1 || r == to)) {
                    sendTo(r, seq, mine, type, toPeer.apply(r));
                }
            }
            return await(seq, mine, waitFor);
        } finally {
            end();
        }
    }

    /** Sends every peer ({@code to == -1}) or one the same array, or an empty frame for {@code null}. */
    private <A> void sendToPeers(long seq, Signature sig, int to, Elements<A> type, A data) {
        for (int r = 0; r < size; r++) {
            if (r != rank && (to == -1 || r == to)) {
                sendTo(r, seq, sig, type, data);
            }
        }
    }

    /** Sends one peer this node's stream of a collective: an array, or an empty frame for {@code null}. */
    private <A> void sendTo(int peer, long seq, Signature sig, Elements<A> type, A data) {
        Link link = transport.link(peer);
        if (link == null) {
            nodeFailed(peer, new MeldException("no link to node " + peer));
            return;
        }
        try {
            if (data == null) {
                send(link, seq, sig, type, null, 0, 0, 0);
            } else {
                stream(link, seq, sig, type, data);
            }
        } catch (NodeFailedException e) {
            nodeFailed(peer, e);
        }
    }

    /**
     * Numbers a collective and checks it against frames that came early; the caller runs it and calls
     * {@link #end()} in a {@code finally}.
     *
     * @return the collective's number
     */
    private long begin(Signature mine) {
        checkCaller(mine::describe);
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
            begun = true;
            return seq;
        } finally {
            if (!begun) {
                busy.set(null);
            }
        }
    }

    /** Ends the collective {@link #begin} numbered: another may start. */
    private void end() {
        busy.set(null);
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
                    send(
                            link,
                            0 == lastSequence ? 1 : lastSequence,
                            abort,
                            Elements.BYTES,
                            text,
                            0,
                            text.length,
                            text.length);
                } catch (RuntimeException e) {
                    LOG.debug("could not send the abort to node {}: {}", r, e.toString());
                }
            }
        }
    }

    /** Sends an array as frames of at most the maximum payload, each chunk a whole number of elements. */
    private static <A> void stream(Link link, long seq, Signature sig, Elements<A> type, A array) {
        long total = (long) type.length(array) * type.size;
        int chunkMax = (link.maxPayload() - CollectiveCodec.HEADER_LENGTH) / 8 * 8;
        long offset = 0;
        do {
            int chunk = (int) Math.min(chunkMax, total - offset);
            send(link, seq, sig, type, array, offset, chunk, total);
            offset += chunk;
        } while (offset < total);
    }

    /**
     * Encodes and sends one frame: {@code chunk} bytes of {@code data} from byte {@code offset} of its
     * {@code total}; {@code data} may be {@code null} when {@code chunk} is 0.
     */
    private static <A> void send(
            Link link, long seq, Signature sig, Elements<A> type, A data, long offset, int chunk, long total) {
        ByteBuf frame = link.newFrame(FrameType.COLLECTIVE, 0, CollectiveCodec.HEADER_LENGTH + chunk);
        CollectiveCodec.encode(frame, seq, sig.kind(), sig.op(), sig.root(), total, offset);
        if (chunk > 0) {
            frame.ensureWritable(chunk);
            ByteBuffer out = frame.nioBuffer(frame.writerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
            type.encode(data, (int) (offset / type.size), chunk / type.size, out);
            frame.writerIndex(frame.writerIndex() + chunk);
        }
        link.send(frame);
    }
}
