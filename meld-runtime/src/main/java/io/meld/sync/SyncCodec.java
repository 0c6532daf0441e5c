package io.meld.sync;

import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * The payload of a {@link io.meld.transport.FrameType#SYNC} frame: one request to a lock's or latch's
 * home, or the home's answer. Little-endian, 24 bytes.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |     Kind      |   Reserved    |          Reserved             |  0
 *  +---------------+---------------+-------------------------------+
 *  |                        Object Id (int32)                      |  4
 *  +---------------------------------------------------------------+
 *  |                        Request Id (int64)                     |  8
 *  +---------------------------------------------------------------+
 *  |                        Value (int64)                          | 16
 *  +---------------------------------------------------------------+ 24
 * </pre>
 *
 * Requests (to the home): LOCK, UNLOCK and CANCEL carry the request id of the lock request; DOWN,
 * AWAIT and COUNT refer to a latch. Answers (from the home): GRANT and OPEN carry the request id they
 * answer, VALUE also a count.
 */
final class SyncCodec {
    static final int LOCK = 1;
    static final int UNLOCK = 2;
    static final int CANCEL = 3;
    static final int GRANT = 4;
    static final int DOWN = 5;
    static final int AWAIT = 6;
    static final int OPEN = 7;
    static final int COUNT = 8;
    static final int VALUE = 9;
    static final int LENGTH = 24;

    private SyncCodec() {}

    /** A decoded frame. */
    record Message(int kind, int object, long request, long value) {}

    static void encode(ByteBuf buf, int kind, int object, long request, long value) {
        buf.writeByte(kind).writeByte(0).writeShortLE(0);
        buf.writeIntLE(object).writeLongLE(request).writeLongLE(value);
    }

    static Message decode(ByteBuf payload) {
        if (payload.readableBytes() != LENGTH) {
            throw new ProtocolException("sync frame of " + payload.readableBytes() + " bytes, expected " + LENGTH);
        }
        int kind = payload.readUnsignedByte();
        payload.skipBytes(3);
        if (kind < LOCK || kind > VALUE) {
            throw new ProtocolException("unknown sync message kind " + kind);
        }
        return new Message(kind, payload.readIntLE(), payload.readLongLE(), payload.readLongLE());
    }
}
