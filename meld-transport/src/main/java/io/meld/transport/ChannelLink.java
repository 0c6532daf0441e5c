package io.meld.transport;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Link} over one TCP connection (a Netty channel), after a successful handshake.
 *
 * <p><b>Concurrency</b>: any thread may send. A frame handed to {@link #send(ByteBuf)} is queued on the
 * link's I/O thread, which stamps its sequence number and writes it; frames sent by one thread keep
 * that thread's order. When more than {@code meld.transport.send-buffer} bytes are queued, a sending
 * thread that is not the I/O thread waits until the queue drains to half (back-pressure bounds the
 * memory in flight); the I/O thread itself never waits.
 *
 * <p><b>Buffer ownership</b>: {@link #send(ByteBuf)} takes the buffer; Netty releases it once written,
 * and the link releases it if it cannot be sent.
 */
final class ChannelLink implements Link {
    private final Transport transport;
    private final int rank;
    private final int lane;
    private final long incarnation;
    private final Channel channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writable = lock.newCondition();
    /** Tasks waiting for the link to drain; touched on the I/O thread only. */
    private final ArrayDeque<Runnable> whenWritable = new ArrayDeque<>();

    private volatile Throwable downCause;
    private volatile boolean down;
    /** Set once the senders write this connection themselves (a served direct channel on epoll). */
    private volatile RawWriter raw;

    ChannelLink(Transport transport, int rank, int lane, long incarnation, Channel channel) {
        this.transport = transport;
        this.rank = rank;
        this.lane = lane;
        this.incarnation = incarnation;
        this.channel = channel;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int lane() {
        return lane;
    }

    @Override
    public long incarnation() {
        return incarnation;
    }

    @Override
    public boolean isUp() {
        return !down;
    }

    @Override
    public int maxFrameSize() {
        // The far end of a direct channel reads into a buffer of its own, no larger than this.
        return lane == DirectChannel.LANE
                ? Math.min(transport.maxFrameSize(), DirectChannel.READ_CAPACITY)
                : transport.maxFrameSize();
    }

    @Override
    public boolean inIoThread() {
        return channel.eventLoop().inEventLoop();
    }

    @Override
    public ByteBuf newFrame(int type, int flags, int payloadCapacity) {
        Link.checkNewFrame(type, flags, payloadCapacity, maxFrameSize());
        ByteBuf buf = channel.alloc().directBuffer(FrameDescriptor.HEADER_LENGTH + payloadCapacity);
        FrameDescriptor.begin(buf, type, flags);
        return buf;
    }

    @Override
    public void send(ByteBuf frame) {
        Link.checkAndSetLength(frame, maxFrameSize());
        RawWriter r = raw;
        if (r != null) {
            r.write(frame, this);
            return;
        }
        if (!channel.isWritable() && !channel.eventLoop().inEventLoop()) {
            awaitWritable(frame);
        }
        if (down) {
            frame.release();
            throw failure("cannot send to node " + rank + ": its link is down");
        }
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    @Override
    public boolean isWritableNow() {
        return raw != null || channel.isWritable();
    }

    @Override
    public void whenWritable(Runnable task) {
        if (!inIoThread()) {
            throw new IllegalStateException("whenWritable is for the link's I/O thread");
        }
        if (down) {
            return;
        }
        if (raw != null || channel.isWritable()) {
            task.run();
        } else {
            whenWritable.add(task);
        }
    }

    @Override
    public NodeFailedException failure(String what) {
        Throwable cause = downCause;
        return new NodeFailedException(rank, what + (cause != null ? ": " + cause.getMessage() : ""), cause);
    }

    @Override
    public String toString() {
        String which = lane == DirectChannel.LANE ? " (its direct channel)" : lane > 0 ? " lane " + lane : "";
        return "link to node " + rank + which + " (" + channel.remoteAddress() + ")";
    }

    Channel channel() {
        return channel;
    }

    /** Closes the connection from any thread; the link goes down with {@code cause}. */
    void close(Throwable cause) {
        close(cause, null);
    }

    /**
     * Closes the connection from any thread, after writing an {@link FrameType#EVICTED} frame with {@code
     * notice} if there is one and it can go at once; the link goes down with {@code cause}.
     */
    void close(Throwable cause, String notice) {
        try {
            channel.eventLoop().execute(transport.failStop().guard(() -> {
                ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
                if (notice != null && !down && channel.isActive()) {
                    RawWriter r = raw;
                    if (r != null) {
                        r.tryWrite(evicted(this, notice));
                    } else if (channel.isWritable()) {
                        // Written to the socket now, on this thread; closing after it still delivers it.
                        channel.writeAndFlush(evicted(this, notice), channel.voidPromise());
                    }
                }
                if (handler != null) {
                    handler.closeWith(cause);
                }
                closeChannel();
            }));
        } catch (RejectedExecutionException e) {
            // The node is closing and its I/O threads have stopped, closing every channel as they did (a view
            // that says a peer left can come that late).
        }
    }

    /** @return an {@link FrameType#EVICTED} frame of {@code link} with {@code notice}, cut to 1 KiB */
    static ByteBuf evicted(Link link, String notice) {
        byte[] text = notice.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 1024);
        ByteBuf frame = link.newFrame(FrameType.EVICTED, 0, length);
        frame.writeBytes(text, 0, length);
        Link.checkAndSetLength(frame, link.maxFrameSize());
        return frame;
    }

    /**
     * Has the senders write the connection themselves from now on ({@link RawWriter}), when the channel is
     * Netty's epoll one and nothing is queued in it: on the I/O thread, after the handshake's last frame.
     * With TLS, the session's engine passes from Netty's {@code SslHandler} to the writer, which encrypts
     * each frame on its sender's thread, and to a {@link ServedTlsDecoder}, which decrypts what arrives.
     *
     * @return whether they do
     */
    boolean writeRaw(long nextSequence) {
        if (!(channel instanceof EpollSocketChannel epoll)
                || channel.unsafe().outboundBuffer() == null
                || !channel.unsafe().outboundBuffer().isEmpty()) {
            return false;
        }
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null && !ssl.handshakeFuture().isSuccess()) {
            return false;
        }
        // Netty must not close the socket on its own when the peer's end closes: a sender may be writing.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        raw = ssl == null
                ? new RawWriter(epoll.fd(), nextSequence)
                : ServedTlsDecoder.takeOver(channel.pipeline(), ssl, epoll.fd(), nextSequence);
        return true;
    }

    /**
     * Closes the channel: for a connection its senders write, only once no write is in progress and none
     * can start ({@link RawWriter}).
     */
    void closeChannel() {
        RawWriter r = raw;
        if (r != null) {
            r.closeThen(channel::close);
        } else {
            channel.close();
        }
    }

    /** @return whether the senders write this connection themselves */
    boolean writesRaw() {
        return raw != null;
    }

    /** Called on the I/O thread when the channel's writability changes. */
    void writabilityChanged() {
        if (channel.isWritable()) {
            signalAll();
            while (!whenWritable.isEmpty() && channel.isWritable() && !down) {
                whenWritable.poll().run();
            }
        }
    }

    /** Called once, on the I/O thread, when the channel closes. */
    void markDown(Throwable cause) {
        downCause = cause;
        down = true;
        whenWritable.clear();
        signalAll();
    }

    private void awaitWritable(ByteBuf frame) {
        lock.lock();
        try {
            // The I/O thread signals under this lock after writability changes, so checking under the
            // lock cannot miss a wake-up; the timeout is only a guard against a lost channel event.
            while (!channel.isWritable() && !down) {
                writable.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            frame.release();
            throw new MeldException("interrupted while waiting to send to node " + rank, e);
        } finally {
            lock.unlock();
        }
    }

    private void signalAll() {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
