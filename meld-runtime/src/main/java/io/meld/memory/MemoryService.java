package io.meld.memory;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import io.meld.Signal;
import io.meld.codec.ObjectCodec;
import io.meld.collective.CollectiveEngine;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.transport.FrameDescriptor;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.TransportSettings;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's global memory: the arrays it takes part in, the delegation of operations on remote elements
 * to their homes, and the combining of those operations per destination.
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
 *   <li>At the home, {@link HomeHandler} applies each frame on the I/O thread that read it, in order,
 *       and answers on the same connection; {@link ReplyHandler} completes the waiting operations.
 * </ul>
 *
 * <h2>Ordering and completion</h2>
 *
 * A thread's operations to one home share one buffer and one connection (the thread keeps to one lane,
 * see {@code meld.transport.lanes}), and a home applies a connection's frames in order on one thread: so
 * they apply in issue order, while the lanes of one peer are applied by several I/O threads in
 * parallel. {@link #fence()} sends the thread's buffers, then a FENCE request on every connection that
 * carried operations nobody has waited for since its last fence; a home answers a FENCE after applying
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
    private static final int RECENT = 256;
    /** The longest a thread in {@link #waitUntil} parks before it looks again: plain writes wake nobody. */
    private static final long WAIT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final VarHandle LOCAL_DIRTY;

    static {
        try {
            LOCAL_DIRTY = MethodHandles.lookup().findVarHandle(MemoryService.class, "localDirty", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int size;
    private final int bufferSize;
    /**
     * Per connection ({@code node * lanes + lane}): the frames handed to it that nobody waits for an answer
     * to, counted after the hand-off. A connection whose count equals {@link #fenced}'s needs no fence.
     */
    private AtomicLongArray unawaited;

    /** Per connection: how many of its {@link #unawaited} frames a completed fence covers. */
    private AtomicLongArray fenced;

    private final long timeoutNanos;
    private final boolean batchLocal;
    private final long spinNanos;
    /** log2 of {@code meld.memory.chunk-size}. */
    private final int maxChunkShift;

    final PendingRequests pending = new PendingRequests();
    private final ThreadLocal<Sender> senders = new ThreadLocal<>();

    /**
     * A cache of senders by thread id, in front of {@link #senders}: fewer dependent loads than a
     * ThreadLocal lookup, on every operation. Racy by design: an entry is a fully constructed sender
     * (final fields) or null, and a thread only ever uses an entry whose thread is itself.
     */
    private final Sender[] recent = new Sender[RECENT];

    /** The senders virtual threads share; see {@link #sharedSender}. */
    private final AtomicReferenceArray<Sender> shared =
            new AtomicReferenceArray<>(Math.max(2, Runtime.getRuntime().availableProcessors()));

    private final List<OpBuffer> buffers = new CopyOnWriteArrayList<>();

    /**
     * How many buffers of this node's own elements hold operations: counted up before a buffer takes its
     * first one and down once it has been applied, so a thread that reads 0 knows its own buffered local
     * operations are applied, and sees what applying them wrote (volatile read after the decrement).
     */
    @SuppressWarnings("unused") // through LOCAL_DIRTY
    private volatile int localDirty;
    /** Threads in {@link #await}: only one waiting alone polls. */
    private final AtomicInteger waiting = new AtomicInteger();

    private final AtomicInteger nextLane = new AtomicInteger();
    private final ArrayTable arrays = new ArrayTable();
    /** Which peers failed; the node's table, set at start (no operation runs before). */
    private volatile PeerTable peers;

    private final HomeHandler home;
    private final ReplyHandler replies;
    private volatile int rank = -1;
    private volatile Links links;
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
        this.bufferSize = (int) buffer;
        this.flusher = new Flusher(
                buffers,
                config.get(MemorySettings.FLUSH_DELAY).toNanos(),
                now -> pending.expire(now, this::timeoutMessage));
        this.timeoutNanos = config.get(MemorySettings.TIMEOUT).toNanos();
        this.batchLocal = config.get(MemorySettings.LOCAL_BATCHING);
        this.spinNanos = config.get(MemorySettings.SPIN).toNanos();
        long chunkSize = config.get(MemorySettings.CHUNK_SIZE);
        if (Long.bitCount(chunkSize) != 1) {
            throw new ConfigException(MemorySettings.CHUNK_SIZE.name() + "=" + chunkSize + " (from "
                    + config.source(MemorySettings.CHUNK_SIZE) + ") is not a power of two");
        }
        this.maxChunkShift = Long.numberOfTrailingZeros(chunkSize);
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
        this.unawaited = new AtomicLongArray(size * lanes);
        this.fenced = new AtomicLongArray(size * lanes);
        this.links = links;
        flusher.start(rank);
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
        return new LongArrayImpl(this, allocate(name, false, length, distribution));
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
        return new DoubleArrayImpl(this, allocate(name, true, length, distribution));
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
        for (int peer = 0; peer < size * lanes; peer++) {
            if (peer / lanes != rank) {
                checkMayWaitFor(peer / lanes, peer % lanes, "fence");
            }
        }
        List<Pending.Blocking> waits = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Integer> fencedLinks = new ArrayList<>();
        long[] seen = new long[size * lanes];
        RuntimeException first = null;
        for (int peer = 0; peer < size * lanes; peer++) {
            int r = peer / lanes;
            if (r == rank || (peers.isFailed(r) && !addressed(sender, r))) {
                continue;
            }
            seen[peer] = unawaited.get(peer);
            if (!peers.isFailed(r) && seen[peer] == fenced.get(peer)) {
                continue; // every frame it carried is applied: a fence or an awaited answer came after it
            }
            Pending.Blocking p = new Pending.Blocking(r, System.nanoTime() + timeoutNanos, null, OpCodec.FENCE, 0);
            int id = pending.register(p);
            try {
                Link link = linkTo(r, peer % lanes);
                ByteBuf frame = link.newFrame(FrameType.MEMORY_OPS, 0, OpRunDescriptor.FENCE_LENGTH);
                OpRunDescriptor.writeFence(frame, id);
                link.send(frame);
                waits.add(p);
                ids.add(id);
                fencedLinks.add(peer);
            } catch (RuntimeException e) {
                pending.forget(id);
                if (first == null && matters(e, sender, r)) {
                    first = e;
                }
            }
        }
        for (int i = 0; i < waits.size(); i++) {
            try {
                await(waits.get(i), ids.get(i));
                int peer = fencedLinks.get(i);
                fenced.accumulateAndGet(peer, seen[peer], Math::max);
            } catch (RuntimeException e) {
                if (first == null && matters(e, sender, waits.get(i).destination)) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Whether the calling thread ever addressed operations to {@code node}: a fence fails for a failed
     * node only then. A fence also covers the threads of a loop the caller waited for, whose buffers
     * are not the caller's; their operations to a failed node are lost with it, and the loop's closing
     * agreement, a collective with that node, fails instead.
     */
    private static boolean addressed(Sender sender, int node) {
        return sender != null && sender.addressed(node);
    }

    /** A fence's failure to reach {@code node} matters unless the node failed and was never addressed. */
    private static boolean matters(RuntimeException e, Sender sender, int node) {
        return !(e instanceof NodeFailedException) || addressed(sender, node);
    }

    /**
     * Sends the buffers of every thread (best effort), so that operations issued before the node closes
     * leave before its closing handshake.
     */
    public void flushAll() {
        for (OpBuffer b : buffers) {
            if (!b.looksEmpty() && b.tryAcquireForFlusher()) {
                try {
                    b.flush();
                } catch (RuntimeException e) {
                    LOG.debug(
                            "node {} could not send buffered operations to node {}: {}",
                            rank,
                            b.destination,
                            e.toString());
                } finally {
                    b.release();
                }
            }
        }
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
        if (onIoThreadOf(dest, sender.lane)) {
            throw mayNotWait(dest, OpCodec.name(opcode) + "(" + s.name + "[" + index + "])");
        }
        Pending.Blocking p = new Pending.Blocking(dest, System.nanoTime() + timeoutNanos, s, opcode, index);
        int id = pending.register(p);
        OpBuffer buffer = sender.buffer(dest);
        buffer.acquire();
        try {
            buffer.append(opcode, baseFlags(s), operation, s.id, id, slot, a, b);
            buffer.flushAwaited();
        } catch (RuntimeException e) {
            pending.forget(id);
            unsettle(dest, sender.lane);
            throw e;
        } finally {
            buffer.release();
        }
        try {
            return await(p, id);
        } catch (RuntimeException e) {
            unsettle(dest, sender.lane);
            throw e;
        }
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

    /** @return whether fire-and-forget operations on this node's elements go through buffers */
    boolean batchesLocal() {
        return batchLocal;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** @return this thread's sender, created on first use */
    Sender sender() {
        Thread t = Thread.currentThread();
        Sender s = recent[(int) t.threadId() & (RECENT - 1)];
        if (s != null && s.thread == t) {
            return s;
        }
        return senderSlow(t);
    }

    private Sender senderSlow(Thread t) {
        if (t.isVirtual()) {
            return sharedSender(t);
        }
        Sender s = senders.get();
        if (s == null) {
            s = new Sender(this, t, size, bufferSize, nextLane.getAndIncrement() % lanes);
            senders.set(s);
        }
        // A thread writes its slot once; two threads that share a slot take turns, each finding the
        // other there and falling back to the thread-local map.
        recent[(int) t.threadId() & (RECENT - 1)] = s;
        return s;
    }

    /** @return this thread's sender, or {@code null} when it never sent anything */
    Sender existingSender() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            return shared.get(stripe(t));
        }
        Sender s = recent[(int) t.threadId() & (RECENT - 1)];
        return s != null && s.thread == t ? s : senders.get();
    }

    /**
     * Virtual threads share a few senders (one per core, by thread id), taken in turns through their
     * buffers' state words: there may be millions of virtual threads, and each has few operations in
     * flight. A virtual thread always uses the same one, so its operations to a home keep their order.
     */
    private Sender sharedSender(Thread t) {
        int i = stripe(t);
        Sender s = shared.get(i);
        if (s == null) {
            s = new Sender(this, null, size, bufferSize, i % lanes);
            if (!shared.compareAndSet(i, null, s)) {
                s = shared.get(i);
            }
        }
        return s;
    }

    private int stripe(Thread t) {
        return (int) (t.threadId() % shared.length());
    }

    /**
     * Sends the buffers of the given threads (which must not be adding to them now, e.g. the workers of
     * a loop that has ended) and of the senders virtual threads share, so that a fence of the calling
     * thread covers what they issued.
     */
    public void flushFor(Collection<Thread> threads) {
        for (OpBuffer b : buffers) {
            if (b.owner.thread == null || threads.contains(b.owner.thread)) {
                while (!b.tryAcquireForFlusher()) {
                    Thread.onSpinWait();
                }
                try {
                    b.flush();
                } finally {
                    b.release();
                }
            }
        }
    }

    void register(OpBuffer buffer) {
        buffers.add(buffer);
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
    void sendOps(Sender sender, int dest, byte[] data, int length, boolean unawaitedFrame) {
        if (dest == rank) {
            home.applyLocal(data, length);
            return;
        }
        Link link = linkTo(dest, sender.lane);
        ByteBuf frame = link.newFrame(FrameType.MEMORY_OPS, 0, length);
        frame.writeBytes(data, 0, length);
        link.send(frame);
        if (unawaitedFrame) {
            // After the hand-off: a fence that sees this count sends its FENCE behind the frame.
            unawaited.incrementAndGet(dest * lanes + sender.lane);
        }
    }

    /**
     * A request sent with {@link OpBuffer#flushAwaited} got no answer (timeout, interruption, failure):
     * its frame, and what the buffer held before the request, may not be applied, so the next fence must
     * cover its connection.
     */
    void unsettle(int dest, int lane) {
        if (dest != rank) {
            unawaited.incrementAndGet(dest * lanes + lane);
        }
    }

    /** @return the link to {@code dest} on {@code lane} */
    Link linkTo(int dest, int lane) {
        Throwable f = peers.failure(dest);
        if (f != null) {
            throw new NodeFailedException(dest, "node " + dest + " has failed: " + f.getMessage(), f);
        }
        Link link = links.link(dest, lane);
        if (link == null || !link.isUp()) {
            throw new NodeFailedException(dest, "node " + dest + " is not connected", null);
        }
        return link;
    }

    /**
     * Refuses to wait for an answer from {@code dest} on the I/O thread that must read it: the wait
     * could only end by timing out, and would stall every connection of that thread meanwhile. Callbacks
     * of async operations run on I/O threads, so this is what a blocking call in one of them meets.
     *
     * @param dest the node whose answer the caller is about to wait for
     * @param lane the lane the answer comes on: the waiting operation's sender's
     * @param what the operation, for the message
     * @throws IllegalStateException when the calling thread is the I/O thread of that link
     */
    void checkMayWaitFor(int dest, int lane, String what) {
        if (onIoThreadOf(dest, lane)) {
            throw mayNotWait(dest, what);
        }
    }

    /** @return whether the calling thread is the I/O thread that reads {@code dest}'s answers on {@code lane} */
    private boolean onIoThreadOf(int dest, int lane) {
        Link link = links.link(dest, lane);
        return link != null && link.inIoThread();
    }

    /** @return the connections to each peer ({@code meld.transport.lanes}) */
    int lanes() {
        return lanes;
    }

    private IllegalStateException mayNotWait(int dest, String what) {
        return new IllegalStateException(what + " cannot wait for node " + dest + " on node " + rank
                + "'s I/O thread " + Thread.currentThread().getName() + ", which must read the answer: an"
                + " async operation's callback runs there. Use the async form, or move the blocking call off"
                + " that thread (thenApplyAsync, thenComposeAsync)");
    }

    /** @return the array with this id, or {@code null} */
    GlobalStorage array(int id) {
        return arrays.get(id);
    }

    /**
     * Waits for a blocking operation's answer: polls for up to {@code meld.memory.spin}, then parks until
     * the deadline. The poll takes an answer that comes within a round trip or two without the wake-up of
     * a parked thread, which on a virtual machine costs tens of microseconds, more than a loopback round
     * trip itself; a thread that polls has its answer the moment it lands.
     *
     * <p>Only a thread that waits alone on this node polls, and it stops as soon as another starts
     * waiting: threads that poll together take the cores the I/O threads need to bring their answers, so
     * when there are more waiters than cores every answer comes later (several times later for a few
     * threads per node on 2 cores) and the polls buy nothing. A virtual thread parks at once, giving its
     * carrier to the others.
     *
     * <p>The poll yields the processor between looks rather than only {@link Thread#onSpinWait()}, so
     * that a runnable thread (the I/O thread that must read this answer, or another JVM's on the same
     * machine) runs at once instead of after the poll. Two nodes sharing the cores that each wait alone
     * for the other (both reading the other's halo after a barrier) would otherwise each hold a core that
     * the other's I/O thread needs to answer, and each round trip would take about twice as long. A lone
     * waiter whose core nobody else wants loses nothing by the yield.
     */
    long await(Pending.Blocking p, int id) {
        int others = waiting.getAndIncrement();
        try {
            if (spinNanos > 0
                    && others == 0
                    && !p.isDone()
                    && !Thread.currentThread().isVirtual()) {
                long until = System.nanoTime() + spinNanos;
                while (!p.isDone() && System.nanoTime() - until < 0 && waiting.get() == 1) {
                    Thread.yield();
                }
            }
            while (!p.isDone()) {
                long left = p.deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    pending.forget(id);
                    p.fail(new MeldTimeoutException(timeoutMessage(p)));
                    break;
                }
                LockSupport.parkNanos(p, left);
                if (Thread.interrupted()) {
                    pending.forget(id);
                    p.fail(new MeldException(p.describe() + ": the waiting thread was interrupted"));
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            waiting.decrementAndGet();
        }
        return p.value();
    }

    /**
     * Waits until a local {@code long} element satisfies {@code condition} ({@link
     * io.meld.GlobalLongArray#waitUntil}). Polls like {@link #await} (for up to {@code meld.memory.spin},
     * yielding, when it is the only waiting thread of the node), then counts itself among the array's
     * waiters and parks: every operation that writes one of the array's elements wakes the waiters, and
     * so do a failure and the node's close. It parks at most {@link #WAIT_POLL_NANOS} at a time, to see
     * plain writes, which wake nobody.
     *
     * @param timeoutNanos how long to wait at most, or -1 for no limit
     * @throws NodeFailedException when a node has failed (the writer the thread waits for might be that one)
     * @throws MeldTimeoutException when the timeout passes first
     */
    long waitUntil(GlobalStorage s, long[] chunk, int pos, long index, LongPredicate condition, long timeoutNanos) {
        long value = (long) Atomics.LONGS.getVolatile(chunk, pos);
        if (condition.test(value)) {
            return value;
        }
        String what = "waitUntil on element " + index + " of array '" + s.name + "'";
        checkNotIoThread(what);
        // What this thread queued leaves now: whoever is to set the flag may be waiting for it.
        Sender own = existingSender();
        if (own != null) {
            own.flushAll();
        }
        long start = System.nanoTime();
        // Counted among the waiters only while it polls: a parked waitUntil leaves the cores to others.
        int others = waiting.getAndIncrement();
        try {
            if (spinNanos > 0 && others == 0 && !Thread.currentThread().isVirtual()) {
                long until = start + Math.min(spinNanos, timeoutNanos < 0 ? Long.MAX_VALUE : timeoutNanos);
                while (System.nanoTime() - until < 0 && waiting.get() == 1) {
                    value = (long) Atomics.LONGS.getVolatile(chunk, pos);
                    if (condition.test(value)) {
                        return value;
                    }
                    Thread.yield();
                }
            }
        } finally {
            waiting.decrementAndGet();
        }
        s.startWaiting();
        try {
            while (true) {
                value = (long) Atomics.LONGS.getVolatile(chunk, pos);
                if (condition.test(value)) {
                    return value;
                }
                RuntimeException end = endOfWait(s, what, value, timeoutNanos, start);
                if (end != null) {
                    // A last look: the write it waited for may have come with the news that ends the wait.
                    value = (long) Atomics.LONGS.getVolatile(chunk, pos);
                    if (condition.test(value)) {
                        return value;
                    }
                    throw end;
                }
                long park = WAIT_POLL_NANOS;
                if (timeoutNanos >= 0) {
                    park = Math.max(1, Math.min(park, timeoutNanos - (System.nanoTime() - start)));
                }
                LockSupport.parkNanos(s, park);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new MeldException(what + ": the waiting thread was interrupted");
                }
            }
        } finally {
            s.stopWaiting();
        }
    }

    /** @return why a {@link #waitUntil} whose condition does not hold must end, or {@code null} to go on */
    private RuntimeException endOfWait(GlobalStorage s, String what, long value, long timeoutNanos, long start) {
        if (s.state != GlobalStorage.LIVE) {
            return new IllegalStateException(what + ": the array " + s.stateText());
        }
        for (int r = 0; r < size; r++) {
            Throwable f = peers.failure(r);
            if (f != null) {
                return new NodeFailedException(
                        r, what + " on node " + rank + " failed: node " + r + " failed: " + f.getMessage(), f);
            }
        }
        if (peers.everyOtherClosed()) {
            return new MeldException("every other node has closed, so node " + rank + " waits in vain: " + what
                    + " (its value is " + value + ")");
        }
        if (timeoutNanos >= 0 && System.nanoTime() - start >= timeoutNanos) {
            return new MeldTimeoutException(what + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + "ms on node " + rank + "; its value is " + value);
        }
        return null;
    }

    /**
     * Refuses to wait on an I/O thread (an async operation's callback): the writes that would end the wait
     * arrive on I/O threads, maybe this one.
     */
    private void checkNotIoThread(String what) {
        for (int r = 0; r < size; r++) {
            for (int lane = 0; r != rank && lane < lanes; lane++) {
                if (onIoThreadOf(r, lane)) {
                    throw new IllegalStateException(what + " cannot wait on node " + rank + "'s I/O thread "
                            + Thread.currentThread().getName() + ", which applies the writes it waits for: an"
                            + " async operation's callback runs there. Move the wait off that thread"
                            + " (thenApplyAsync, thenComposeAsync)");
                }
            }
        }
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

    // ---------------------------------------------------------------------------------------------
    // Allocation

    private GlobalStorage allocate(String name, boolean isDouble, long length, Distribution distribution) {
        checkOpen();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(distribution, "distribution");
        String problem = null;
        if (name.isBlank()) {
            problem = "an array name must not be blank";
        } else if (length < 0) {
            problem = "array '" + name + "' length " + length + " is negative";
        } else if (arrays.hasName(name)) {
            problem = "an array named '" + name + "' is allocated already";
        }
        int id = arrays.takeId();
        GlobalStorage storage = null;
        if (problem == null) {
            try {
                storage = new GlobalStorage(id, name, isDouble, length, distribution, size, rank, maxChunkShift, false);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            } catch (OutOfMemoryError e) {
                problem = "node " + rank + " has no memory for its part of array '" + name + "' ("
                        + new ArrayLayout(length, size, distribution, maxChunkShift).partitionLength(rank)
                        + " elements): "
                        + e.getMessage();
            }
        }
        if (storage != null) {
            arrays.add(storage);
        }
        String mine = problem == null
                ? "'" + name + "' as " + (isDouble ? "double" : "long") + "[" + length + "] " + distribution
                        + (maxChunkShift == ArrayLayout.DEFAULT_MAX_CHUNK_SHIFT
                                ? ""
                                : " in chunks of up to " + (1L << maxChunkShift) + " (meld.memory.chunk-size)")
                : "error: " + problem;
        String[] all = allGather(mine);
        for (int r = 0; r < size; r++) {
            if (!all[r].equals(all[0])) {
                if (storage != null) {
                    arrays.remove(storage);
                }
                // Only gathered text, never this node's own arguments: every node throws the same message,
                // also when the nodes disagree on the name.
                throw new MeldException("nodes allocated an array differently: node 0 allocated " + all[0]
                        + ", node " + r + " allocated " + all[r]
                        + "; every node must allocate the same name, type, length and distribution, with the"
                        + " same meld.memory.chunk-size");
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return storage;
    }

    /** Every node's string, by rank; a collective (one broadcast per node, for a handful of bytes). */
    private String[] allGather(String mine) {
        String[] all = new String[size];
        byte[] bytes = mine.getBytes(StandardCharsets.UTF_8);
        for (int r = 0; r < size; r++) {
            all[r] = new String(collectives.broadcast(r == rank ? bytes : null, r), StandardCharsets.UTF_8);
        }
        return all;
    }
}
