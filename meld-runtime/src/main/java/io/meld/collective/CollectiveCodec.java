package io.meld.collective;

import io.meld.transport.ProtocolException;
import io.meld.wire.Elements;
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

    /**
     * What a collective frame is part of: its code on the wire, the call as the program writes it (for
     * messages), the element type its streams carry, and whether it has an operation and a root.
     */
    enum Kind {
        BARRIER(1, "barrier", "", null, false, false),
        REDUCE_LONG(2, "allReduce", "long", Elements.LONGS, true, false),
        REDUCE_DOUBLE(3, "allReduce", "double", Elements.DOUBLES, true, false),
        BROADCAST_LONGS(4, "broadcast", "long[]", Elements.LONGS, false, true),
        BROADCAST_DOUBLES(5, "broadcast", "double[]", Elements.DOUBLES, false, true),
        BROADCAST_BYTES(6, "broadcast", "byte[]", Elements.BYTES, false, true),
        CLOSE(7, "close", "", null, false, false),
        ABORT(8, "abort", null, Elements.BYTES, false, false),
        GATHER_BYTES(9, "gather", "byte[]", Elements.BYTES, false, true),
        GATHER_LONGS(10, "gather", "long[]", Elements.LONGS, false, true),
        GATHER_DOUBLES(11, "gather", "double[]", Elements.DOUBLES, false, true),
        ALL_GATHER_BYTES(12, "allGather", "byte[]", Elements.BYTES, false, false),
        ALL_GATHER_LONGS(13, "allGather", "long[]", Elements.LONGS, false, false),
        ALL_GATHER_DOUBLES(14, "allGather", "double[]", Elements.DOUBLES, false, false),
        SCATTER_BYTES(15, "scatter", "byte[][]", Elements.BYTES, false, true),
        SCATTER_LONGS(16, "scatter", "long[][]", Elements.LONGS, false, true),
        SCATTER_DOUBLES(17, "scatter", "double[][]", Elements.DOUBLES, false, true),
        ALL_TO_ALL_BYTES(18, "allToAll", "byte[][]", Elements.BYTES, false, false),
        ALL_TO_ALL_LONGS(19, "allToAll", "long[][]", Elements.LONGS, false, false),
        ALL_TO_ALL_DOUBLES(20, "allToAll", "double[][]", Elements.DOUBLES, false, false),
        REDUCE_LONGS(21, "reduce", "long[]", Elements.LONGS, true, true),
        REDUCE_DOUBLES(22, "reduce", "double[]", Elements.DOUBLES, true, true),
        ALL_REDUCE_LONGS(23, "allReduce", "long[]", Elements.LONGS, true, false),
        ALL_REDUCE_DOUBLES(24, "allReduce", "double[]", Elements.DOUBLES, true, false),
        SCAN_LONG(25, "scan", "long", Elements.LONGS, true, false),
        SCAN_DOUBLE(26, "scan", "double", Elements.DOUBLES, true, false),
        EXCLUSIVE_SCAN_LONG(27, "exclusiveScan", "long", Elements.LONGS, true, false),
        EXCLUSIVE_SCAN_DOUBLE(28, "exclusiveScan", "double", Elements.DOUBLES, true, false),
        SCAN_LONGS(29, "scan", "long[]", Elements.LONGS, true, false),
        SCAN_DOUBLES(30, "scan", "double[]", Elements.DOUBLES, true, false),
        EXCLUSIVE_SCAN_LONGS(31, "exclusiveScan", "long[]", Elements.LONGS, true, false),
        EXCLUSIVE_SCAN_DOUBLES(32, "exclusiveScan", "double[]", Elements.DOUBLES, true, false);

        private static final Kind[] BY_CODE = new Kind[33];

        static {
            for (Kind k : values()) {
                BY_CODE[k.code] = k;
            }
        }

        final int code;
        /** The method the program called, e.g. {@code allReduce}. */
        final String call;
        /** Its argument as the program wrote it, e.g. {@code long[]}; {@code null} for an abort, no call. */
        final String argument;
        /** What the streams of this kind carry; {@code null} for kinds without data. */
        final Elements<?> elements;
        /** Bytes per element on the wire, 0 for kinds without data. */
        final int elementSize;
        /** Whether the collective has an operation, named by {@link Fold#opName}. */
        final boolean hasOp;
        /** Whether the collective names a root. */
        final boolean rooted;

        Kind(int code, String call, String argument, Elements<?> elements, boolean hasOp, boolean rooted) {
            this.code = code;
            this.call = call;
            this.argument = argument;
            this.elements = elements;
            this.elementSize = elements == null ? 0 : elements.size();
            this.hasOp = hasOp;
            this.rooted = rooted;
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
