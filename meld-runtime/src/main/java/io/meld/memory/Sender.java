package io.meld.memory;

/**
 * One thread's way out to the other nodes: a combining buffer per destination, created on first use,
 * and the lane its frames travel on. Operations one thread issues to one node therefore leave in issue
 * order, in one frame stream, and are applied at the home in that order.
 *
 * <p><b>Concurrency</b>: {@link #buffers} is written only by the owning thread; the flusher finds the
 * buffers through {@link MemoryService}'s registry. {@link #failure} records a send the flusher could
 * not make on this thread's behalf, for the thread's next fence to report.
 */
final class Sender {
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
        OpBuffer b = buffers[destination];
        if (b == null) {
            b = new OpBuffer(service, this, destination, capacity);
            buffers[destination] = b;
            service.register(b);
        }
        return b;
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
