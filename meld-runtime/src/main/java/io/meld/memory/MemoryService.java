package io.meld.memory;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.Signal;
import io.meld.codec.ObjectCodec;
import io.meld.collective.CollectiveEngine;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.transport.DirectChannel;
import io.meld.transport.FrameDescriptor;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.TransportSettings;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's global memory: the arrays it takes part in, the delegation of operations on remote elements
 * to their homes, and the combining of those operations per destination. This class issues operations
 * and wires the parts that each do one thing: the arrays ({@link ArrayTable}, which also allocates),
 * every thread's way out ({@link Senders}, {@link Sender}, {@link OpBuffer}), fence tracking ({@link
 * Fences}), the waiting policy ({@link Waiting}), the flusher agent ({@link Flusher}), the home's and the
 * caller's frame handlers ({@link HomeHandler}, {@link ReplyHandler}) and bulk transfers ({@link Bulk}).
 *
 * <h2>Paths</h2>
 *
 * <ul>
 *   <li>A blocking or async operation on an element this node holds runs on the calling thread,
 *       directly on the chunk ({@link Atomics}); the array classes do that without coming here, after
 *       {@link #settleLocal()}.
 *   <li>A fire-and-forget operation on an element this node holds (unless {@code
 *       meld.memory.local-batching} is off) goes into the calling thread's
 *       buffer for this node, like a remote one, and is applied on this node by the same loops that
 *       apply a peer's frame ({@link HomeHandler#applyLocal}) when the buffer is sent. A run of atomic
 *       updates to random elements then costs one memory round trip per many updates in flight, where
 *       updates issued one at a time through an object's fields wait for each other: the loads that
 *       find the next element cannot run ahead of the previous atomic instruction.
 *   <li>Any other operation is appended to the calling thread's combining buffer for the element's
 *       home ({@link Sender}, {@link OpBuffer}). Fire-and-forget operations stop there; async ones
 *       register a {@link Pending} first; blocking ones also send the buffer at once and wait. A buffer
 *       leaves as one {@code MEMORY_OPS} frame when full, when its thread fences or blocks on that
 *       node, or when {@linkplain Flusher the flusher} finds it idle for {@code meld.memory.flush-delay}.
 *   <li>A blocking operation whose thread's buffer for the home is empty, and whose thread has nothing
 *       in flight there ({@link Sender#settled}), goes alone on the node's {@linkplain DirectChannel
 *       direct channel} to the home if no other thread holds it: the calling thread writes the frame
 *       and reads the answer itself ({@link Waiting#awaitDirect}), with no I/O thread on its side.
 *   <li>At the home, {@link HomeHandler} applies each frame on the I/O thread that read it, in order,
 *       and answers on the same connection; {@link ReplyHandler} completes the waiting operations, on
 *       the I/O thread that reads the answer or on the thread that reads its direct channel.
 * </ul>
 *
 * <h2>Ordering and completion</h2>
 *
 * A thread's operations to one home share one buffer and one connection (the thread keeps to one lane,
 * see {@code meld.transport.lanes}), and a home applies a connection's frames in order on one thread: so
 * they apply in issue order, while the lanes of one peer are applied by several I/O threads in
 * parallel. {@link #fence()} sends the thread's buffers, then a FENCE request on every connection that
 * carried operations nobody has waited for since its last fence ({@link Fences}); a home answers a FENCE after applying
 * everything that arrived before it on that connection, which covers every frame any thread of this
 * node handed to it earlier (so also the operations of loops and tasks the thread joined, once they have
 * sent their buffers). A frame whose sender waits for the answer to its last operation (a blocking
 * operation, a bulk get) is applied whole by the time that answer comes, so it leaves its connection as
 * it was: a program that only reads remotely between barriers pays no fence round trips.
 *
 * <h2>Memory bound</h2>
 *
 * Combining buffers take at most threads x nodes x {@code meld.memory.buffer-size}, created on
 * first use; frames in flight at most (nodes - 1) x {@code meld.transport.send-buffer} before senders
 * wait.
 *
 * <h2>Concurrency</h2>
 *
 * Any thread issues operations through its own {@link Sender}. I/O threads run the two handlers. The
 * flusher thread sends idle buffers (taking each through its state word, see {@link OpBuffer}), sweeps
 * timed-out operations and forgets the buffers of threads that ended. The array table ({@link ArrayTable})
 * is copy-on-write so that I/O threads read it without locks; allocation and freeing are collectives,
 * called by one thread of the node at a time. I/O threads also run the callbacks of async
 * operations; a blocking wait there for an answer that same thread must read is refused ({@link
 * #checkMayWaitFor}).
 */
public final class MemoryService implements NodeService {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryService.class);

    private static final VarHandle LOCAL_DIRTY;

    static {
        try {
            LOCAL_DIRTY = MethodHandles.lookup().findVarHandle(MemoryService.class, "localDirty", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int size;
    private final Fences fences;

    private final long timeoutNanos;
    private final boolean batchLocal;
    /** log2 of {@code meld.memory.chunk-size}. */
    private final int maxChunkShift;

    final PendingRequests pending = new PendingRequests();
    private final Senders senders;

    /**
     * How many buffers of this node's own elements hold operations: counted up before a buffer takes its
     * first one and down once it has been applied, so a thread that reads 0 knows its own buffered local
     * operations are applied, and sees what applying them wrote (volatile read after the decrement).
     */
    @SuppressWarnings("unused") // through LOCAL_DIRTY
    private volatile int localDirty;

    private final Waiting waiting;

    private final ArrayTable arrays;
    /** Which peers failed; the node's table, set at start (no operation runs before). */
    private volatile PeerTable peers;

    private final HomeHandler home;
    private final ReplyHandler replies;
    private volatile int rank = -1;
    private int lanes = 1;
    private final CollectiveEngine collectives;
    /** Sends idle buffers, sweeps timed-out operations; the node's flusher agent. */
    private final Flusher flusher;

    private volatile boolean closed;

    /**
     * @param size the number of nodes
     * @param config the node's configuration ({@link MemorySettings})
     * @param collectives the node's collectives, for allocation and freeing
     */
    public MemoryService(int size, MeldConfig config, CollectiveEngine collectives) {
        this.size = size;
        this.collectives = collectives;
        long buffer = config.get(MemorySettings.BUFFER_SIZE);
        long maxPayload = config.get(TransportSettings.MAX_FRAME_SIZE) - FrameDescriptor.HEADER_LENGTH;
        if (!config.isSet(MemorySettings.BUFFER_SIZE)) {
            buffer = Math.min(buffer, maxPayload);
        } else if (buffer > maxPayload) {
            throw new ConfigException(MemorySettings.BUFFER_SIZE.name() + "=" + buffer + " (from "
                    + config.source(MemorySettings.BUFFER_SIZE) + ") exceeds the frame payload of " + maxPayload
                    + " bytes (" + TransportSettings.MAX_FRAME_SIZE.name() + " less " + FrameDescriptor.HEADER_LENGTH
                    + ")");
        }
        this.senders = new Senders(this, size, (int) buffer);
        this.fences = new Fences(this, size);
        this.flusher = new Flusher(
                senders.buffers(),
                config.get(MemorySettings.FLUSH_DELAY).toNanos(),
                now -> pending.expire(now, this::timeoutMessage));
        this.timeoutNanos = config.get(MemorySettings.TIMEOUT).toNanos();
        this.batchLocal = config.get(MemorySettings.LOCAL_BATCHING);
        this.waiting = new Waiting(this);
        long chunkSize = config.get(MemorySettings.CHUNK_SIZE);
        if (Long.bitCount(chunkSize) != 1) {
            throw new ConfigException(MemorySettings.CHUNK_SIZE.name() + "=" + chunkSize + " (from "
                    + config.source(MemorySettings.CHUNK_SIZE) + ") is not a power of two");
        }
        this.maxChunkShift = Long.numberOfTrailingZeros(chunkSize);
        this.arrays = new ArrayTable(size, maxChunkShift, collectives);
        this.home = new HomeHandler(this);
        this.replies = new ReplyHandler(this);
    }

    /** @return the handler of {@link FrameType#MEMORY_OPS} frames */
    public FrameHandler opsHandler() {
        return home::onOps;
    }

    /** @return the handler of {@link FrameType#BULK_PUT} frames */
    public FrameHandler bulkPutHandler() {
        return home::onBulkPut;
    }

    /** @return the handler of {@link FrameType#MEMORY_REPLIES} frames */
    public FrameHandler repliesHandler() {
        return replies::onReplies;
    }

    /** @return the handler of {@link FrameType#BULK_DATA} frames */
    public FrameHandler bulkDataHandler() {
        return replies::onBulkData;
    }

    /**
     * Starts serving: the node is connected and knows its rank.
     *
     * @param node this node's rank, its connected links, and its peers (a wait for a flag ends when
     *     every other node has closed, since none writes this node's flags again)
     */
    @Override
    public void start(NodeContext node) {
        this.rank = node.rank();
        this.peers = node.peers();
        Links links = node.links();
        this.lanes = links.lanes();
        senders.start(lanes);
        waiting.start(rank, lanes, links, node.poller());
        fences.start(rank, lanes);
        flusher.start(rank, node.failStop());
    }

    /**
     * Allocates a {@code long} array; a collective.
     *
     * @param name the name
     * @param length the length
     * @param distribution the distribution
     * @return the handle
     */
    public GlobalLongArray longArray(String name, long length, Distribution distribution) {
        checkOpen();
        return new LongArrayImpl(this, arrays.allocate(rank, name, false, length, distribution));
    }

    /**
     * Allocates a {@code double} array; a collective.
     *
     * @param name the name
     * @param length the length
     * @param distribution the distribution
     * @return the handle
     */
    public GlobalDoubleArray doubleArray(String name, long length, Distribution distribution) {
        checkOpen();
        return new DoubleArrayImpl(this, arrays.allocate(rank, name, true, length, distribution));
    }

    /**
     * Waits until every operation the calling thread issued is complete at its home; see {@link
     * io.meld.Meld#fence()}.
     */
    public void fence() {
        checkOpen();
        Sender sender = existingSender();
        if (sender != null) {
            sender.flushAll();
            RuntimeException lost = sender.takeFailure();
            if (lost != null) {
                throw lost;
            }
        }
        fences.fence(sender);
    }

    /**
     * Sends the buffers of every thread (best effort), so that operations issued before the node closes
     * leave before its closing handshake.
     */
    public void flushAll() {
        senders.flushIdle((b, e) -> LOG.debug(
                "node {} could not send buffered operations to node {}: {}", rank, b.destination, e.toString()));
    }

    /**
     * A node failed: operations waiting on it fail; new ones find it in the peer table and fail too.
     *
     * @param node the node
     * @param cause what showed it
     */
    @Override
    public void onPeerFailed(int node, Throwable cause) {
        pending.failNode(node, cause);
        wakeAllWaiters();
    }

    /** Stops the flusher and fails every operation still waiting. */
    @Override
    public void close() {
        closed = true;
        for (GlobalStorage s : arrays.snapshot()) {
            if (s != null) {
                s.state = GlobalStorage.NODE_CLOSED;
            }
        }
        flusher.close();
        pending.failAll(p -> new IllegalStateException(p.describe() + " failed: node " + rank + " closed"));
        wakeAllWaiters();
    }

    // ---------------------------------------------------------------------------------------------
    // Issuing operations (called by the array classes for elements of other nodes)

    /** Runs one operation at a remote home and waits for its answer. */
    long call(GlobalStorage s, int dest, int opcode, int operation, long slot, long a, long b, long index) {
        checkOpen();
        Sender sender = sender();
        if (waiting.onIoThreadOf(dest, sender.lane)) {
            throw waiting.mayNotWait(dest, OpCodec.name(opcode) + "(" + s.name + "[" + index + "])");
        }
        Pending.Blocking p = new Pending.Blocking(dest, System.nanoTime() + timeoutNanos, s, opcode, index);
        int id = pending.register(p);
        OpBuffer buffer = sender.buffer(dest);
        DirectChannel direct = null;
        long mark;
        buffer.acquire();
        try {
            direct = direct(sender, buffer);
            mark = sender.unawaitedMark(dest);
            buffer.append(opcode, baseFlags(s), operation, s.id, id, slot, a, b);
            if (direct != null) {
                buffer.flushAwaited(direct);
            } else {
                buffer.flushAwaited();
            }
        } catch (RuntimeException e) {
            pending.forget(id);
            if (direct != null) {
                direct.release();
                fences.carriedDirect(dest);
            } else {
                unsettle(dest, sender.lane);
            }
            throw e;
        } finally {
            buffer.release();
        }
        if (direct != null) {
            try {
                return awaitDirect(direct, p, id);
            } catch (RuntimeException e) {
                fences.carriedDirect(dest);
                throw e;
            } finally {
                direct.release();
            }
        }
        try {
            long value = await(p, id);
            sender.covered(dest, mark);
            return value;
        } catch (RuntimeException e) {
            unsettle(dest, sender.lane);
            throw e;
        }
    }

    /**
     * The direct channel a blocking call may take to {@code buffer}'s node, held now, or {@code null} for
     * the lane: when the buffer is empty (so the request goes alone, and its answer is all that comes
     * back), nothing the thread sent to the node is in flight (so the request overtakes none of its
     * operations), the thread is a platform thread (a virtual one would hold its carrier while it polls),
     * and no other thread holds the channel.
     */
    private DirectChannel direct(Sender sender, OpBuffer buffer) {
        int dest = buffer.destination;
        if (!buffer.isEmptyForOwner()
                || !sender.settled(dest)
                || Thread.currentThread().isVirtual()) {
            return null;
        }
        DirectChannel d = peers.direct(dest);
        return d != null && d.tryAcquire() ? d : null;
    }

    /** Queues one operation for a remote home; the future completes with its answer. */
    <T> CompletableFuture<T> callAsync(
            GlobalStorage s,
            int dest,
            int opcode,
            int operation,
            long slot,
            long a,
            long b,
            long index,
            Pending.Future.Converter<T> converter) {
        checkOpen();
        Sender sender = sender();
        MeldFuture<T> future = new MeldFuture<>(this, sender, dest);
        Pending.Future<T> p =
                new Pending.Future<>(dest, System.nanoTime() + timeoutNanos, s, opcode, index, future, converter);
        int id = pending.register(p);
        // A destination that failed before this registration was swept by onPeerFailed already, which
        // would leave this future waiting out the timeout: fail it here. Registering first, then
        // reading the failure (both volatile, as the peer table records it before onPeerFailed sweeps), means
        // one of the two sees the other.
        Throwable failure = peers.failure(dest);
        if (failure != null) {
            pending.forget(id);
            p.fail(new NodeFailedException(
                    dest, p.describe() + " failed: node " + dest + " failed: " + failure.getMessage(), failure));
            return future;
        }
        OpBuffer buffer = sender.buffer(dest);
        buffer.acquire();
        try {
            buffer.append(opcode, baseFlags(s), operation, s.id, id, slot, a, b);
        } catch (RuntimeException e) {
            pending.forget(id);
            throw e;
        } finally {
            buffer.release();
        }
        return future;
    }

    /** Queues one fire-and-forget operation for a remote home. */
    void post(GlobalStorage s, int dest, int opcode, int operation, long slot, long a) {
        if (closed) {
            checkOpen();
        }
        OpBuffer buffer = sender().buffer(dest);
        buffer.acquire();
        try {
            buffer.append(opcode, baseFlags(s), operation, s.id, 0, slot, a, 0);
        } finally {
            buffer.release();
        }
    }

    /**
     * Sends one fire-and-forget operation to a remote home at once, with whatever the thread's buffer for
     * that home held before it, in one hold of the buffer: a signal that someone waits for, which should
     * neither wait for the flusher nor wake it.
     */
    void postNow(GlobalStorage s, int dest, int opcode, long slot, long a) {
        if (closed) {
            checkOpen();
        }
        OpBuffer buffer = sender().buffer(dest);
        buffer.acquire();
        try {
            buffer.append(opcode, baseFlags(s), 0, s.id, 0, slot, a, 0);
            buffer.flush();
        } finally {
            buffer.release();
        }
    }

    /**
     * Queues one fire-and-forget operation with one operand for each slot of {@code slots[from, to)}, all
     * homed at {@code dest}, taking the buffer once.
     */
    void postAll(GlobalStorage s, int dest, int opcode, long[] slots, int from, int to, long a) {
        if (closed) {
            checkOpen();
        }
        OpBuffer buffer = sender().buffer(dest);
        buffer.acquire();
        try {
            buffer.appendAll(opcode, baseFlags(s), s.id, a, slots, from, to);
        } finally {
            buffer.release();
        }
    }

    /**
     * Queues one fire-and-forget operation per slot of {@code slots[from, to)}, all homed at {@code dest},
     * each with its own operand from {@code operands}, taking the buffer once.
     */
    void postEach(
            GlobalStorage s, int dest, int opcode, int operation, long[] slots, long[] operands, int from, int to) {
        if (closed) {
            checkOpen();
        }
        OpBuffer buffer = sender().buffer(dest);
        buffer.acquire();
        try {
            int flags = baseFlags(s);
            for (int i = from; i < to; i++) {
                buffer.append(opcode, flags, operation, s.id, 0, slots[i], operands[i], 0);
            }
        } finally {
            buffer.release();
        }
    }

    /** Copies {@code [from, from + length)} into {@code dst} ({@code long[]} or {@code double[]}). */
    void bulkGet(GlobalStorage s, long from, Object dst, int offset, int length) {
        checkOpen();
        Bulk.get(this, s, from, dst, offset, length);
    }

    /** Copies {@code src} ({@code long[]} or {@code double[]}) into {@code [from, from + length)}. */
    void bulkPut(GlobalStorage s, long from, Object src, int offset, int length) {
        checkOpen();
        Bulk.put(this, s, from, src, offset, length);
    }

    /**
     * Copies {@code src} into {@code [from, from + length)}, then applies {@code signal}; see {@link
     * Bulk#putSignal}.
     */
    void bulkPut(GlobalStorage s, long from, Object src, int offset, int length, Signal signal) {
        checkOpen();
        if (!(signal.array() instanceof LongArrayImpl flags) || flags.service != this) {
            throw new IllegalArgumentException(
                    "the signal's array " + signal.array() + " is not one of node " + rank + "'s arrays");
        }
        Bulk.putSignal(
                this,
                s,
                from,
                src,
                offset,
                length,
                flags,
                signal.index(),
                signal.op() == Signal.Op.ADD,
                signal.value());
    }

    /**
     * Lets array handles cross in remote tasks: as their id, arriving as this node's handle of the same
     * array.
     *
     * @param codec the node's codec
     */
    public void registerHandles(ObjectCodec codec) {
        codec.handles(LongArrayImpl.class, h -> h.storage.id, id -> arrived(id, LongArrayImpl.class));
        codec.handles(DoubleArrayImpl.class, h -> h.storage.id, id -> arrived(id, DoubleArrayImpl.class));
    }

    /**
     * @param array a handle of this node
     * @return the id every node knows its array by
     */
    public int id(GlobalArray array) {
        return ((ArrayHandle) array).storage.id;
    }

    /**
     * @param id an array's id
     * @param type {@code GlobalLongArray}, {@code GlobalDoubleArray} or an implementation of one
     * @param <T> the type
     * @return a handle of this node for the array
     * @throws MeldException when this node has no such array, naming the id
     */
    public <T> T arrived(long id, Class<T> type) {
        GlobalStorage s = id > 0 && id < Integer.MAX_VALUE ? array((int) id) : null;
        Object handle = s == null ? null : s.isDouble ? new DoubleArrayImpl(this, s) : new LongArrayImpl(this, s);
        if (!type.isInstance(handle)) {
            throw new MeldException("a task refers to global array #" + id + ", which node " + rank
                    + " does not have (freed, or not allocated here)");
        }
        return type.cast(handle);
    }

    /** Frees an array; a collective. */
    void free(GlobalStorage s) {
        checkOpen();
        collectives.checkCaller(() -> "close() of global " + s.describe() + " '" + s.name + "'");
        fence();
        collectives.barrier();
        s.state = GlobalStorage.FREED;
        s.wakeWaiters();
        arrays.remove(s);
    }

    // ---------------------------------------------------------------------------------------------
    // Plumbing shared with the buffers, the handlers and the bulk transfers

    int rank() {
        return rank;
    }

    /** @return every peer's state, once started */
    PeerTable peers() {
        return peers;
    }

    /** @return whether fire-and-forget operations on this node's elements go through buffers */
    boolean batchesLocal() {
        return batchLocal;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** @return this thread's sender, created on first use */
    Sender sender() {
        return senders.sender();
    }

    /** @return this thread's sender, or {@code null} when it never sent anything */
    Sender existingSender() {
        return senders.existing();
    }

    /**
     * Sends the buffers of the given threads (which must not be adding to them now, e.g. the workers of
     * a loop that has ended) and of the senders virtual threads share, so that a fence of the calling
     * thread covers what they issued.
     */
    public void flushFor(Collection<Thread> threads) {
        senders.flushFor(threads);
    }

    void register(OpBuffer buffer) {
        senders.register(buffer);
    }

    /** A buffer went from empty to holding operations. */
    void dirtied(int destination) {
        flusher.dirtied();
        if (destination == rank) {
            LOCAL_DIRTY.getAndAdd(this, 1);
        }
    }

    /** A buffer was left holding operations: the flusher must look at it, so it must not sleep. */
    void wakeFlusher() {
        flusher.wake();
    }

    /** A buffer was sent (or, for this node's own, applied) and is empty again. */
    void cleaned(int destination) {
        flusher.cleaned();
        if (destination == rank) {
            LOCAL_DIRTY.getAndAdd(this, -1);
        }
    }

    /**
     * Sends a buffer's bytes as one MEMORY_OPS frame; a buffer of this node's own elements is applied
     * here instead, on the calling thread.
     */
    void sendOps(Sender sender, int dest, byte[] data, int length, boolean unawaitedFrame, DirectChannel direct) {
        if (dest == rank) {
            home.applyLocal(data, length);
            return;
        }
        Link link = direct != null ? direct : linkTo(dest, sender.lane);
        ByteBuf frame = link.newFrame(FrameType.MEMORY_OPS, 0, length);
        frame.writeBytes(data, 0, length);
        link.send(frame);
        if (unawaitedFrame) {
            fences.carried(dest, sender.lane); // after the hand-off: a fence sends its FENCE behind the frame
            sender.sentUnawaited(dest);
        }
    }

    /**
     * A request sent with {@link OpBuffer#flushAwaited} got no answer (timeout, interruption, failure), or
     * frames left that nobody waits for: they, and what the buffer held before them, may not be applied,
     * so the next fence must cover their connection, and the thread's next blocking call to {@code dest}
     * must not overtake them.
     */
    void unsettle(int dest, int lane) {
        fences.carried(dest, lane);
        sender().sentUnawaited(dest);
    }

    /** @return the link to {@code dest} on {@code lane} */
    Link linkTo(int dest, int lane) {
        return peers.require(dest, lane);
    }

    /** Refuses to wait for {@code dest}'s answer on the I/O thread that must read it; see {@link Waiting}. */
    void checkMayWaitFor(int dest, int lane, String what) {
        waiting.checkMayWaitFor(dest, lane, what);
    }

    /** @return the connections to each peer ({@code meld.transport.lanes}) */
    int lanes() {
        return lanes;
    }

    /** @return the array with this id, or {@code null} */
    GlobalStorage array(int id) {
        return arrays.get(id);
    }

    /** Waits for a blocking operation's answer, by the node's {@linkplain Waiting waiting policy}. */
    long await(Pending.Blocking p, int id) {
        return waiting.await(p, id);
    }

    /** Waits for an answer on the direct channel the calling thread holds; see {@link Waiting#awaitDirect}. */
    long awaitDirect(DirectChannel d, Pending.Blocking p, int id) {
        return waiting.awaitDirect(d, p, id);
    }

    /**
     * Waits until a local {@code long} element satisfies {@code condition} ({@link
     * io.meld.GlobalLongArray#waitUntil}); sends what the thread queued first, since whoever is to set the
     * flag may be waiting for it.
     *
     * @param timeoutNanos how long to wait at most, or -1 for no limit
     */
    long waitUntil(GlobalStorage s, long[] chunk, int pos, long index, LongPredicate condition, long timeoutNanos) {
        long value = (long) Atomics.LONGS.getVolatile(chunk, pos);
        if (condition.test(value)) {
            return value;
        }
        String what = "waitUntil on element " + index + " of array '" + s.name + "'";
        waiting.checkNotIoThread(what);
        Sender own = existingSender();
        if (own != null) {
            own.flushAll();
        }
        return waiting.waitUntil(s, chunk, pos, what, condition, timeoutNanos);
    }

    /** Wakes every thread in {@link #waitUntil}, to look at the node's state again. */
    private void wakeAllWaiters() {
        for (GlobalStorage s : arrays.snapshot()) {
            if (s != null) {
                s.wakeWaiters();
            }
        }
    }

    /**
     * Applies the calling thread's pending fire-and-forget operations on this node's elements, so that
     * an operation it issues next on a local element comes after them (issue order to one home).
     */
    void settleLocal() {
        // Most calls find no buffer of this node's own elements holding anything: one load decides.
        if ((int) LOCAL_DIRTY.getAcquire(this) != 0) {
            Sender s = existingSender();
            if (s != null) {
                s.flushIfPending(rank);
            }
        }
    }

    /** Flushes one sender's buffer on behalf of a thread waiting for an async result. */
    void flushFor(Sender sender, int dest) {
        if (sender.thread == null || sender.thread == Thread.currentThread()) {
            sender.flush(dest);
        } else {
            flusher.wake();
        }
    }

    String timeoutMessage(Pending p) {
        return p.describe() + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + "ms (meld.memory.timeout) on node " + rank;
    }

    private static int baseFlags(GlobalStorage s) {
        return (s.narrow ? 0 : OpCodec.WIDE) | (s.isDouble ? OpCodec.DOUBLE : 0);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("node " + rank + " is closed");
        }
    }
}
