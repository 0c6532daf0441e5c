package io.meld.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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

    Sender(MemoryService service, Thread thread, int nodes, int capacity, int lane) {
        this.service = service;
        this.thread = thread;
        this.buffers = new OpBuffer[nodes];
        this.capacity = capacity;
        this.lane = lane;
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
