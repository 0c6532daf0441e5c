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
 * <p>Runs on the connection's I/O thread only.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameSize;
    private final boolean[] knownTypes;

    FrameDecoder(int maxFrameSize, boolean[] knownTypes) {
        this.maxFrameSize = maxFrameSize;
        this.knownTypes = knownTypes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= FrameDescriptor.HEADER_LENGTH) {
            int length = in.getIntLE(in.readerIndex() + FrameDescriptor.LENGTH_OFFSET);
            if (length < FrameDescriptor.HEADER_LENGTH || length > maxFrameSize) {
                throw new ProtocolException("frame length " + Integer.toUnsignedString(length) + " is outside "
                        + FrameDescriptor.HEADER_LENGTH + ".." + maxFrameSize
                        + " (meld.transport.max-frame-size); not a Meld peer, or a different maximum frame size");
            }
            int type = in.getUnsignedByte(in.readerIndex() + FrameDescriptor.TYPE_OFFSET);
            if (!knownTypes[type]) {
                throw new ProtocolException("unknown frame type " + type);
            }
            if (in.readableBytes() < length) {
                return;
            }
            out.add(in.readRetainedSlice(length));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable()) {
            int pending = in.readableBytes();
            String expected = pending >= 4 ? " of " + in.getIntLE(in.readerIndex()) : "";
            in.skipBytes(pending);
            throw new ProtocolException(
                    "truncated frame: the connection closed after " + pending + expected + " bytes");
        }
    }
}
