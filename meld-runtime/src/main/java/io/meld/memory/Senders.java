package io.meld.memory;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;

/**
 * Every thread's {@link Sender}, found on each operation, and every combining buffer of the node, which
 * the flusher and the closing node sweep.
 *
 * <p>A platform thread has a sender of its own, kept in a thread-local and, in front of it, in a small
 * cache by thread id ({@link #recent}) that costs fewer dependent loads than the thread-local lookup.
 * Virtual threads share a few senders, one per core by thread id ({@link #shared}): there may be
 * millions of them, and each has few operations in flight; a virtual thread always uses the same one,
 * so its operations to a home keep their order. Senders spread over the lanes in turn.
 *
 * <p><b>Concurrency</b>: any thread. {@link #recent} is racy by design: an entry is a fully constructed
 * sender (final fields) or {@code null}, and a thread only ever uses an entry whose thread is itself.
 */
final class Senders {
    private static final int RECENT = 256;

    private final MemoryService service;
    private final int nodes;
    private final int bufferSize;
    private final ThreadLocal<Sender> own = new ThreadLocal<>();
    private final Sender[] recent = new Sender[RECENT];
    private final AtomicReferenceArray<Sender> shared =
            new AtomicReferenceArray<>(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final AtomicInteger nextLane = new AtomicInteger();
    private final List<OpBuffer> buffers = new CopyOnWriteArrayList<>();
    private volatile int lanes = 1;

    Senders(MemoryService service, int nodes, int bufferSize) {
        this.service = service;
        this.nodes = nodes;
        this.bufferSize = bufferSize;
    }

    /** @param lanes the connections to each peer, known once the node is connected */
    void start(int lanes) {
        this.lanes = lanes;
    }

    /** @return every buffer of every sender, for the flusher */
    List<OpBuffer> buffers() {
        return buffers;
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
        Sender s = own.get();
        if (s == null) {
            s = new Sender(service, t, nodes, bufferSize, nextLane.getAndIncrement() % lanes);
            own.set(s);
        }
        // A thread writes its slot once; two threads that share a slot take turns, each finding the
        // other there and falling back to the thread-local map.
        recent[(int) t.threadId() & (RECENT - 1)] = s;
        return s;
    }

    /** @return this thread's sender, or {@code null} when it never sent anything */
    Sender existing() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            return shared.get(stripe(t));
        }
        Sender s = recent[(int) t.threadId() & (RECENT - 1)];
        return s != null && s.thread == t ? s : own.get();
    }

    private Sender sharedSender(Thread t) {
        int i = stripe(t);
        Sender s = shared.get(i);
        if (s == null) {
            s = new Sender(service, null, nodes, bufferSize, i % lanes);
            if (!shared.compareAndSet(i, null, s)) {
                s = shared.get(i);
            }
        }
        return s;
    }

    private int stripe(Thread t) {
        return (int) (t.threadId() % shared.length());
    }

    /** A sender made a buffer: the sweeps find it from now on. */
    void register(OpBuffer buffer) {
        buffers.add(buffer);
    }

    /**
     * Sends the buffers of the given threads (which must not be adding to them now, e.g. the workers of
     * a loop that has ended) and of the senders virtual threads share, waiting for each buffer's turn.
     */
    void flushFor(Collection<Thread> threads) {
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

    /**
     * Sends every buffer that holds something and is free now, best effort: what cannot be sent goes
     * to {@code failed}.
     */
    void flushIdle(BiConsumer<OpBuffer, RuntimeException> failed) {
        for (OpBuffer b : buffers) {
            if (!b.looksEmpty() && b.tryAcquireForFlusher()) {
                try {
                    b.flush();
                } catch (RuntimeException e) {
                    failed.accept(b, e);
                } finally {
                    b.release();
                }
            }
        }
    }
}
