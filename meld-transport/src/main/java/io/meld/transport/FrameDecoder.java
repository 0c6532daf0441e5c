package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Cuts the byte stream of a connection into frames and checks each header before anything reads the
 * payload: the length must be from {@link FrameDescriptor#HEADER_LENGTH} to the maximum frame size and
 * the type must have a handler. Emits each frame as a buffer of its own or a retained slice; the next
 * handler releases it.
 *
 * <p>A header that fails a check raises a {@link ProtocolException}; so does a stream that ends inside a
 * frame. After the first error the decoder discards every byte: nothing after a bad header can be trusted
 * to start a frame, and the connection is closing.
 *
 * <p><b>Large frames</b> (bulk transfers stream frames of up to the maximum frame size, 1 MiB by
 * default) are not gathered in the cumulation buffer, which would copy every byte once more: when the
 * rest of a frame is at least {@link #DIRECT_READ_THRESHOLD} bytes, the decoder allocates a buffer of
 * exactly the frame's length, moves in the part already read, and has the channel read the rest straight
 * into it ({@link FrameRecvByteBufAllocator}, installed on the channel when this handler is added). The
 * frame is emitted once its last byte is in. Bytes that arrive some other way meanwhile (a channel that
 * does not use its receive allocator, or a TLS connection, whose plaintext comes from the SslHandler) are
 * copied into the frame, so the stream is cut the same either way.
 *
 * <p>Runs on the connection's I/O thread only.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /**
     * The least number of missing bytes for which a frame is read into a buffer of its own. A frame read
     * that way ends a socket read at its last byte, so the next frame needs one more read: worth it once
     * copying the missing bytes would cost more than that read, and small frames keep sharing reads.
     */
    static final int DIRECT_READ_THRESHOLD = 64 << 10;

    private final int maxFrameSize;
    /** The frame types of the handshake and of the handlers. */
    private final IntPredicate known;

    private final int directReadThreshold;
    private boolean failed;
    /** The channel's receive allocator, when this decoder could install it; else {@code null}. */
    private FrameRecvByteBufAllocator reads;
    /** The large frame being read into its own buffer, or {@code null}; this decoder holds one reference. */
    private ByteBuf frame;

    FrameDecoder(int maxFrameSize, boolean[] knownTypes) {
        this(maxFrameSize, knownTypes, DIRECT_READ_THRESHOLD);
    }

    /** For tests, which use frames smaller than the default threshold. */
    FrameDecoder(int maxFrameSize, boolean[] knownTypes, int directReadThreshold) {
        this.maxFrameSize = maxFrameSize;
        this.known = type -> knownTypes[type];
        this.directReadThreshold = directReadThreshold;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        RecvByteBufAllocator current = ctx.channel().config().getRecvByteBufAllocator();
        // Behind TLS the socket's bytes are records, which the SslHandler must read: only plaintext may go
        // into a frame's buffer, and it reaches this decoder as the handler's own buffers.
        if (FrameRecvByteBufAllocator.canWrap(current) && ctx.pipeline().get(SslHandler.class) == null) {
            reads = new FrameRecvByteBufAllocator(current);
            ctx.channel().config().setRecvByteBufAllocator(reads);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        ByteBuf large = frame;
        if (large == null || !(msg instanceof ByteBuf in)) {
            super.channelRead(ctx, msg);
            return;
        }
        if (in == large) {
            in.release(); // the read's reference; this decoder keeps its own
        } else {
            large.writeBytes(in, Math.min(in.readableBytes(), large.writableBytes()));
        }
        if (!large.isWritable()) {
            frame = null;
            readIntoFrame(null);
            ctx.fireChannelRead(large);
        }
        if (in != large) {
            if (in.isReadable()) {
                super.channelRead(ctx, in);
            } else {
                in.release();
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= FrameDescriptor.HEADER_LENGTH) {
            int length;
            try {
                length = FrameDescriptor.checkedLength(in, maxFrameSize, known);
            } catch (ProtocolException e) {
                throw fail(in, e.getMessage());
            }
            if (in.readableBytes() < length) {
                if (length - in.readableBytes() >= directReadThreshold) {
                    // Everything before this frame has been cut, so the frame's start is all that is left.
                    frame = ctx.alloc().directBuffer(length, length).writeBytes(in);
                    readIntoFrame(frame);
                }
                return;
            }
            out.add(in.readRetainedSlice(length));
        }
    }

    /**
     * At the end of the stream, when {@code channelRead} has already cut every complete frame: bytes left
     * over are a frame cut short. The error is fired rather than thrown: Netty would deliver a thrown one
     * after {@code channelInactive}, and the link would go down as if the peer had closed cleanly.
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ByteBuf large = frame;
        if (large != null) {
            frame = null;
            readIntoFrame(null);
            int pending = large.readableBytes();
            int expected = large.capacity();
            large.release();
            if (!failed) {
                ctx.fireExceptionCaught(fail(
                        in, "truncated frame: the connection closed after " + pending + " of " + expected + " bytes"));
            }
            return;
        }
        if (failed || !in.isReadable()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int pending = in.readableBytes();
        String expected = pending >= 4 ? " of " + Integer.toUnsignedString(in.getIntLE(in.readerIndex())) : "";
        ctx.fireExceptionCaught(
                fail(in, "truncated frame: the connection closed after " + pending + expected + " bytes"));
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (frame != null) {
            frame.release();
            frame = null;
            readIntoFrame(null);
        }
    }

    private void readIntoFrame(ByteBuf target) {
        if (reads != null) {
            reads.readInto(target);
        }
    }

    private ProtocolException fail(ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return new ProtocolException(reason);
    }
}
