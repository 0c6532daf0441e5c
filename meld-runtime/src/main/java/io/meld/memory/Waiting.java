package io.meld.memory;

import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.transport.DirectChannel;
import io.meld.transport.Link;
import io.meld.transport.Links;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;

/**
 * The one policy by which a thread of global memory waits for something another thread or node will do:
 * a blocking operation's answer, a flag ({@link #waitUntil}), a combining buffer another thread holds
 * ({@link #backOff}); and the refusal to wait on an I/O thread, which must read the answer waited for
 * ({@link #checkMayWaitFor}).
 *
 * <p><b>Poll, then park.</b> A platform thread first polls, by the node's {@link Poller} (one poller per
 * node, for up to {@code meld.memory.spin}); then it parks until woken (an answer unparks its waiter) or,
 * for a flag, which plain writes set without waking anybody, for at most {@link #FLAG_PARK_NANOS} at a
 * time. A thread whose request went on a direct channel polls that channel's socket instead, then sleeps
 * in the kernel until the socket is readable ({@link #awaitDirect}): nobody else reads its answer, so
 * nobody has to wake it.
 *
 * <p><b>A contended buffer</b> ({@link #backOff}) is held for the length of an append or a send: spin
 * briefly, then a platform thread yields to the OS and a virtual thread parks, from 1 µs doubling up to
 * about 1 ms. A virtual thread must not yield there: it would go back on its carrier's own queue, which
 * the carrier serves before the queue a holder is resubmitted to when it becomes runnable again, so with
 * as few carriers as spinners the holder might never run again.
 *
 * <p><b>Concurrency</b>: any thread.
 */
final class Waiting {
    /** The longest a thread in {@link #waitUntil} parks before it looks again: plain writes wake nobody. */
    static final long FLAG_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Spins of {@link #backOff} before it yields or parks. */
    private static final int BACKOFF_SPINS = 100;
    /** A virtual thread backing off parks this long at first, doubling up to 1.024 ms. */
    private static final long MIN_BACKOFF_NANOS = 1_000;

    private static final int BACKOFF_DOUBLINGS = 10;

    private final MemoryService service;
    /** The node's poll policy, set at start. */
    private volatile Poller poller = Poller.NONE;

    private volatile Links links;
    private int rank = -1;
    private int lanes = 1;

    Waiting(MemoryService service) {
        this.service = service;
    }

    /** Once the node is connected: the links whose I/O threads must not wait, and the node's poll policy. */
    void start(int rank, int lanes, Links links, Poller poller) {
        this.poller = poller;
        this.rank = rank;
        this.lanes = lanes;
        this.links = links;
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
    boolean onIoThreadOf(int dest, int lane) {
        Link link = links.link(dest, lane);
        return link != null && link.inIoThread();
    }

    IllegalStateException mayNotWait(int dest, String what) {
        return new IllegalStateException(what + " cannot wait for node " + dest + " on node " + rank
                + "'s I/O thread " + Thread.currentThread().getName() + ", which must read the answer: an"
                + " async operation's callback runs there. Use the async form, or move the blocking call off"
                + " that thread (thenApplyAsync, thenComposeAsync)");
    }

    /**
     * Refuses to wait on an I/O thread (an async operation's callback): the writes that would end the wait
     * arrive on I/O threads, maybe this one.
     */
    void checkNotIoThread(String what) {
        for (int r = 0; r < links.size(); r++) {
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

    /**
     * Idles once while waiting for a buffer another thread holds.
     *
     * @param round how many times the caller idled in this wait before, from 0
     */
    static void backOff(int round, boolean virtual) {
        if (round < BACKOFF_SPINS) {
            Thread.onSpinWait();
        } else if (!virtual) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(MIN_BACKOFF_NANOS << Math.min(round - BACKOFF_SPINS, BACKOFF_DOUBLINGS));
        }
    }

    /**
     * Waits for a blocking operation's answer, until its deadline.
     *
     * @param p the operation
     * @param id its id in the node's pending requests, forgotten when the wait ends without an answer
     * @return the answer's value
     */
    long await(Pending.Blocking p, int id) {
        if (poller.poll(p, Long.MAX_VALUE)) {
            return p.value();
        }
        while (!p.isDone()) {
            long left = p.deadlineNanos - System.nanoTime();
            if (left <= 0) {
                service.pending.forget(id);
                p.fail(new MeldTimeoutException(service.timeoutMessage(p)));
                break;
            }
            LockSupport.parkNanos(p, left);
            if (Thread.interrupted()) {
                service.pending.forget(id);
                p.fail(new MeldException(p.describe() + ": the waiting thread was interrupted"));
                Thread.currentThread().interrupt();
                break;
            }
        }
        return p.value();
    }

    /**
     * Waits for a blocking operation's answer on the direct channel the calling thread holds, reading it
     * itself: it polls the socket by the node's {@link Poller} like any waiter, then sleeps in the kernel
     * until the socket is readable, for at most {@link #FLAG_PARK_NANOS} at a time, since a failure or the
     * node's close ends the wait without writing to the socket.
     *
     * @param d the direct channel the request went on, which the calling thread holds
     * @param p the operation
     * @param id its id in the node's pending requests, forgotten when the wait ends without an answer
     * @return the answer's value
     */
    long awaitDirect(DirectChannel d, Pending.Blocking p, int id) {
        try {
            if (poller.poll(() -> readAnswer(d, p), Long.MAX_VALUE)) {
                return p.value();
            }
            while (!readAnswer(d, p)) {
                long left = p.deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    service.pending.forget(id);
                    p.fail(new MeldTimeoutException(service.timeoutMessage(p)));
                    break;
                }
                d.awaitReadable(Math.min(left, FLAG_PARK_NANOS));
                if (Thread.interrupted()) {
                    service.pending.forget(id);
                    p.fail(new MeldException(p.describe() + ": the waiting thread was interrupted"));
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } catch (RuntimeException e) {
            // The channel broke: the answer cannot come on it any more.
            service.pending.forget(id);
            p.fail(e);
        }
        return p.value();
    }

    /** Reads what arrived on {@code d}; @return whether {@code p} is done, by this answer or otherwise */
    private static boolean readAnswer(DirectChannel d, Pending.Blocking p) {
        if (!p.isDone()) {
            d.readAvailable();
        }
        return p.isDone();
    }

    /**
     * Waits until a local {@code long} element satisfies {@code condition} ({@link
     * io.meld.GlobalLongArray#waitUntil}). After the poll it counts itself among the array's waiters and
     * parks: every operation that writes one of the array's elements wakes them, and so do a failure and
     * the node's close.
     *
     * @param what the wait, for messages
     * @param timeoutNanos how long to wait at most, or -1 for no limit
     * @throws NodeFailedException when a node has failed (the writer the thread waits for might be that one)
     * @throws MeldTimeoutException when the timeout passes first
     */
    long waitUntil(GlobalStorage s, long[] chunk, int pos, String what, LongPredicate condition, long timeoutNanos) {
        long start = System.nanoTime();
        long[] seen = new long[1];
        BooleanSupplier holds = () -> condition.test(seen[0] = (long) Atomics.LONGS.getVolatile(chunk, pos));
        if (poller.poll(holds, timeoutNanos < 0 ? Long.MAX_VALUE : timeoutNanos)) {
            return seen[0];
        }
        s.startWaiting();
        try {
            while (true) {
                if (holds.getAsBoolean()) {
                    return seen[0];
                }
                RuntimeException end = endOfWait(s, what, seen[0], timeoutNanos, start);
                if (end != null) {
                    // A last look: the write it waited for may have come with the news that ends the wait.
                    if (holds.getAsBoolean()) {
                        return seen[0];
                    }
                    throw end;
                }
                long park = FLAG_PARK_NANOS;
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
        int rank = service.rank();
        if (s.state != GlobalStorage.LIVE) {
            return new IllegalStateException(what + ": the array " + s.stateText());
        }
        PeerTable peers = service.peers();
        for (int r = 0; r < peers.size(); r++) {
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
}
