package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * A connection's receive buffers: those of the allocator it wraps (Netty's adaptive one), except while
 * {@link FrameDecoder} waits for the rest of a large frame. Then every read goes straight into that
 * frame's own buffer, up to the frame's last byte, and the payload is never copied in user space
 * between the socket and the frame's handler.
 *
 * <p>A socket read fills a buffer from its writer index up to its capacity; a frame buffer is allocated
 * with a capacity of exactly the frame's length, so a read stops at the frame's end and the next frame
 * starts in a buffer of its own.
 *
 * <p><b>Buffer ownership</b>: the decoder owns the target buffer. Each {@link Handle#allocate} hands the
 * channel one more reference to it, which the channel passes on to the decoder with the bytes read (or
 * releases when it read nothing).
 *
 * <p><b>Concurrency</b>: one instance per channel, used on its I/O thread only (the channel's reads and
 * the decoder both run there).
 */
final class FrameRecvByteBufAllocator implements RecvByteBufAllocator {
    private final RecvByteBufAllocator delegate;
    private ByteBuf target;

    FrameRecvByteBufAllocator(RecvByteBufAllocator delegate) {
        this.delegate = delegate;
    }

    /**
     * @param frame where the next reads go, until called again; {@code null} for the wrapped allocator's
     *     buffers
     */
    void readInto(ByteBuf frame) {
        this.target = frame;
    }

    @Override
    public ExtendedHandle newHandle() {
        return new FrameHandle((ExtendedHandle) delegate.newHandle());
    }

    /**
     * @param allocator a channel's receive buffer allocator
     * @return whether it can be wrapped: the native transports need {@link ExtendedHandle}s, which every
     *     allocator of Netty's makes
     */
    static boolean canWrap(RecvByteBufAllocator allocator) {
        return allocator.newHandle() instanceof ExtendedHandle;
    }

    private final class FrameHandle extends DelegatingHandle implements ExtendedHandle {
        FrameHandle(ExtendedHandle delegate) {
            super(delegate);
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            ByteBuf frame = target;
            return frame != null ? frame.retain() : delegate().allocate(alloc);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
