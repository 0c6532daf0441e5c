package io.meld.transport;

import io.netty.buffer.ByteBuf;
import java.util.function.IntPredicate;

/**
 * The layout of every frame on a Meld connection: a 16-byte header, then the payload its type defines.
 * All integers are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Frame Length (int32, header included)         |  0
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Flags     |      Reserved (0, uint16)     |  4
 *  +---------------+---------------+-------------------------------+
 *  |                                                               |  8
 *  +                Sequence Number (int64)                        +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                 Payload (Frame Length - 16 bytes)            ... 16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Frame Length</b>: from 16 to the connection's maximum frame size ({@code
 *       meld.transport.max-frame-size}); a payload larger than that is sent as several frames by the
 *       layer that owns it.
 *   <li><b>Type</b>: one of {@link FrameType}; a frame of a type nobody registered closes the
 *       connection.
 *   <li><b>Flags</b>: defined per type; 0 when the type defines none.
 *   <li><b>Sequence Number</b>: counts the frames one node has sent on one connection, from 0 (the
 *       handshake) up by one per frame. The receiver checks it, and failover will use it to tell which
 *       acknowledged frames a replacement node must see again.
 * </ul>
 */
public final class FrameDescriptor {
    /** Offset of the int32 frame length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the uint8 type. */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the uint8 flags. */
    public static final int FLAGS_OFFSET = 5;
    /** Offset of the reserved uint16. */
    public static final int RESERVED_OFFSET = 6;
    /** Offset of the int64 sequence number. */
    public static final int SEQUENCE_OFFSET = 8;
    /** Length of the header; the payload starts here. */
    public static final int HEADER_LENGTH = 16;

    private FrameDescriptor() {}

    /**
     * Writes a header at the buffer's writer index, with the length to be filled in by {@link
     * #finish(ByteBuf, int)} and the sequence number by the connection.
     *
     * @param buf the buffer
     * @param type the frame type
     * @param flags the flags
     * @return the offset of the frame's first byte
     */
    public static int begin(ByteBuf buf, int type, int flags) {
        int start = buf.writerIndex();
        buf.writeIntLE(0);
        buf.writeByte(type);
        buf.writeByte(flags);
        buf.writeShortLE(0);
        buf.writeLongLE(0);
        return start;
    }

    /**
     * Sets the length of the frame that starts at {@code start} to end at the writer index.
     *
     * @param buf the buffer
     * @param start the offset returned by {@link #begin(ByteBuf, int, int)}
     */
    public static void finish(ByteBuf buf, int start) {
        buf.setIntLE(start + LENGTH_OFFSET, buf.writerIndex() - start);
    }

    /**
     * Checks the header of the frame at the reader index, before its reader waits for the rest of it: the
     * one check of both readers of the data path (the Netty link's {@link FrameDecoder} and a {@link
     * DirectChannel}), so that the fuzzing of one covers the other.
     *
     * @param in bytes from a peer, with at least {@link #HEADER_LENGTH} readable
     * @param maxFrameSize the largest frame the reader takes ({@code meld.transport.max-frame-size})
     * @param takes the frame types the reader takes
     * @return the frame's length, from {@link #HEADER_LENGTH} to {@code maxFrameSize}
     * @throws ProtocolException naming the length or type that is out of bounds
     */
    static int checkedLength(ByteBuf in, int maxFrameSize, IntPredicate takes) {
        int start = in.readerIndex();
        int length = in.getIntLE(start + LENGTH_OFFSET);
        if (length < HEADER_LENGTH || length > maxFrameSize) {
            throw new ProtocolException("frame length " + Integer.toUnsignedString(length) + " is outside "
                    + HEADER_LENGTH + ".." + maxFrameSize
                    + " (meld.transport.max-frame-size); not a Meld peer, or a different maximum frame size");
        }
        int type = in.getUnsignedByte(start + TYPE_OFFSET);
        if (!takes.test(type)) {
            throw new ProtocolException("unknown frame type " + type);
        }
        return length;
    }

    /**
     * @param frame a frame starting at its reader index
     * @return its length
     */
    public static int length(ByteBuf frame) {
        return frame.getIntLE(frame.readerIndex() + LENGTH_OFFSET);
    }

    /**
     * @param frame a frame starting at its reader index
     * @return its type
     */
    public static int type(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + TYPE_OFFSET);
    }

    /**
     * @param frame a frame starting at its reader index
     * @return its flags
     */
    public static int flags(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + FLAGS_OFFSET);
    }

    /**
     * @param frame a frame starting at its reader index
     * @return its sequence number
     */
    public static long sequence(ByteBuf frame) {
        return frame.getLongLE(frame.readerIndex() + SEQUENCE_OFFSET);
    }
}
