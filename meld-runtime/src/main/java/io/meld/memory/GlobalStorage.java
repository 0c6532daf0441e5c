package io.meld.memory;

import io.meld.Distribution;
import io.meld.transport.ProtocolException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * One node's view of one global array: its layout, the chunk-to-home table, and the chunks this node
 * holds: {@code long[]} chunks for a {@code long} array, {@code double[]} chunks for a {@code double}
 * array, so that a local view hands out plain arrays of the element type. Operations travel as bits
 * (a double's raw bits), and the home turns them back into the element type.
 *
 * <p><b>Concurrency</b>: the layout is immutable; the chunk tables' entries are written once, before the
 * array is published to other threads by {@link MemoryService}'s registration (a volatile write), and
 * their elements are accessed through {@link Atomics}, or plainly through local views as the memory
 * model allows. {@link #homes} is read on every operation; re-homing (failover) will replace entries
 * and must publish them the same way.
 */
final class GlobalStorage {
    final int id;
    final String name;
    final boolean isDouble;
    final Distribution distribution;
    final ArrayLayout layout;
    final int rank;
    /** The layout's chunk shift and mask, copied for the hot paths. */
    final int chunkShift;

    final int chunkMask;
    /** A long array's chunks by global chunk number, {@code null} where another node holds it; else {@code null}. */
    final long[][] longChunks;
    /** A double array's chunks by global chunk number, {@code null} where another node holds it; else {@code null}. */
    final double[][] doubleChunks;
    /** This node's chunks' first global chunk number: local chunk {@code c} is chunk {@code localBase + c}. */
    final int localBase;
    /** The node holding each chunk. */
    final int[] homes;

    final boolean narrow;

    static final int LIVE = 0;
    static final int FREED = 1;
    static final int NODE_CLOSED = 2;

    /** {@link #LIVE}, {@link #FREED} or {@link #NODE_CLOSED}; once not live, never live again. */
    volatile int state = LIVE;

    private static final VarHandle STATE;
    private static final VarHandle WAITING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(GlobalStorage.class, "state", int.class);
            WAITING = lookup.findVarHandle(GlobalStorage.class, "waiting", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The threads in {@link MemoryService#waitUntil} on an element of this array. */
    private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

    /**
     * How many threads wait on an element of this array: an operation that writes one reads it after the
     * write (both volatile), and a waiter counts itself before it looks at the element a last time, so
     * one of the two sees the other ({@link #wakeWaiters}).
     */
    @SuppressWarnings("unused") // through WAITING
    private volatile int waiting;

    GlobalStorage(int id, String name, boolean isDouble, long length, Distribution distribution, int nodes, int rank) {
        this(id, name, isDouble, length, distribution, nodes, rank, ArrayLayout.DEFAULT_MAX_CHUNK_SHIFT, false);
    }

    /**
     * @param maxChunkShift log2 of the most elements a chunk holds ({@code meld.memory.chunk-size})
     * @param forceWide whether operations carry 8-byte slots even where 4-byte ones would do: lets tests
     *     exercise the wide encoding, which otherwise only arrays of more than 2^32 slots use
     */
    GlobalStorage(
            int id,
            String name,
            boolean isDouble,
            long length,
            Distribution distribution,
            int nodes,
            int rank,
            int maxChunkShift,
            boolean forceWide) {
        this.id = id;
        this.name = name;
        this.isDouble = isDouble;
        this.distribution = distribution;
        this.layout = new ArrayLayout(length, nodes, distribution, maxChunkShift);
        this.rank = rank;
        this.chunkShift = layout.chunkShift();
        this.chunkMask = (int) layout.chunkMask();
        long chunkCount = layout.chunks();
        if (chunkCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "array '" + name + "' of " + length + " elements needs more chunks than a node can track");
        }
        this.longChunks = isDouble ? null : new long[(int) chunkCount][];
        this.doubleChunks = isDouble ? new double[(int) chunkCount][] : null;
        this.homes = new int[(int) chunkCount];
        this.localBase = (int) layout.chunkBase(rank);
        for (int p = 0; p < nodes; p++) {
            int base = (int) layout.chunkBase(p);
            for (int c = 0; c < layout.chunkCount(p); c++) {
                homes[base + c] = p;
                if (p == rank) {
                    int n = layout.chunkLength(p, c);
                    if (isDouble) {
                        doubleChunks[base + c] = new double[n];
                    } else {
                        longChunks[base + c] = new long[n];
                    }
                }
            }
        }
        this.narrow = !forceWide && layout.narrowSlots();
    }

    /** @return the node holding the element at {@code slot} */
    int home(long slot) {
        return homes[(int) (slot >>> chunkShift)];
    }

    /** @return the position of a slot within its chunk */
    int position(long slot) {
        return (int) slot & chunkMask;
    }

    /**
     * The chunk of a {@code long} array holding a slot that a peer sent, checked: the peer must have
     * addressed this node.
     *
     * @throws ProtocolException when the slot is not held here
     */
    long[] longChunk(long slot) {
        long c = slot >>> chunkShift;
        long[] chunk = c < longChunks.length ? longChunks[(int) c] : null;
        if (chunk == null || (slot & chunkMask) >= chunk.length) {
            throw notHeld(slot);
        }
        return chunk;
    }

    /**
     * The chunk of a {@code double} array holding a slot that a peer sent, checked.
     *
     * @throws ProtocolException when the slot is not held here
     */
    double[] doubleChunk(long slot) {
        long c = slot >>> chunkShift;
        double[] chunk = c < doubleChunks.length ? doubleChunks[(int) c] : null;
        if (chunk == null || (slot & chunkMask) >= chunk.length) {
            throw notHeld(slot);
        }
        return chunk;
    }

    /**
     * @return how many elements from {@code slot} on its chunk holds
     * @throws ProtocolException when the slot is not held here
     */
    int heldFrom(long slot) {
        int chunkLength = isDouble ? doubleChunk(slot).length : longChunk(slot).length;
        return chunkLength - position(slot);
    }

    /** @return the error of a slot this node does not hold */
    ProtocolException notHeld(long slot) {
        return new ProtocolException("slot " + slot + " of array '" + name + "' is not held by node " + rank);
    }

    /**
     * Throws when the array is freed or its node closed, reading the state plainly: for local views,
     * whose loops the JIT may then keep free of volatile reads. A view that races with the array's free
     * is the program's data race, like an operation that does.
     */
    void checkLivePlain() {
        if (!isLivePlain()) {
            throw new IllegalStateException("array '" + name + "' " + stateText());
        }
    }

    /** @return whether the array is live, reading the state plainly (see {@link #checkLivePlain()}) */
    boolean isLivePlain() {
        return (int) STATE.get(this) == LIVE;
    }

    /** Counts the calling thread among the waiters; call {@link #stopWaiting()} after. */
    void startWaiting() {
        waiters.add(Thread.currentThread());
        WAITING.getAndAdd(this, 1);
    }

    void stopWaiting() {
        WAITING.getAndAdd(this, -1);
        waiters.remove(Thread.currentThread());
    }

    /**
     * Called after every operation that writes elements of this array (one check per run of them): wakes
     * the threads waiting on one, to look again.
     */
    void wakeWaiters() {
        if ((int) WAITING.getVolatile(this) != 0) {
            for (Thread t : waiters) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * {@link #wakeWaiters()} after plain writes (a bulk put's data): a full fence first, so that the writes
     * and the read of the waiter count are ordered as an atomic write and that read are, and a waiter that
     * counted itself is found (or sees the data when it looks).
     */
    void wakeWaitersAfterPlainWrites() {
        VarHandle.fullFence();
        wakeWaiters();
    }

    /** @return why the array cannot be used, for messages */
    String stateText() {
        return state == FREED ? "has been freed" : state == NODE_CLOSED ? "belongs to a closed node" : "is live";
    }

    /** @return a one-line description of the array, as the allocation check compares it */
    String describe() {
        return (isDouble ? "double" : "long") + "[" + layout.length() + "] " + distribution;
    }
}
