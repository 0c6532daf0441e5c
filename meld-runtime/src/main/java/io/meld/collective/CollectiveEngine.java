package io.meld.collective;

import io.meld.CollectiveMismatchException;
import io.meld.NodeFailedException;
import io.meld.collective.CollectiveCodec.Kind;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.transport.FrameHandler;
import io.meld.transport.Link;
import io.meld.wire.Elements;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleBinaryOperator;
import java.util.function.IntFunction;
import java.util.function.LongBinaryOperator;
import java.util.function.Supplier;

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
 * <h2>Mismatch detection and closing</h2>
 *
 * The {@link RoundKeeper} numbers every collective, checks it against what the other nodes called, and
 * keeps what arrives for it; a node that receives arrays of different lengths in an element-wise
 * collective fails it on every node through the keeper. {@link #close(Duration)} runs the {@link
 * ClosingHandshake}. The {@link CollectiveSender} puts the frames on the wire, each element type is
 * handled by its {@link Elements} and each operator by its {@link Fold}: this class decides only who sends
 * what to whom, and what to compute.
 *
 * <h2>Callers</h2>
 *
 * Collectives are called by the program's thread of every node. A call from a remote task's body (it runs
 * on one node) or while a {@code forall} runs its body on this node (the loop is a collective itself, and
 * ends with one) would be numbered as the node's next collective, matched against whatever the other
 * nodes call next, and reported, if at all, as a mismatch with a collective the program never called.
 * So such a call fails at once, before it is numbered, naming the task or the loop ({@link #checkCaller}):
 * a task's thread is marked ({@link #enterTask}), a loop marks the node while its body runs ({@link
 * #beginLoop}).
 *
 * <h2>Concurrency</h2>
 *
 * Collectives are called by one program thread at a time (the keeper refuses a second one); {@link #task}
 * is per thread, {@link #loop} and {@link #sender} are volatile, read without a lock. Frames arrive on the
 * transport's I/O threads and go to the keeper, which guards everything they share.
 */
public final class CollectiveEngine implements FrameHandler, NodeService {
    private final int size;
    private final RoundKeeper keeper;
    private final ClosingHandshake closing;
    private volatile int rank = -1;
    /** Sends this node's frames; {@code null} until {@link #start}. */
    private volatile CollectiveSender sender;
    /** The node's direct channels, read by the thread that waits in a collective; {@code null} for none. */
    private volatile DirectReader direct;

    /** What the calling thread runs when it is a remote task's body, or {@code null}. */
    private final ThreadLocal<String> task = new ThreadLocal<>();
    /** The loop that runs its body on this node now, or {@code null}. */
    private volatile Supplier<String> loop;

    /**
     * @param size the number of nodes
     */
    public CollectiveEngine(int size) {
        this.size = size;
        this.keeper = new RoundKeeper(size);
        this.closing = new ClosingHandshake(keeper);
    }

    /**
     * Starts taking part: frames that arrived earlier were kept and are used now.
     *
     * @param node this node's rank, its connected links, and its peers, told of a peer the sender
     *     cannot reach
     */
    @Override
    public void start(NodeContext node) {
        CollectiveSender sender = new CollectiveSender(node.rank(), size, node.links(), node.peers());
        this.sender = sender;
        this.rank = node.rank();
        DirectReader direct = DirectReader.open(node.rank(), node.peers());
        this.direct = direct;
        keeper.start(node.rank(), sender, node.peers(), node.poller(), direct);
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
        RuntimeException mismatch = keeper.mismatch();
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
            sender.sendToPeers(seq, mine, -1, Elements.BYTES, null);
            keeper.await(seq, mine, -1);
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
        long[] bits = allReduceBits(Kind.REDUCE_LONG, Fold.longOpCode(op), value);
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
        long[] bits = allReduceBits(Kind.REDUCE_DOUBLE, Fold.doubleOpCode(op), Double.doubleToRawLongBits(value));
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
        return reduceElements(Kind.REDUCE_LONGS, Elements.LONGS, values, Fold.longs(op, 0), root);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @param root the node that gets the result
     * @return on the root, a new array of the folds; {@code null} elsewhere
     */
    public double[] reduce(double[] values, DoubleBinaryOperator op, int root) {
        return reduceElements(Kind.REDUCE_DOUBLES, Elements.DOUBLES, values, Fold.doubles(op, 0), root);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array of the element-wise folds in rank order, the same on every node
     */
    public long[] allReduce(long[] values, LongBinaryOperator op) {
        return reduceElements(Kind.ALL_REDUCE_LONGS, Elements.LONGS, values, Fold.longs(op, 0), -1);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array of the element-wise folds in rank order, the same on every node
     */
    public double[] allReduce(double[] values, DoubleBinaryOperator op) {
        return reduceElements(Kind.ALL_REDUCE_DOUBLES, Elements.DOUBLES, values, Fold.doubles(op, 0), -1);
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
        return scanElements(Kind.SCAN_LONG, Elements.LONGS, new long[] {value}, Fold.longs(op, 0), false)[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @return the fold of the values of ranks {@code 0..rank}, in rank order
     */
    public double scanDouble(double value, DoubleBinaryOperator op) {
        return scanElements(Kind.SCAN_DOUBLE, Elements.DOUBLES, new double[] {value}, Fold.doubles(op, 0), false)[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @param identity what rank 0 gets
     * @return the fold of the values of ranks {@code 0..rank-1}, in rank order; {@code identity} on rank 0
     */
    public long exclusiveScanLong(long value, LongBinaryOperator op, long identity) {
        return scanElements(
                Kind.EXCLUSIVE_SCAN_LONG, Elements.LONGS, new long[] {value}, Fold.longs(op, identity), true)[0];
    }

    /**
     * @param value this node's value
     * @param op the operator
     * @param identity what rank 0 gets
     * @return the fold of the values of ranks {@code 0..rank-1}, in rank order; {@code identity} on rank 0
     */
    public double exclusiveScanDouble(double value, DoubleBinaryOperator op, double identity) {
        return scanElements(
                Kind.EXCLUSIVE_SCAN_DOUBLE, Elements.DOUBLES, new double[] {value}, Fold.doubles(op, identity), true)[
                0];
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @return a new array: element {@code i} is the fold of element {@code i} of ranks {@code 0..rank}
     */
    public long[] scan(long[] values, LongBinaryOperator op) {
        return scanElements(Kind.SCAN_LONGS, Elements.LONGS, values, Fold.longs(op, 0), false);
    }

    /** @see #scan(long[], LongBinaryOperator) */
    public double[] scan(double[] values, DoubleBinaryOperator op) {
        return scanElements(Kind.SCAN_DOUBLES, Elements.DOUBLES, values, Fold.doubles(op, 0), false);
    }

    /**
     * @param values this node's array; every node passes the same length
     * @param op the operator
     * @param identity every element of rank 0's result
     * @return a new array: element {@code i} is the fold of element {@code i} of ranks {@code 0..rank-1}
     */
    public long[] exclusiveScan(long[] values, LongBinaryOperator op, long identity) {
        return scanElements(Kind.EXCLUSIVE_SCAN_LONGS, Elements.LONGS, values, Fold.longs(op, identity), true);
    }

    /** @see #exclusiveScan(long[], LongBinaryOperator, long) */
    public double[] exclusiveScan(double[] values, DoubleBinaryOperator op, double identity) {
        return scanElements(Kind.EXCLUSIVE_SCAN_DOUBLES, Elements.DOUBLES, values, Fold.doubles(op, identity), true);
    }

    /**
     * The closing handshake: tells every peer this node is leaving and waits until each has done the
     * same or failed, at most {@code timeout}. A program thread still waiting in a collective fails.
     *
     * @param timeout how long to wait for the peers
     * @return the ranks of the peers that neither closed nor failed in time (empty when all did)
     */
    public List<Integer> close(Duration timeout) {
        return closing.close(sender, timeout);
    }

    /**
     * A node has failed (its link went down without CLOSE, or it left the view): collectives that still
     * need it fail with {@link NodeFailedException}.
     *
     * @param node the failed node
     * @param cause what showed it
     */
    @Override
    public void onPeerFailed(int node, Throwable cause) {
        keeper.nodeFailed();
    }

    /** Stops watching the direct channels; the closing handshake, {@link #close(Duration)}, ran before. */
    @Override
    public void close() {
        DirectReader d = direct;
        if (d != null) {
            d.close();
        }
    }

    /**
     * For tests: whether this node holds a frame of its collective {@code seq} from {@code peer} that it
     * has not used yet.
     */
    boolean holds(long seq, int peer) {
        return keeper.holds(seq, peer);
    }

    @Override
    public void onFrame(Link link, int flags, ByteBuf payload) {
        keeper.onFrame(link, payload);
    }

    /**
     * Checks the root and the operator of a collective, in that order, before the caller checks its data
     * and before the collective is numbered: a call that fails here did not happen.
     *
     * @param fold the operator, or {@code null} for kinds without one
     * @return this node's signature
     */
    private Signature prepare(Kind kind, Fold<?> fold, int root) {
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
            sender.sendToPeers(seq, mine, -1, Elements.LONGS, new long[] {bits});
            long[] values = keeper.await(seq, mine, -1).values;
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
                sender.sendToPeers(seq, mine, -1, type, data);
                keeper.await(seq, mine, -1);
                return data;
            }
            // An empty frame tells the root this node has arrived.
            sender.sendToPeers(seq, mine, root, type, null);
            return keeper.await(seq, mine, root).arrays(type)[root];
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
        A[] result = round.arrays(type);
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
        return exchange(mine, type, root, r -> null, root).arrays(type)[root];
    }

    private <A> A[] allToAllArrays(Kind kind, Elements<A> type, A[] data) {
        Signature mine = prepare(kind, null, -1);
        checkPerRank(kind, data);
        A[] result = exchange(mine, type, -1, r -> data[r], -1).arrays(type);
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
    private <A> A reduceElements(Kind kind, Elements<A> type, A values, Fold<A> fold, int root) {
        Signature mine = prepare(kind, fold, root);
        Objects.requireNonNull(values, kind.call + " values");
        boolean all = root == -1;
        boolean gets = all || rank == root;
        Round round = exchange(mine, type, gets ? -1 : root, r -> all || r == root ? values : null, gets ? -1 : root);
        if (!gets) {
            return null;
        }
        A[] byRank = round.arrays(type);
        byRank[rank] = values;
        int length = type.length(values);
        checkLengths(type, byRank, mine, length, size);
        return fold.fold(byRank, size, length);
    }

    private <A> A scanElements(Kind kind, Elements<A> type, A values, Fold<A> fold, boolean exclusive) {
        Signature mine = prepare(kind, fold, -1);
        Objects.requireNonNull(values, kind.call + " values");
        // Data to higher ranks, which fold it in; an empty frame to lower ones, so that every node waits
        // for every other and none runs ahead.
        A[] byRank = exchange(mine, type, -1, r -> r > rank ? values : null, -1).arrays(type);
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
                throw keeper.fail("nodes passed arrays of different lengths to " + mine.describe() + ": node "
                        + rank + " passed " + length + " elements, node " + r + " passed " + theirs + " elements"
                        + "; an element-wise collective needs the same length on every node");
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
                    sender.sendTo(r, seq, mine, type, toPeer.apply(r));
                }
            }
            return keeper.await(seq, mine, waitFor);
        } finally {
            end();
        }
    }

    /**
     * Checks that the calling thread may call a collective, then numbers it; the caller runs it and calls
     * {@link #end()} in a {@code finally}.
     *
     * @return the collective's number
     */
    private long begin(Signature mine) {
        checkCaller(mine::describe);
        return keeper.begin(mine);
    }

    /** Ends the collective {@link #begin} numbered. */
    private void end() {
        keeper.end();
    }
}
