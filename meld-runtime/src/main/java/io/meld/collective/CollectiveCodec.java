package io.meld.collective;

import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * The payload of a {@link io.meld.transport.FrameType#COLLECTIVE} frame. Little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                                                               |  0
 *  +             Collective Sequence Number (int64)                +
 *  |                                                               |
 *  +---------------+---------------+-------------------------------+
 *  |     Kind      |   Operation   |        Reserved (uint16)      |  8
 *  +---------------+---------------+-------------------------------+
 *  |                          Root (int32)                         | 12
 *  +---------------------------------------------------------------+
 *  |                    Total Data Length (int64)                  | 16
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Chunk Offset (int64)                       | 24
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Chunk Data ...                            ... 32
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Collective Sequence Number</b>: the count of collectives the sender has called, from 1.
 *       Every node calls the same collectives in the same order, so equal numbers must carry equal
 *       kinds, operations and roots: that is how a mismatch is found.
 *   <li><b>Kind</b>: {@link Kind}. <b>Operation</b>: 0 for none, {@code ordinal + 1} of a {@link
 *       io.meld.LongOp} or {@link io.meld.DoubleOp}, or 255 for an operator of the program's own.
 *   <li><b>Root</b>: the root of a broadcast, -1 for kinds without one.
 *   <li><b>Total Data Length</b> and <b>Chunk Offset</b>: the sender's whole contribution may exceed
 *       one frame; each frame carries the bytes {@code [offset, offset + chunk length)} of it, in order.
 *       A reduction carries 8 bytes (the value's bits), a barrier none, an abort the UTF-8 reason. A
 *       broadcast frame from a node other than its root carries none: it tells the root that the
 *       sender has reached the broadcast.
 * </ul>
 */
final class CollectiveCodec {
    static final int SEQUENCE_OFFSET = 0;
    static final int KIND_OFFSET = 8;
    static final int OP_OFFSET = 9;
    static final int ROOT_OFFSET = 12;
    static final int TOTAL_OFFSET = 16;
    static final int CHUNK_OFFSET_OFFSET = 24;
    static final int HEADER_LENGTH = 32;

    static final int OP_NONE = 0;
    static final int OP_CUSTOM = 255;

    /** What a collective frame is part of. */
    enum Kind {
        BARRIER(1, 0, "barrier()"),
        REDUCE_LONG(2, 8, "allReduce(long)"),
        REDUCE_DOUBLE(3, 8, "allReduce(double)"),
        BROADCAST_LONGS(4, 8, "broadcast(long[])"),
        BROADCAST_DOUBLES(5, 8, "broadcast(double[])"),
        BROADCAST_BYTES(6, 1, "broadcast(byte[])"),
        CLOSE(7, 0, "close()"),
        ABORT(8, 1, "abort");

        private static final Kind[] BY_CODE = new Kind[9];

        static {
            for (Kind k : values()) {
                BY_CODE[k.code] = k;
            }
        }

        final int code;
        final int elementSize;
        final String text;

        Kind(int code, int elementSize, String text) {
            this.code = code;
            this.elementSize = elementSize;
            this.text = text;
        }

        static Kind of(int code) {
            Kind k = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
            if (k == null) {
                throw new ProtocolException("unknown collective kind " + code);
            }
            return k;
        }

        boolean isBroadcast() {
            return this == BROADCAST_LONGS || this == BROADCAST_DOUBLES || this == BROADCAST_BYTES;
        }
    }

    /** The header of one collective frame, decoded and checked. */
    record Header(long sequence, Kind kind, int op, int root, long total, long offset) {}

    private CollectiveCodec() {}

    static void encode(ByteBuf buf, long sequence, Kind kind, int op, int root, long total, long offset) {
        buf.writeLongLE(sequence);
        buf.writeByte(kind.code);
        buf.writeByte(op);
        buf.writeShortLE(0);
        buf.writeIntLE(root);
        buf.writeLongLE(total);
        buf.writeLongLE(offset);
    }

    /** Reads and checks the header; the buffer's reader index is left at the chunk data. */
    static Header decode(ByteBuf payload, int size) {
        if (payload.readableBytes() < HEADER_LENGTH) {
            throw new ProtocolException(
                    "collective frame of " + payload.readableBytes() + " bytes, shorter than its header");
        }
        long sequence = payload.readLongLE();
        Kind kind = Kind.of(payload.readUnsignedByte());
        int op = payload.readUnsignedByte();
        payload.skipBytes(2);
        int root = payload.readIntLE();
        long total = payload.readLongLE();
        long offset = payload.readLongLE();
        int chunk = payload.readableBytes();
        if (sequence < 1) {
            throw new ProtocolException("collective sequence number " + sequence);
        }
        if (root < -1 || root >= size) {
            throw new ProtocolException("collective root " + root + " outside a cluster of " + size);
        }
        if (total < 0 || offset < 0 || offset > total || chunk > total - offset) {
            throw new ProtocolException(
                    "collective chunk [" + offset + ", +" + chunk + ") outside its total of " + total + " bytes");
        }
        if (kind.elementSize > 1 && (total % kind.elementSize != 0 || chunk % kind.elementSize != 0)) {
            throw new ProtocolException("collective " + kind + " data of " + total + " bytes is not whole elements");
        }
        if ((long) Integer.MAX_VALUE * Math.max(1, kind.elementSize) < total) {
            throw new ProtocolException("collective data of " + total + " bytes exceeds an array");
        }
        return new Header(sequence, kind, op, root, total, offset);
    }
}
