package io.meld.memory;

import io.meld.transport.FailStop;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's flusher: an agent on a daemon thread of its own that sends the combining buffers nobody
 * appends to any more, sweeps timed-out operations and forgets the buffers of threads that ended.
 *
 * <p><b>Idle strategy</b>, "sleep while clean, back off while busy": while no buffer holds operations it
 * parks for up to {@value #SWEEP_MILLIS} ms (the sweep's period), and the buffer that becomes non-empty
 * wakes it ({@link #wake}). Otherwise it looks every {@code meld.memory.flush-delay}, and while every
 * non-empty buffer keeps changing it doubles that interval, up to 8 x the delay: such buffers leave by
 * themselves when full. Once it flushed one, it looks at the delay again.
 *
 * <p>A buffer idle since the last look is taken, unless its thread is still running: such a thread is
 * more likely descheduled (or computing) than done, its buffer fills and leaves by itself, and taking it
 * would only make the owner wait; so it waits {@value #IDLE_LOOKS_WHILE_RUNNING} looks.
 *
 * <p><b>Concurrency</b>: the flusher's thread alone runs {@link #run} and owns the buffers' {@code
 * flusher*} fields; it takes a buffer only through its state word ({@link OpBuffer#tryAcquireForFlusher}).
 * The count of non-empty buffers is atomic; {@link #sleeping} is volatile, so that a buffer's owner sees
 * whether it must unpark the flusher.
 */
final class Flusher {
    private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);
    private static final long SWEEP_MILLIS = 20;
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS);
    private static final int IDLE_LOOKS_WHILE_RUNNING = 8;

    private final List<OpBuffer> buffers;
    private final long delayNanos;
    private final LongConsumer expire;
    private final AtomicInteger dirty = new AtomicInteger();
    private volatile boolean sleeping;
    private volatile boolean closed;
    private volatile Thread thread;
    private int rank = -1;

    /**
     * @param buffers the node's combining buffers (a concurrent list the flusher also removes from)
     * @param delayNanos how long a buffer may stay idle ({@code meld.memory.flush-delay})
     * @param expire fails the operations whose deadline has passed, given the time
     */
    Flusher(List<OpBuffer> buffers, long delayNanos, LongConsumer expire) {
        this.buffers = buffers;
        this.delayNanos = delayNanos;
        this.expire = expire;
    }

    /**
     * Starts the flusher's thread, {@code meld-flusher-RANK}.
     *
     * @param rank this node's rank
     * @param failStop what the node does when the thread dies
     */
    void start(int rank, FailStop failStop) {
        this.rank = rank;
        Thread t = failStop.install(new Thread(this::run, "meld-flusher-" + rank));
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** A buffer went from empty to holding operations. */
    void dirtied() {
        dirty.incrementAndGet();
    }

    /** A buffer was sent (or applied) and is empty again. */
    void cleaned() {
        dirty.decrementAndGet();
    }

    /** A buffer was left holding operations, or a thread waits for one: the flusher must not sleep. */
    void wake() {
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    /** Stops the thread and waits for it, up to 5 s. */
    void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long interval = delayNanos;
        long lastSweep = System.nanoTime();
        while (!closed) {
            if (dirty.get() == 0) {
                sleeping = true;
                if (dirty.get() == 0) {
                    LockSupport.parkNanos(this, SWEEP_NANOS);
                }
                sleeping = false;
            } else {
                LockSupport.parkNanos(this, interval);
            }
            if (Thread.interrupted() && closed) {
                return;
            }
            boolean flushed = false;
            boolean busy = false;
            for (OpBuffer b : buffers) {
                if (b.looksEmpty()) {
                    continue;
                }
                int seen = b.positionSeen();
                if (seen != b.flusherSeen) {
                    b.flusherSeen = seen;
                    b.flusherIdleLooks = 0;
                    busy = true;
                    continue;
                }
                b.flusherIdleLooks++;
                if (b.flusherIdleLooks < IDLE_LOOKS_WHILE_RUNNING
                        && b.owner.thread != null
                        && b.owner.thread.getState() == Thread.State.RUNNABLE) {
                    continue;
                }
                if (b.tryAcquireForFlusher()) {
                    try {
                        b.flush();
                        flushed = true;
                    } catch (RuntimeException e) {
                        b.owner.failure = e;
                        LOG.debug(
                                "node {}: flushing operations to node {} failed: {}",
                                rank,
                                b.destination,
                                e.toString());
                    } finally {
                        b.release();
                    }
                }
            }
            interval = flushed || !busy ? delayNanos : Math.min(interval * 2, delayNanos * 8);
            long now = System.nanoTime();
            if (now - lastSweep >= SWEEP_NANOS) {
                lastSweep = now;
                expire.accept(now);
                forgetEndedThreads();
            }
        }
    }

    /** Sends and forgets the buffers of threads that have ended. */
    private void forgetEndedThreads() {
        for (OpBuffer b : buffers) {
            if (b.owner.thread != null && !b.owner.thread.isAlive() && b.tryAcquireForFlusher()) {
                try {
                    b.flush();
                } catch (RuntimeException e) {
                    LOG.warn(
                            "node {}: operations a finished thread left for node {} could not be sent: {}",
                            rank,
                            b.destination,
                            e.toString());
                } finally {
                    b.release();
                }
                buffers.remove(b);
            }
        }
    }
}
