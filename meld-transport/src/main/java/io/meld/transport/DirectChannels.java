package io.meld.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link DirectChannel}s, one per peer, the sweep that reads those nobody holds, and the ends of
 * the peers' direct channels that this node serves (connections of their own, whose senders write them
 * themselves, {@link RawWriter}).
 *
 * <p><b>The sweep.</b> A direct channel is read by the thread that holds it or waits on it; frames that
 * arrive while none does (a peer's contribution to a collective this node has not reached yet, the late
 * answer to a call that timed out) would wait in the socket. Every {@link #SWEEP_MILLIS} an I/O thread
 * reads every channel that has something and that nobody holds, and hands the frames to their handlers
 * there, as a lane's I/O thread would: a node that is not in a collective still finds a mismatch, and
 * its peers hear of it, within that time.
 *
 * <p><b>Concurrency</b>: {@link #open} by the thread that connects the node, before any other use;
 * everything else by any thread (the ends are installed and forgotten on I/O threads); the sweep on one
 * I/O thread.
 */
final class DirectChannels {
    /** How often the sweep looks for frames nobody has read. */
    static final long SWEEP_MILLIS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(DirectChannels.class);

    private final AtomicReferenceArray<DirectChannel> channels;
    /** The ends of the peers' direct channels to this node, by peer. */
    private final AtomicReferenceArray<ChannelLink> served;

    private volatile Selector sweepSelector;
    private volatile ScheduledFuture<?> sweep;
    /** The I/O thread the sweep runs on, which also closes its selector: never while it sweeps. */
    private volatile EventLoop sweepLoop;

    DirectChannels(int size) {
        this.channels = new AtomicReferenceArray<>(size);
        this.served = new AtomicReferenceArray<>(size);
    }

    /** Installs the end of a peer's direct channel; @return {@code false} when the peer has one already */
    boolean serve(ChannelLink end) {
        return served.compareAndSet(end.rank(), null, end);
    }

    /** Forgets the end of a peer's direct channel, which went down. */
    void unserve(ChannelLink end) {
        served.compareAndSet(end.rank(), end, null);
    }

    /** @return the end of {@code peer}'s direct channel that this node serves, up, or {@code null} */
    ChannelLink servedTo(int peer) {
        ChannelLink end = served.get(peer);
        return end != null && end.isUp() ? end : null;
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
        sweep = loop.scheduleWithFixedDelay(
                transport.failStop().guard(this::sweep), SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** @return the channel to {@code peer}, or {@code null} */
    DirectChannel get(int peer) {
        return channels.get(peer);
    }

    /** Forgets a channel that broke. */
    void remove(DirectChannel channel) {
        channels.compareAndSet(channel.rank(), channel, null);
    }

    /** Closes the channel to {@code peer} and the end of its channel here, if any; the end with {@code cause}. */
    void close(int peer, Throwable cause) {
        close(peer, cause, null);
    }

    /** The same, first writing {@code notice} on both if it can go at once ({@link Links#disconnect}). */
    void close(int peer, Throwable cause, String notice) {
        DirectChannel d = channels.get(peer);
        if (d != null) {
            if (notice != null) {
                d.tryWriteLast(notice);
            }
            d.close();
        }
        ChannelLink end = served.get(peer);
        if (end != null) {
            end.close(cause, notice);
        }
    }

    /**
     * Stops the sweep and closes every channel and every end served here.
     *
     * @return the closing of the ends, for the caller to wait on
     */
    List<ChannelFuture> close() {
        ScheduledFuture<?> s = sweep;
        if (s != null) {
            s.cancel(false);
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (int i = 0; i < channels.length(); i++) {
            DirectChannel d = channels.get(i);
            if (d != null) {
                d.close();
            }
            ChannelLink end = served.get(i);
            if (end != null && end.writesRaw()) {
                end.closeChannel(); // its senders write it at once: nothing is queued
                closing.add(end.channel().closeFuture());
            } else if (end != null) {
                closing.add(
                        end.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
            }
        }
        Selector selector = sweepSelector;
        if (selector != null) {
            try {
                sweepLoop.execute(() -> closeQuietly(selector));
            } catch (RejectedExecutionException e) {
                closeQuietly(selector); // the loop has stopped, and the sweep with it
            }
        }
        return closing;
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
            selector.selectNow();
            for (SelectionKey key : selector.keys()) {
                DirectChannel d = (DirectChannel) key.attachment();
                if (d.hasBuffered() || selector.selectedKeys().contains(key)) {
                    d.readIfFree();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.debug("the sweep of the direct channels stops: {}", e.toString());
            sweep.cancel(false);
            return;
        }
        selector.selectedKeys().clear();
    }
}
