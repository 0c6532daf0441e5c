package io.meld.collective;

import io.meld.MeldException;
import io.meld.kernel.PeerTable;
import io.meld.transport.DirectChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * How a node's collective thread takes its peers' small contributions off its own {@linkplain
 * DirectChannel direct channels}, so that nobody has to wake it. A peer sends such a contribution on the
 * far end of this node's direct channel to it ({@link CollectiveSender}), and no I/O thread reads that
 * channel here: the collective thread reads it while it waits ({@link #readReady()}), and the frame goes
 * to {@link RoundKeeper} on that thread. A frame handed to an I/O thread and a thread woken from a park
 * cost two hand-offs, each more than the loopback round trip on a virtual machine.
 *
 * <p>The thread polls ({@link #readReady()}) while the node's poll policy lets it, then sleeps in the
 * kernel until one of the channels is readable or {@link #wake()} is called, which {@link RoundKeeper}
 * does whenever anything else changes: a contribution on a lane (a large one), a failure, a close. A
 * channel another thread of the node holds (a blocking call in progress) is read by that thread, which
 * hands what it reads to the keeper just the same.
 *
 * <p><b>Concurrency</b>: {@link #readReady()} and {@link #sleep} by the one thread that runs a collective
 * at a time ({@link RoundKeeper#begin}); {@link #wake()} and {@link #close()} by any thread. The lock,
 * uncontended but for a close, keeps the selected keys whole while they are gone through.
 */
final class DirectReader {
    /** The longest one sleep lasts: a safety net, since every change wakes the sleeper. */
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Selector selector;
    /** Keeps {@link #close()} from removing keys while {@link #readReady()} goes through them. */
    private final ReentrantLock lock = new ReentrantLock();

    private volatile boolean sleeping;

    private DirectReader(Selector selector) {
        this.selector = selector;
    }

    /**
     * @return a reader of the node's direct channels to its peers, or {@code null} when it has none (they
     *     are turned off, or the links are in memory)
     */
    static DirectReader open(int rank, PeerTable peers) {
        Selector selector = null;
        try {
            for (int r = 0; r < peers.size(); r++) {
                DirectChannel d = r == rank ? null : peers.direct(r);
                if (d != null) {
                    if (selector == null) {
                        selector = Selector.open();
                    }
                    d.register(selector);
                }
            }
        } catch (IOException e) {
            close(selector);
            throw new MeldException("node " + rank + " cannot watch its direct channels: " + e.getMessage(), e);
        }
        return selector == null ? null : new DirectReader(selector);
    }

    /**
     * Reads, without waiting, what has arrived on every direct channel no other thread holds, handing each
     * frame to its handler on this thread. A channel that breaks is its peer's failure, which the peer
     * table has recorded by the time this returns.
     */
    void readReady() {
        lock.lock();
        try {
            readReadyLocked();
        } finally {
            lock.unlock();
        }
    }

    private void readReadyLocked() {
        try {
            // Keys a sleep selected are in the set already and not counted again: look at the whole set.
            selector.selectNow();
        } catch (ClosedSelectorException e) {
            return; // the node closed: the keeper says so to the waiting thread
        } catch (IOException e) {
            throw new MeldException("cannot poll the direct channels: " + e.getMessage(), e);
        }
        for (SelectionKey key : selector.selectedKeys()) {
            ((DirectChannel) key.attachment()).readIfFree(); // a break is in the peer table, which the keeper reads
        }
        selector.selectedKeys().clear();
        for (SelectionKey key : selector.keys()) {
            DirectChannel d = (DirectChannel) key.attachment();
            if (d.hasBuffered()) {
                d.readIfFree(); // read with others earlier: the socket will not announce it
            }
        }
    }

    /** @return whether a channel holds bytes read with others, which its socket will not announce */
    private boolean anyBuffered() {
        try {
            for (SelectionKey key : selector.keys()) {
                if (((DirectChannel) key.attachment()).hasBuffered()) {
                    return true;
                }
            }
        } catch (ClosedSelectorException e) {
            return true; // the node closed: no sleep
        }
        return false;
    }

    /**
     * Sleeps until a direct channel is readable, {@link #wake()} is called, or {@code nanos} pass, unless
     * {@code changed} says that something changed already: the flag is set before that last look, so a
     * change after it wakes the sleep.
     */
    void sleep(long nanos, BooleanSupplier changed) {
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(nanos, MAX_SLEEP_NANOS)));
        sleeping = true;
        try {
            // Managed, as a condition's wait is: a fork-join pool whose worker waits here (a collective
            // called from a parallel stream or an async task) runs its other tasks on another thread.
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                private boolean done;

                @Override
                public boolean block() {
                    try {
                        selector.select(millis);
                    } catch (ClosedSelectorException e) {
                        // the node closed: the keeper says so to the waiting thread
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    done = true;
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return done || changed.getAsBoolean() || anyBuffered();
                }
            });
        } catch (UncheckedIOException e) {
            throw new MeldException(
                    "cannot wait on the direct channels: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller looks at it
        } finally {
            sleeping = false;
        }
    }

    /** Ends a {@link #sleep} in progress; from any thread, after the change it reports is visible. */
    void wake() {
        if (sleeping) {
            selector.wakeup();
        }
    }

    /** Stops watching the channels; a sleep in progress ends, and a read in progress first finishes. */
    void close() {
        lock.lock();
        try {
            close(selector);
        } finally {
            lock.unlock();
        }
    }

    private static void close(Selector selector) {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }
}
