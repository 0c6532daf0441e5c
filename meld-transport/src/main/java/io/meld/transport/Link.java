package io.meld.transport;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connection to one peer, after a successful handshake: frames sent here arrive at the peer in the
 * order they were sent, and the peer's frames arrive at this node's {@link FrameHandler}s in its order.
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
public final class Link {
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

    Link(Transport transport, int rank, int lane, long incarnation, Channel channel) {
        this.transport = transport;
        this.rank = rank;
        this.lane = lane;
        this.incarnation = incarnation;
        this.channel = channel;
    }

    /** @return the peer's rank */
    public int rank() {
        return rank;
    }

    /** @return which of the connections to the peer this is, from 0 to the lanes less one */
    public int lane() {
        return lane;
    }

    /** @return the peer's incarnation, as it announced in the handshake */
    public long incarnation() {
        return incarnation;
    }

    /** @return whether frames can still be sent on this link */
    public boolean isUp() {
        return !down;
    }

    /** @return the maximum frame size, header included */
    public int maxFrameSize() {
        return transport.maxFrameSize();
    }

    /** @return the largest payload one frame can carry */
    public int maxPayload() {
        return transport.maxFrameSize() - FrameDescriptor.HEADER_LENGTH;
    }

    /** @return whether the calling thread is this link's I/O thread */
    public boolean inIoThread() {
        return channel.eventLoop().inEventLoop();
    }

    /**
     * Allocates a frame with its header written; the caller appends the payload and calls {@link
     * #send(ByteBuf)}.
     *
     * @param type the frame type, above {@link FrameType#REJECT} (the handshake's types belong to the
     *     transport) and at most {@link FrameType#MAX}
     * @param flags the frame's flags, 0 to 255
     * @param payloadCapacity how many payload bytes the caller will write, 0 to {@link #maxPayload()}
     * @return a pooled buffer, positioned at the start of the payload
     * @throws IllegalArgumentException when a value is out of range; nothing is allocated
     */
    public ByteBuf newFrame(int type, int flags, int payloadCapacity) {
        // Checked here because the header has one byte for each: a wider value would be cut silently,
        // and a handshake type closes the connection at the peer.
        if (type <= FrameType.REJECT || type > FrameType.MAX) {
            throw new IllegalArgumentException("frame type " + type + " is reserved or out of range ("
                    + (FrameType.REJECT + 1) + ".." + FrameType.MAX + ")");
        }
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("flags " + flags + " do not fit the frame header's byte");
        }
        if (payloadCapacity < 0 || payloadCapacity > maxPayload()) {
            throw new IllegalArgumentException("payload of " + payloadCapacity + " bytes is outside 0.." + maxPayload()
                    + ", the largest payload of a frame of " + maxFrameSize() + " bytes ("
                    + TransportSettings.MAX_FRAME_SIZE.name() + ", " + FrameDescriptor.HEADER_LENGTH
                    + " of them header)");
        }
        ByteBuf buf = channel.alloc().directBuffer(FrameDescriptor.HEADER_LENGTH + payloadCapacity);
        FrameDescriptor.begin(buf, type, flags);
        return buf;
    }

    /**
     * Sends a frame allocated by {@link #newFrame}, setting its length from its writer index. Waits while
     * the link's queue is full, unless called on the I/O thread.
     *
     * @param frame the frame; this link owns it from now on
     * @throws NodeFailedException when the link is down; the frame is released
     * @throws IllegalArgumentException when the frame exceeds the maximum frame size or is shorter than a
     *     header; the frame is released
     */
    public void send(ByteBuf frame) {
        int length = frame.readableBytes();
        if (length > transport.maxFrameSize() || length < FrameDescriptor.HEADER_LENGTH) {
            frame.release();
            throw new IllegalArgumentException("frame of " + length + " bytes is outside "
                    + FrameDescriptor.HEADER_LENGTH + ".." + transport.maxFrameSize() + " ("
                    + TransportSettings.MAX_FRAME_SIZE.name() + ")");
        }
        frame.setIntLE(frame.readerIndex() + FrameDescriptor.LENGTH_OFFSET, length);
        if (!channel.isWritable() && !channel.eventLoop().inEventLoop()) {
            awaitWritable(frame);
        }
        if (down) {
            frame.release();
            throw failure("cannot send to node " + rank + ": its link is down");
        }
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    /** @return whether the link's queue is below its high-water mark */
    public boolean isWritableNow() {
        return channel.isWritable();
    }

    /**
     * Runs {@code task} on the I/O thread once the link's queue has drained below its low-water mark
     * (now, if it has). For producers on the I/O thread, which must not block, to send much without
     * queueing it all: they send while {@link #isWritableNow()} and then ask to be called back. Tasks of
     * a link that goes down are dropped.
     *
     * @param task what to run; must be called on this link's I/O thread
     */
    public void whenWritable(Runnable task) {
        if (!inIoThread()) {
            throw new IllegalStateException("whenWritable is for the link's I/O thread");
        }
        if (down) {
            return;
        }
        if (channel.isWritable()) {
            task.run();
        } else {
            whenWritable.add(task);
        }
    }

    /**
     * @param what what was being done
     * @return the exception that reports this link's failure
     */
    public NodeFailedException failure(String what) {
        Throwable cause = downCause;
        return new NodeFailedException(rank, what + (cause != null ? ": " + cause.getMessage() : ""), cause);
    }

    @Override
    public String toString() {
        return "link to node " + rank + (lane > 0 ? " lane " + lane : "") + " (" + channel.remoteAddress() + ")";
    }

    Channel channel() {
        return channel;
    }

    /** Closes the connection from any thread; the link goes down with {@code cause}. */
    void close(Throwable cause) {
        channel.eventLoop().execute(() -> {
            ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
            if (handler != null) {
                handler.closeWith(cause);
            }
            channel.close();
        });
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
