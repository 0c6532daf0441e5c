package io.meld.transport;

import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayDeque;

/**
 * One direction of one lane of an {@link InMemoryNetwork}: node {@code from}'s link to node {@code to}.
 * It keeps a {@link ChannelLink}'s contract; its state is guarded by the network's lock, and the thread
 * that delivers is its I/O thread.
 */
final class InMemoryLink implements Link {
    private final InMemoryNetwork network;
    final InMemoryNetwork.Endpoint from;
    final InMemoryNetwork.Endpoint to;
    private final int lane;
    /** Under the network's network.lock. */
    private final ArrayDeque<Runnable> whenWritable = new ArrayDeque<>();
    /** The link from {@code to} back to {@code from}; set once, at attachment. */
    InMemoryLink reverse;

    // Under the network's network.lock.
    private long queuedBytes;
    private long nextSequence;
    private boolean writable = true;
    boolean closing;
    private volatile boolean down;
    private volatile Throwable downCause;

    InMemoryLink(InMemoryNetwork network, InMemoryNetwork.Endpoint from, InMemoryNetwork.Endpoint to, int lane) {
        this.network = network;
        this.from = from;
        this.to = to;
        this.lane = lane;
    }

    InMemoryNetwork network() {
        return network;
    }

    @Override
    public int rank() {
        return to.rank;
    }

    @Override
    public int lane() {
        return lane;
    }

    @Override
    public long incarnation() {
        return to.incarnation;
    }

    @Override
    public boolean isUp() {
        return !down;
    }

    @Override
    public int maxFrameSize() {
        return network.maxFrameSize;
    }

    @Override
    public boolean inIoThread() {
        return network.isDeliverer();
    }

    @Override
    public ByteBuf newFrame(int type, int flags, int payloadCapacity) {
        Link.checkNewFrame(type, flags, payloadCapacity, network.maxFrameSize);
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(FrameDescriptor.HEADER_LENGTH + payloadCapacity);
        FrameDescriptor.begin(buf, type, flags);
        return buf;
    }

    @Override
    public void send(ByteBuf frame) {
        Link.checkAndSetLength(frame, network.maxFrameSize);
        network.lock.lock();
        try {
            if (!inIoThread()) {
                while (!writable && !down && !closing) {
                    network.changed.awaitUninterruptibly();
                }
            }
            if (down || closing) {
                frame.release();
                throw failure("cannot send to node " + to.rank + ": its link is down");
            }
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextSequence++);
            queuedBytes += frame.readableBytes();
            if (queuedBytes > network.highWater) {
                writable = false;
            }
            network.enqueue(new InMemoryNetwork.Frame(this, frame));
            network.changed.signalAll();
        } finally {
            network.lock.unlock();
        }
    }

    @Override
    public boolean isWritableNow() {
        network.lock.lock();
        try {
            return writable;
        } finally {
            network.lock.unlock();
        }
    }

    @Override
    public void whenWritable(Runnable task) {
        if (!inIoThread()) {
            throw new IllegalStateException("whenWritable is for the link's I/O thread");
        }
        network.lock.lock();
        try {
            if (down) {
                return;
            }
            if (!writable) {
                whenWritable.add(task);
                return;
            }
        } finally {
            network.lock.unlock();
        }
        task.run();
    }

    @Override
    public NodeFailedException failure(String what) {
        Throwable cause = downCause;
        return new NodeFailedException(to.rank, what + (cause != null ? ": " + cause.getMessage() : ""), cause);
    }

    @Override
    public String toString() {
        return "in-memory link from node " + from.rank + " to node " + to.rank + (lane > 0 ? " lane " + lane : "");
    }

    /**
     * A frame of this link left the queue, on the delivering thread; under the network.lock.
     *
     * @return the callbacks to run now that the link drained, or {@code null}
     */
    Runnable[] dequeued(int bytes) {
        queuedBytes -= bytes;
        if (writable || queuedBytes > network.lowWater) {
            return null;
        }
        writable = true;
        network.changed.signalAll();
        Runnable[] tasks = whenWritable.toArray(Runnable[]::new);
        whenWritable.clear();
        return tasks;
    }

    /**
     * Runs the callbacks of a link that drained, on the delivering thread (every link's I/O thread,
     * as Netty runs them on the channel's event loop) and outside the lock, since they send; those
     * left when the link fills up again wait for the next time.
     */
    void runWhenWritable(Runnable[] tasks) {
        for (int i = 0; i < tasks.length; i++) {
            network.lock.lock();
            try {
                if (down) {
                    return;
                }
                if (!writable) {
                    for (int j = i; j < tasks.length; j++) {
                        whenWritable.add(tasks[j]);
                    }
                    return;
                }
            } finally {
                network.lock.unlock();
            }
            tasks[i].run();
        }
    }

    /** @return whether the link was up until now; under the lock */
    boolean markDown(Throwable cause) {
        if (down) {
            return false;
        }
        downCause = cause;
        down = true;
        whenWritable.clear();
        queuedBytes = 0;
        network.changed.signalAll();
        return true;
    }
}
