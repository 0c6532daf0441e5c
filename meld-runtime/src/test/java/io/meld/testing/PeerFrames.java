package io.meld.testing;

import io.meld.transport.FrameDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames of a fuzz test's input, cut as the transport cuts a peer's stream: a fuzz target of a
 * service takes the bytes a peer sends on a connection, and its seeds are such streams, written by the
 * service's own encoders. Where the transport would refuse a header (a length outside the stream, a
 * handshake type), the cut is lenient instead, so that every input reaches the service: a length that
 * does not fit is cut to the bytes left.
 */
public final class PeerFrames {
    /** One frame: its header's type and flags, and its payload (heap bytes, no release needed). */
    public record Frame(int type, int flags, ByteBuf payload) {}

    private PeerFrames() {}

    /** @return the frames of {@code stream}, in order; a short tail becomes a frame with the bytes it has */
    public static List<Frame> of(byte[] stream) {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        while (stream.length - at >= FrameDescriptor.HEADER_LENGTH) {
            int length = b.getInt(at + FrameDescriptor.LENGTH_OFFSET);
            if (length < FrameDescriptor.HEADER_LENGTH || length > stream.length - at) {
                length = stream.length - at;
            }
            int type = Byte.toUnsignedInt(stream[at + FrameDescriptor.TYPE_OFFSET]);
            int flags = Byte.toUnsignedInt(stream[at + FrameDescriptor.FLAGS_OFFSET]);
            ByteBuf payload = Unpooled.wrappedBuffer(
                    stream, at + FrameDescriptor.HEADER_LENGTH, length - FrameDescriptor.HEADER_LENGTH);
            frames.add(new Frame(type, flags, payload));
            at += length;
        }
        return frames;
    }

    /** @return a frame with this header and payload, as a peer writes it (sequence number 0) */
    public static byte[] frame(int type, int flags, byte[] payload) {
        return ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + payload.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(FrameDescriptor.HEADER_LENGTH + payload.length)
                .put((byte) type)
                .put((byte) flags)
                .putShort((short) 0)
                .putLong(0)
                .put(payload)
                .array();
    }

    /** @return the readable bytes of {@code buf}, which is released */
    public static byte[] drain(ByteBuf buf) {
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }
}
