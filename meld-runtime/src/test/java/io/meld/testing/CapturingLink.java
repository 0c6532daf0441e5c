package io.meld.testing;

import io.meld.NodeFailedException;
import io.meld.transport.FrameDescriptor;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * A link to a peer that the test plays: it hands a service the frames a fuzz test chose and keeps what
 * the service sends back, checked against the {@link Link} contract, instead of writing it anywhere.
 * Frames are heap buffers, so a test can tell afterwards whether the service sent or released every
 * frame it allocated ({@link #unreleased()}).
 *
 * <p><b>Concurrency</b>: for one thread, the one that plays the I/O thread.
 */
public final class CapturingLink implements Link {
    private final int rank;
    private final int lane;
    private final int maxFrameSize;
    private final List<ByteBuf> allocated = new ArrayList<>();
    private final List<byte[]> sent = new ArrayList<>();

    /**
     * @param rank the peer's rank
     * @param lane the lane
     * @param maxFrameSize the largest frame, header included
     */
    public CapturingLink(int rank, int lane, int maxFrameSize) {
        this.rank = rank;
        this.lane = lane;
        this.maxFrameSize = maxFrameSize;
    }

    /** @return the frames sent so far, whole (header included), in order */
    public List<byte[]> sent() {
        return sent;
    }

    /** @return how many frames allocated here were neither sent nor released */
    public int unreleased() {
        int n = 0;
        for (ByteBuf b : allocated) {
            n += b.refCnt() > 0 ? 1 : 0;
        }
        return n;
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
        return 1;
    }

    @Override
    public boolean isUp() {
        return true;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    public boolean inIoThread() {
        return true;
    }

    @Override
    public ByteBuf newFrame(int type, int flags, int payloadCapacity) {
        Link.checkNewFrame(type, flags, payloadCapacity, maxFrameSize);
        ByteBuf frame = Unpooled.buffer(FrameDescriptor.HEADER_LENGTH + payloadCapacity);
        FrameDescriptor.begin(frame, type, flags);
        allocated.add(frame);
        return frame;
    }

    @Override
    public void send(ByteBuf frame) {
        Link.checkAndSetLength(frame, maxFrameSize);
        sent.add(PeerFrames.drain(frame));
    }

    @Override
    public boolean isWritableNow() {
        return true;
    }

    @Override
    public void whenWritable(Runnable task) {
        task.run();
    }

    @Override
    public NodeFailedException failure(String what) {
        return new NodeFailedException(rank, what, null);
    }
}
