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
 *   <li><b>Root</b>: the root of a rooted collective (broadcast, gather, scatter, reduce), -1 for kinds
 *       without one.
 *   <li><b>Total Data Length</b> and <b>Chunk Offset</b>: the sender's whole contribution to this
 *       receiver may exceed one frame; each frame carries the bytes {@code [offset, offset + chunk
 *       length)} of it, in order. A scalar all-reduce carries 8 bytes (the value's bits), a barrier none,
 *       an abort the UTF-8 reason. A broadcast frame from a node other than its root carries none: it
 *       tells the root that the sender has reached the broadcast.
 *   <li>The kinds from {@code GATHER_BYTES} on carry one array (little-endian elements, doubles as raw
 *       bits) or nothing from each sender to each receiver it pairs with: a sender's array for gather,
 *       all-gather, reduce, all-reduce and to higher ranks in a scan; the receiver's part for scatter
 *       and all-to-all; nothing (a frame without data, telling the receiver the sender has arrived) from a
 *       gather's or reduce's root, from a scatter's receivers, and to lower ranks in a scan.
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
        ABORT(8, 1, "abort"),
        GATHER_BYTES(9, 1, "gather(byte[])"),
        GATHER_LONGS(10, 8, "gather(long[])"),
        GATHER_DOUBLES(11, 8, "gather(double[])"),
        ALL_GATHER_BYTES(12, 1, "allGather(byte[])"),
        ALL_GATHER_LONGS(13, 8, "allGather(long[])"),
        ALL_GATHER_DOUBLES(14, 8, "allGather(double[])"),
        SCATTER_BYTES(15, 1, "scatter(byte[][])"),
        SCATTER_LONGS(16, 8, "scatter(long[][])"),
        SCATTER_DOUBLES(17, 8, "scatter(double[][])"),
        ALL_TO_ALL_BYTES(18, 1, "allToAll(byte[][])"),
        ALL_TO_ALL_LONGS(19, 8, "allToAll(long[][])"),
        ALL_TO_ALL_DOUBLES(20, 8, "allToAll(double[][])"),
        REDUCE_LONGS(21, 8, "reduce(long[])"),
        REDUCE_DOUBLES(22, 8, "reduce(double[])"),
        ALL_REDUCE_LONGS(23, 8, "allReduce(long[])"),
        ALL_REDUCE_DOUBLES(24, 8, "allReduce(double[])"),
        SCAN_LONG(25, 8, "scan(long)"),
        SCAN_DOUBLE(26, 8, "scan(double)"),
        EXCLUSIVE_SCAN_LONG(27, 8, "exclusiveScan(long)"),
        EXCLUSIVE_SCAN_DOUBLE(28, 8, "exclusiveScan(double)"),
        SCAN_LONGS(29, 8, "scan(long[])"),
        SCAN_DOUBLES(30, 8, "scan(double[])"),
        EXCLUSIVE_SCAN_LONGS(31, 8, "exclusiveScan(long[])"),
        EXCLUSIVE_SCAN_DOUBLES(32, 8, "exclusiveScan(double[])");

        private static final Kind[] BY_CODE = new Kind[33];

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

        /** @return whether a node's contribution is a stream of arrays handled by {@code exchange} */
        boolean isExchange() {
            return code >= GATHER_BYTES.code;
        }

        /** @return whether the collective names a root */
        boolean isRooted() {
            return isBroadcast()
                    || switch (this) {
                        case GATHER_BYTES,
                                GATHER_LONGS,
                                GATHER_DOUBLES,
                                SCATTER_BYTES,
                                SCATTER_LONGS,
                                SCATTER_DOUBLES,
                                REDUCE_LONGS,
                                REDUCE_DOUBLES -> true;
                        default -> false;
                    };
        }

        /** @return {@code 'J'} when the operation is a {@link io.meld.LongOp}, {@code 'D'} a {@link io.meld.DoubleOp}, 0 for none */
        char opType() {
            return switch (this) {
                case REDUCE_LONG,
                        REDUCE_LONGS,
                        ALL_REDUCE_LONGS,
                        SCAN_LONG,
                        EXCLUSIVE_SCAN_LONG,
                        SCAN_LONGS,
                        EXCLUSIVE_SCAN_LONGS -> 'J';
                case REDUCE_DOUBLE,
                        REDUCE_DOUBLES,
                        ALL_REDUCE_DOUBLES,
                        SCAN_DOUBLE,
                        EXCLUSIVE_SCAN_DOUBLE,
                        SCAN_DOUBLES,
                        EXCLUSIVE_SCAN_DOUBLES -> 'D';
                default -> 0;
            };
        }

        /** @return the array type a stream of this kind fills: {@code 'B'}, {@code 'J'} or {@code 'D'} */
        char element() {
            if (elementSize == 1) {
                return 'B';
            }
            return text.contains("double") ? 'D' : 'J';
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
