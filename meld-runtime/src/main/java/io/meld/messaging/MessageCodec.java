package io.meld.messaging;

import io.meld.transport.ProtocolException;
import io.meld.wire.ChunkAssembler;
import io.meld.wire.Elements;
import io.netty.buffer.ByteBuf;

/**
 * The payloads of {@link io.meld.transport.FrameType#MESSAGE} and {@link
 * io.meld.transport.FrameType#MESSAGE_CREDIT} frames. Little-endian.
 *
 * <h2>MESSAGE: one chunk of one message</h2>
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          Tag (int32)                          |  0
 *  +---------------+---------------+-------------------------------+
 *  | Payload Type  |   Reserved    |        Reserved (uint16)      |  4
 *  +---------------+---------------+-------------------------------+
 *  |                    Total Length (int64)                       |  8
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Chunk Offset (int64)                       | 16
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Chunk Data ...                            ... 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Tag</b>: the message's tag, 0 or more.
 *   <li><b>Payload Type</b>: {@link #BYTES}, {@link #LONGS}, {@link #DOUBLES} (elements little-endian,
 *       doubles as their raw bits), {@link #OBJECT} (an {@link io.meld.codec.ObjectCodec} encoding), or
 *       {@link #BYE}: the sender has closed and sends no more messages on this connection (no data).
 *   <li><b>Total Length</b>: bytes of the whole payload; <b>Chunk Offset</b>: where this frame's data
 *       starts in it. A message larger than a frame is sent as consecutive frames on one connection,
 *       offsets rising from 0, with no other message's frames between them; a message of 0 bytes is one
 *       frame without data.
 * </ul>
 *
 * <h2>MESSAGE_CREDIT: flow control, from a receiver to a sender or back</h2>
 *
 * <pre>
 *  +---------------+-----------------------------------------------+
 *  |     Kind      |              Reserved (7 bytes)               |  0
 *  +---------------+-----------------------------------------------+
 *  |                          Bytes (int64)                        |  8
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@link #GRANT} (receiver to sender): the receiver's program has taken messages worth
 *       <b>Bytes</b> of the sender's window (payload plus {@link MessagingService#MESSAGE_OVERHEAD} each)
 *       since its previous grant.
 *   <li>{@link #REQUEST} (sender to receiver): a send waits for window; grant what was taken now rather
 *       than later. <b>Bytes</b> is the cost of the waiting message (informational).
 * </ul>
 */
public final class MessageCodec {
    /** A {@code byte[]} payload. */
    public static final int BYTES = 1;
    /** A {@code long[]} payload. */
    public static final int LONGS = 2;
    /** A {@code double[]} payload. */
    public static final int DOUBLES = 3;
    /** An encoded object. */
    public static final int OBJECT = 4;
    /** The sender has closed. */
    public static final int BYE = 5;

    /** Credit kind: window handed back to the sender. */
    public static final int GRANT = 1;
    /** Credit kind: the sender waits for window. */
    public static final int REQUEST = 2;

    static final int TAG_OFFSET = 0;
    static final int TYPE_OFFSET = 4;
    static final int TOTAL_OFFSET = 8;
    static final int CHUNK_OFFSET_OFFSET = 16;
    /** Length of a MESSAGE header; the chunk data starts here. */
    public static final int HEADER_LENGTH = 24;
    /** Length of a MESSAGE_CREDIT payload. */
    public static final int CREDIT_LENGTH = 16;

    /** A decoded and checked MESSAGE header. */
    record Header(int tag, int type, long total, long offset) {}

    private MessageCodec() {}

    static void encode(ByteBuf buf, int tag, int type, long total, long offset) {
        buf.writeIntLE(tag);
        buf.writeByte(type);
        buf.writeByte(0);
        buf.writeShortLE(0);
        buf.writeLongLE(total);
        buf.writeLongLE(offset);
    }

    static void encodeCredit(ByteBuf buf, int kind, long bytes) {
        buf.writeByte(kind);
        buf.writeZero(7);
        buf.writeLongLE(bytes);
    }

    /**
     * @return the elements a payload type's frames carry: {@code long}s, {@code double}s, or bytes (for
     *     byte arrays, an object's encoding, and BYE, which has none)
     */
    static Elements<?> elements(int type) {
        return switch (type) {
            case LONGS -> Elements.LONGS;
            case DOUBLES -> Elements.DOUBLES;
            default -> Elements.BYTES;
        };
    }

    /** Reads and checks a MESSAGE header; the reader index is left at the chunk data. */
    static Header decode(ByteBuf payload) {
        if (payload.readableBytes() < HEADER_LENGTH) {
            throw new ProtocolException(
                    "message frame of " + payload.readableBytes() + " bytes, shorter than its header");
        }
        int tag = payload.readIntLE();
        int type = payload.readUnsignedByte();
        payload.skipBytes(3);
        long total = payload.readLongLE();
        long offset = payload.readLongLE();
        int chunk = payload.readableBytes();
        if (tag < 0) {
            throw new ProtocolException("message tag " + tag);
        }
        if (type < BYTES || type > BYE) {
            throw new ProtocolException("message payload type " + type);
        }
        if (total < 0 || offset < 0 || offset > total || chunk > total - offset) {
            throw new ProtocolException(
                    "message chunk [" + offset + ", +" + chunk + ") outside its total of " + total + " bytes");
        }
        int element = elements(type).size();
        if (total % element != 0 || chunk % element != 0 || offset % element != 0) {
            throw new ProtocolException("message of " + total + " bytes is not whole elements of " + element);
        }
        if (total / element > ChunkAssembler.MAX_ARRAY) {
            throw new ProtocolException("message of " + total + " bytes exceeds an array");
        }
        if (type == BYE && total != 0) {
            throw new ProtocolException("BYE message with " + total + " bytes");
        }
        return new Header(tag, type, total, offset);
    }
}
