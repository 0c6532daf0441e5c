package io.meld.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One thread's way out to the other nodes: a combining buffer per destination, created on first use,
 * and the lane its frames travel on. Operations one thread issues to one node therefore leave in issue
 * order, in one frame stream, and are applied at the home in that order.
 *
 * <p><b>Concurrency</b>: {@link #buffers} is written only by the threads that own the sender (one, or
 * the virtual threads sharing it), under its monitor; the flusher finds the
 * buffers through {@link MemoryService}'s registry. {@link #failure} records a send the flusher could
 * not make on this thread's behalf, for the thread's next fence to report.
 */
final class Sender {
    private static final VarHandle BUFFERS = MethodHandles.arrayElementVarHandle(OpBuffer[].class);

    /** The owning thread, or {@code null} for a sender that virtual threads share. */
    final Thread thread;

    final int lane;
    private final MemoryService service;
    private final OpBuffer[] buffers;
    private final int capacity;
    volatile RuntimeException failure;

    /**
     * Per destination, the frames this sender handed to its lane that nobody waits for an answer to, and
     * how many of those an awaited answer has covered since: a home applies a connection's frames in
     * order, so an answer on the lane means every frame sent before the request is applied. When the two
     * are equal, nothing this sender sent to the node is in flight, and a request of its thread may take
     * the {@linkplain io.meld.transport.DirectChannel direct channel} without overtaking any of them. The
     * flusher counts sends too, under the buffer it holds.
     */
    private final AtomicLongArray unawaited;

    private final AtomicLongArray covered;

    Sender(MemoryService service, Thread thread, int nodes, int capacity, int lane) {
        this.service = service;
        this.thread = thread;
        this.buffers = new OpBuffer[nodes];
        this.capacity = capacity;
        this.lane = lane;
        this.unawaited = new AtomicLongArray(nodes);
        this.covered = new AtomicLongArray(nodes);
    }

    /** A frame nobody waits for left for {@code destination} on this sender's lane. */
    void sentUnawaited(int destination) {
        unawaited.incrementAndGet(destination);
    }

    /** @return the count of frames sent to {@code destination} nobody waits for, to pass to {@link #covered} */
    long unawaitedMark(int destination) {
        return unawaited.get(destination);
    }

    /** An answer came on the lane to a request sent when {@link #unawaitedMark} was {@code mark}. */
    void covered(int destination, long mark) {
        covered.accumulateAndGet(destination, mark, Math::max);
    }

    /** @return whether every frame this sender sent to {@code destination} is known to be applied */
    boolean settled(int destination) {
        return covered.get(destination) == unawaited.get(destination);
    }

    /** @return the buffer for {@code destination}, created on first use */
    OpBuffer buffer(int destination) {
        OpBuffer b = (OpBuffer) BUFFERS.getAcquire(buffers, destination);
        return b != null ? b : create(destination);
    }

    /**
     * Creates a buffer under the sender's monitor: virtual threads share a sender, and two of them
     * creating one buffer each would put a thread's operations to one node in two buffers, which leave
     * in any order. A thread that read {@code null} without the monitor reads again under it.
     */
    private synchronized OpBuffer create(int destination) {
        OpBuffer b = buffers[destination];
        if (b == null) {
            b = new OpBuffer(service, this, destination, capacity);
            service.register(b);
            BUFFERS.setRelease(buffers, destination, b); // published whole to sharing threads
        }
        return b;
    }

    /** @return whether this sender ever had operations for {@code destination} */
    boolean addressed(int destination) {
        return buffers[destination] != null;
    }

    /** Sends every buffer's content; the calling thread must be the owner. */
    void flushAll() {
        for (OpBuffer b : buffers) {
            if (b != null) {
                flush(b);
            }
        }
    }

    /** Sends one destination's buffer; the calling thread must be the owner. */
    void flush(int destination) {
        OpBuffer b = buffers[destination];
        if (b != null) {
            flush(b);
        }
    }

    /** Sends one destination's buffer if it holds anything; the calling thread must be the owner. */
    void flushIfPending(int destination) {
        OpBuffer b = buffers[destination];
        if (b != null && !b.isEmptyForOwner()) {
            flush(b);
        }
    }

    /** @return and clears the failure of a send made on this thread's behalf */
    RuntimeException takeFailure() {
        RuntimeException f = failure;
        failure = null;
        return f;
    }

    private static void flush(OpBuffer b) {
        b.acquire();
        try {
            b.flush();
        } finally {
            b.release();
        }
    }
}
