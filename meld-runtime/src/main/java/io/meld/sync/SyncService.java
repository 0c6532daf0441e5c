package io.meld.sync;

import io.meld.Distribution;
import io.meld.GlobalCounter;
import io.meld.GlobalLatch;
import io.meld.GlobalLock;
import io.meld.GlobalLongArray;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.codec.ObjectCodec;
import io.meld.collective.Agreement;
import io.meld.collective.CollectiveEngine;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.memory.MemoryService;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's locks, latches and counters.
 *
 * <h2>Homes</h2>
 *
 * Each lock and latch has a home node, chosen from its name; the home keeps its state ({@link
 * LockState}: holder and FIFO queue; {@link LatchState}: count and waiters) and answers every request,
 * so requests to one object are handled one at a time, in the order they reach the home. A request
 * from the home node itself goes straight to the state; others travel as {@code SYNC} frames ({@link
 * SyncCodec}). Counters are one element of a global array, held by the counter's home.
 *
 * <h2>Waiting</h2>
 *
 * A thread that waits for a grant, an opening or a count registers a future under a fresh request id
 * ({@link #waiting}); the answer completes it, on an I/O thread or on the thread that changed the
 * state. When the home fails, waiters for it fail with {@link NodeFailedException}; when this node
 * closes, every waiter fails.
 *
 * <h2>Concurrency</h2>
 *
 * Allocation is collective (one thread per node). A state object is changed only under its own lock
 * (its monitor); answers are sent after leaving it. Handles are used by any thread.
 */
public final class SyncService implements FrameHandler, NodeService {
    private static final String COUNTER_PREFIX = "counter:";
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);

    private final int size;
    private final Map<Integer, LockState> locks = new ConcurrentHashMap<>();
    private final Map<Integer, LatchState> latches = new ConcurrentHashMap<>();
    private final Map<Long, Waiter> waiting = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, Integer> names = new HashMap<>();
    /** This node's lock and latch handles, by id: what a task that captured one gets here. */
    private final Map<Long, Object> handles = new ConcurrentHashMap<>();

    private volatile int rank = -1;
    /** The node's peers, whose links requests go on; set at start. */
    private volatile PeerTable peers;

    private final CollectiveEngine collectives;
    private final MemoryService memory;
    private int nextId = 1;
    private volatile boolean closed;

    /**
     * @param size the number of nodes
     * @param collectives for allocation
     * @param memory for fences and counters
     */
    public SyncService(int size, CollectiveEngine collectives, MemoryService memory) {
        this.size = size;
        this.collectives = collectives;
        this.memory = memory;
    }

    /**
     * Starts serving.
     *
     * @param node this node's rank and its connected peers
     */
    @Override
    public void start(NodeContext node) {
        this.rank = node.rank();
        this.peers = node.peers();
    }

    /**
     * Allocates a lock; a collective.
     *
     * @param name its name
     * @return the handle
     */
    public GlobalLock lock(String name) {
        Objects.requireNonNull(name, "name");
        int home = home(name);
        return (GlobalLock) allocate("lock", name, "", id -> {
            if (home == rank) {
                locks.put(id, new LockState());
            }
            return new LockHandle(this, id, name, home);
        });
    }

    /**
     * Allocates a latch; a collective.
     *
     * @param name its name
     * @param count its count
     * @return the handle
     */
    public GlobalLatch latch(String name, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("latch '" + name + "' count " + count + " is negative");
        }
        int home = home(name);
        return (GlobalLatch) allocate("latch", name, " with count " + count, id -> {
            if (home == rank) {
                latches.put(id, new LatchState(count));
            }
            return new LatchHandle(this, id, name, home);
        });
    }

    /**
     * Allocates a counter; a collective. It is element {@code home} of a cyclic global array of one
     * element per node, so it lives on its home.
     *
     * @param name its name
     * @return the handle
     */
    public GlobalCounter counter(String name) {
        Objects.requireNonNull(name, "name");
        GlobalLongArray cell = memory.longArray(COUNTER_PREFIX + name, size, Distribution.CYCLIC);
        return new CounterHandle(name, cell, home(name));
    }

    /**
     * Lets handles of locks, latches and counters cross in remote tasks: as their id, arriving as this
     * node's handle of the same object.
     *
     * @param codec the node's codec
     */
    public void registerHandles(ObjectCodec codec) {
        codec.handles(LockHandle.class, LockHandle::id, id -> arrived(id, LockHandle.class));
        codec.handles(LatchHandle.class, LatchHandle::id, id -> arrived(id, LatchHandle.class));
        codec.handles(CounterHandle.class, c -> memory.id(c.cell()), id -> {
            GlobalLongArray cell = memory.arrived(id, GlobalLongArray.class);
            String name = cell.name().substring(COUNTER_PREFIX.length());
            return new CounterHandle(name, cell, home(name));
        });
    }

    private <T> T arrived(long id, Class<T> type) {
        Object handle = handles.get(id);
        if (!type.isInstance(handle)) {
            throw new MeldException("a task refers to "
                    + type.getSimpleName().replace("Handle", "").toLowerCase(Locale.ROOT) + " #" + id + ", which node "
                    + rank + " has not allocated");
        }
        return type.cast(handle);
    }

    /**
     * A node failed: waiters for its objects fail; its requests are dropped from this node's queues and
     * a lock it held passes to the next waiter (its critical section may be incomplete: a warning says
     * so).
     *
     * @param node the node
     * @param cause what showed it
     */
    @Override
    public void onPeerFailed(int node, Throwable cause) {
        waiting.values().removeIf(w -> {
            if (w.home == node) {
                w.future.completeExceptionally(new NodeFailedException(
                        node, "node " + node + ", home of " + w.what + ", failed: " + cause.getMessage(), cause));
                return true;
            }
            return false;
        });
        for (Map.Entry<Integer, LockState> e : locks.entrySet()) {
            List<Grant> grants = e.getValue().dropNode(node);
            for (Grant g : grants) {
                LOG.warn("node {}: a lock held by failed node {} passes to node {}", rank, node, g.node);
                answer(g.node, SyncCodec.GRANT, e.getKey(), g.request, 0);
            }
        }
    }

    /** Fails every waiter. */
    @Override
    public void close() {
        closed = true;
        waiting.values().removeIf(w -> {
            w.future.completeExceptionally(new IllegalStateException(w.what + ": node " + rank + " closed"));
            return true;
        });
    }

    @Override
    public void onFrame(Link link, int flags, ByteBuf payload) {
        SyncCodec.Message m = SyncCodec.decode(payload);
        handle(link.rank(), m.kind(), m.object(), m.request(), m.value());
    }

    // ---------------------------------------------------------------------------------------------
    // Requests from handles

    /** A registered wait: what for, at which home, and its future. */
    record Waiter(String what, int home, CompletableFuture<Long> future) {}

    /** A request a handle waits on: its id on the wire and the future its answer completes. */
    record Request(long id, CompletableFuture<Long> future) {}

    Request newRequest(String what, int home) {
        if (closed) {
            throw new IllegalStateException(what + ": node " + rank + " is closed");
        }
        long id = requests.incrementAndGet();
        CompletableFuture<Long> future = new CompletableFuture<>();
        waiting.put(id, new Waiter(what, home, future));
        return new Request(id, future);
    }

    void forget(long request) {
        waiting.remove(request);
    }

    /** Sends a request to an object's home, or handles it here when this is the home. */
    void request(int home, int kind, int object, long request, long value) {
        if (home == rank) {
            handle(rank, kind, object, request, value);
            return;
        }
        Link link = peers.require(home, 0);
        ByteBuf frame = link.newFrame(FrameType.SYNC, 0, SyncCodec.LENGTH);
        SyncCodec.encode(frame, kind, object, request, value);
        link.send(frame);
    }

    void fence() {
        memory.fence();
    }

    int rank() {
        return rank;
    }

    // ---------------------------------------------------------------------------------------------
    // The home's side, and answers

    private void handle(int from, int kind, int object, long request, long value) {
        switch (kind) {
            case SyncCodec.LOCK, SyncCodec.UNLOCK, SyncCodec.CANCEL -> {
                LockState state = locks.get(object);
                if (state == null) {
                    throw new ProtocolException("node " + rank + " is not the home of lock #" + object);
                }
                Grant grant = switch (kind) {
                    case SyncCodec.LOCK -> state.lock(from, request);
                    case SyncCodec.UNLOCK -> state.unlock(from, request);
                    default -> state.cancel(from, request);
                };
                if (grant != null) {
                    answer(grant.node, SyncCodec.GRANT, object, grant.request, 0);
                }
            }
            case SyncCodec.DOWN, SyncCodec.AWAIT, SyncCodec.COUNT -> {
                LatchState state = latches.get(object);
                if (state == null) {
                    throw new ProtocolException("node " + rank + " is not the home of latch #" + object);
                }
                if (kind == SyncCodec.COUNT) {
                    answer(from, SyncCodec.VALUE, object, request, state.count());
                } else {
                    List<Grant> opened = kind == SyncCodec.DOWN ? state.down() : state.await(from, request);
                    for (Grant g : opened) {
                        answer(g.node, SyncCodec.OPEN, object, g.request, 0);
                    }
                }
            }
            case SyncCodec.GRANT, SyncCodec.OPEN, SyncCodec.VALUE -> {
                // No waiter: the request was cancelled (a tryLock that timed out). Its CANCEL follows the
                // request on the same connection, so the home has released a grant made meanwhile.
                Waiter w = waiting.remove(request);
                if (w != null) {
                    w.future.complete(value);
                }
            }
            default -> throw new ProtocolException("sync message kind " + kind + " cannot reach a node");
        }
    }

    private void answer(int node, int kind, int object, long request, long value) {
        try {
            if (node == rank) {
                handle(rank, kind, object, request, value);
            } else {
                request(node, kind, object, request, value);
            }
        } catch (NodeFailedException e) {
            LOG.debug("node {} could not answer node {}: {}", rank, node, e.toString());
        }
    }

    /**
     * Allocates a lock or latch: a collective. Its state and handle are installed before the nodes agree,
     * so that a node that returns first finds them on every other node (its requests, its tasks), and
     * removed again when they do not agree.
     */
    private Object allocate(String kind, String name, String detail, IntFunction<Object> install) {
        Objects.requireNonNull(name, "name");
        if (closed) {
            throw new IllegalStateException("node " + rank + " is closed");
        }
        String key = kind + " '" + name + "'";
        String problem = name.isBlank() ? "a " + kind + " name must not be blank" : null;
        if (problem == null && names.containsKey(key)) {
            problem = "a " + kind + " named '" + name + "' is allocated already";
        }
        int id = nextId++;
        Object handle = null;
        if (problem == null) {
            handle = install.apply(id);
            handles.put((long) id, handle);
        }
        try {
            Agreement.agree(collectives, rank, size, key, problem != null ? "error: " + problem : key + detail);
        } catch (RuntimeException e) {
            handles.remove((long) id);
            locks.remove(id);
            latches.remove(id);
            throw e;
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        names.put(key, id);
        return handle;
    }

    /** The home of a name: a hash of its UTF-8 bytes, so every node computes the same. */
    private int home(String name) {
        return homeOf(name, size);
    }

    /** The home of a name in a cluster of {@code size}: a hash of its UTF-8 bytes. */
    static int homeOf(String name, int size) {
        int h = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return Math.floorMod(h, size);
    }

    /** Who is granted something: a node and its request id. */
    record Grant(int node, long request) {}

    /** A lock at its home: the holder and the FIFO queue of requests. Guarded by its monitor. */
    static final class LockState {
        private Grant holder;
        private final ArrayDeque<Grant> queue = new ArrayDeque<>();

        synchronized Grant lock(int node, long request) {
            Grant g = new Grant(node, request);
            if (holder == null) {
                holder = g;
                return g;
            }
            queue.add(g);
            return null;
        }

        synchronized Grant unlock(int node, long request) {
            if (holder == null || holder.node != node || holder.request != request) {
                // Handles check the holder before they send UNLOCK; this only follows a node failure
                // that passed the lock on. Nothing to do.
                LOG.warn("a lock was released by node {}, which does not hold it; ignored", node);
                return null;
            }
            holder = queue.poll();
            return holder;
        }

        synchronized Grant cancel(int node, long request) {
            if (holder != null && holder.node == node && holder.request == request) {
                holder = queue.poll();
                return holder;
            }
            queue.removeIf(g -> g.node == node && g.request == request);
            return null;
        }

        synchronized List<Grant> dropNode(int node) {
            queue.removeIf(g -> g.node == node);
            List<Grant> granted = new ArrayList<>();
            if (holder != null && holder.node == node) {
                holder = queue.poll();
                if (holder != null) {
                    granted.add(holder);
                }
            }
            return granted;
        }
    }

    /** A latch at its home: the count and who waits for zero. Guarded by its monitor. */
    static final class LatchState {
        private long count;
        private final List<Grant> waiters = new ArrayList<>();

        LatchState(long count) {
            this.count = count;
        }

        synchronized long count() {
            return count;
        }

        synchronized List<Grant> down() {
            if (count == 0) {
                return List.of();
            }
            count--;
            if (count > 0) {
                return List.of();
            }
            List<Grant> open = List.copyOf(waiters);
            waiters.clear();
            return open;
        }

        synchronized List<Grant> await(int node, long request) {
            Grant g = new Grant(node, request);
            if (count == 0) {
                return List.of(g);
            }
            waiters.add(g);
            return List.of();
        }
    }

    /** Rethrows the failure of a wait in the waiting thread. */
    static RuntimeException failure(Throwable t, String what) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof NodeFailedException n) {
            return new NodeFailedException(n.node(), n.getMessage(), n);
        }
        if (cause instanceof IllegalStateException i) {
            return new IllegalStateException(i.getMessage(), i);
        }
        return new MeldException(what + " failed: " + cause.getMessage(), cause);
    }
}
