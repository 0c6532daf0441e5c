package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream of a connection into frames and checks each header before anything reads the
 * payload: the length must be from {@link FrameDescriptor#HEADER_LENGTH} to the maximum frame size and
 * the type must have a handler. Emits each frame as a retained slice; the next handler releases it.
 *
 * <p>A header that fails a check raises a {@link ProtocolException}; so does a stream that ends inside a
 * frame. After the first error the decoder discards every byte: nothing after a bad header can be trusted
 * to start a frame, and the connection is closing.
 *
 * <p>Runs on the connection's I/O thread only.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameSize;
    private final boolean[] knownTypes;
    private boolean failed;

    FrameDecoder(int maxFrameSize, boolean[] knownTypes) {
        this.maxFrameSize = maxFrameSize;
        this.knownTypes = knownTypes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= FrameDescriptor.HEADER_LENGTH) {
            int length = in.getIntLE(in.readerIndex() + FrameDescriptor.LENGTH_OFFSET);
            if (length < FrameDescriptor.HEADER_LENGTH || length > maxFrameSize) {
                throw fail(
                        in,
                        "frame length " + Integer.toUnsignedString(length) + " is outside "
                                + FrameDescriptor.HEADER_LENGTH + ".." + maxFrameSize
                                + " (meld.transport.max-frame-size); not a Meld peer, or a different maximum frame size");
            }
            int type = in.getUnsignedByte(in.readerIndex() + FrameDescriptor.TYPE_OFFSET);
            if (!knownTypes[type]) {
                throw fail(in, "unknown frame type " + type);
            }
            if (in.readableBytes() < length) {
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
        if (failed || !in.isReadable()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int pending = in.readableBytes();
        String expected = pending >= 4 ? " of " + Integer.toUnsignedString(in.getIntLE(in.readerIndex())) : "";
        ctx.fireExceptionCaught(
                fail(in, "truncated frame: the connection closed after " + pending + expected + " bytes"));
    }

    private ProtocolException fail(ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return new ProtocolException(reason);
    }
}
