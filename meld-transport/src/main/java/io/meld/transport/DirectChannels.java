package io.meld.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link DirectChannel}s, one per peer, and the sweep that reads those nobody holds.
 *
 * <p><b>The sweep.</b> A direct channel is read by the thread that holds it or waits on it; frames that
 * arrive while none does (a peer's contribution to a collective this node has not reached yet, the late
 * answer to a call that timed out) would wait in the socket. Every {@link #SWEEP_MILLIS} an I/O thread
 * reads every channel that has something and that nobody holds, and hands the frames to their handlers
 * there, as a lane's I/O thread would: a node that is not in a collective still finds a mismatch, and
 * its peers hear of it, within that time.
 *
 * <p><b>Concurrency</b>: {@link #open} by the thread that connects the node, before any other use;
 * {@link #get} and {@link #close} by any thread; the sweep on one I/O thread.
 */
final class DirectChannels {
    /** How often the sweep looks for frames nobody has read. */
    static final long SWEEP_MILLIS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(DirectChannels.class);

    private final AtomicReferenceArray<DirectChannel> channels;
    private volatile Selector sweepSelector;
    private volatile ScheduledFuture<?> sweep;
    /** The I/O thread the sweep runs on, which also closes its selector: never while it sweeps. */
    private volatile EventLoop sweepLoop;

    DirectChannels(int size) {
        this.channels = new AtomicReferenceArray<>(size);
    }

    /**
     * Opens a direct channel to every peer, and starts the sweep on {@code loop}.
     *
     * @throws io.meld.ClusterFormationException when a peer cannot be reached or refuses
     */
    void open(Transport transport, List<Transport.Peer> peers, long deadlineNanos, EventLoop loop) {
        Selector selector;
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new io.meld.MeldException("cannot open a selector for the direct channels: " + e.getMessage(), e);
        }
        sweepSelector = selector;
        for (Transport.Peer peer : peers) {
            DirectChannel d = DirectChannel.open(transport, peer, deadlineNanos);
            channels.set(peer.rank(), d);
            try {
                d.register(selector);
            } catch (IOException e) {
                d.close();
                throw new io.meld.MeldException(d + " closed as it opened: " + e.getMessage(), e);
            }
        }
        sweepLoop = loop;
        sweep = loop.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** @return the channel to {@code peer}, or {@code null} */
    DirectChannel get(int peer) {
        return channels.get(peer);
    }

    /** Forgets a channel that broke. */
    void remove(DirectChannel channel) {
        channels.compareAndSet(channel.rank(), channel, null);
    }

    /** Closes the channel to {@code peer}, if any. */
    void close(int peer) {
        DirectChannel d = channels.get(peer);
        if (d != null) {
            d.close();
        }
    }

    /** Stops the sweep and closes every channel. */
    void close() {
        ScheduledFuture<?> s = sweep;
        if (s != null) {
            s.cancel(false);
        }
        for (int i = 0; i < channels.length(); i++) {
            close(i);
        }
        Selector selector = sweepSelector;
        if (selector != null) {
            try {
                sweepLoop.execute(() -> closeQuietly(selector));
            } catch (RejectedExecutionException e) {
                closeQuietly(selector); // the loop has stopped, and the sweep with it
            }
        }
    }

    private static void closeQuietly(Selector selector) {
        try {
            selector.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }

    private void sweep() {
        Selector selector = sweepSelector;
        if (!selector.isOpen()) {
            return;
        }
        try {
            if (selector.selectNow() == 0) {
                return;
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.debug("the sweep of the direct channels stops: {}", e.toString());
            sweep.cancel(false);
            return;
        }
        for (SelectionKey key : selector.selectedKeys()) {
            ((DirectChannel) key.attachment()).readIfFree();
        }
        selector.selectedKeys().clear();
    }
}
