package io.meld.transport;

import io.netty.buffer.ByteBuf;

/**
 * The payload of {@link FrameType#HELLO} (sent by the connecting node) and {@link FrameType#WELCOME}
 * (the accepting node's answer). Little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        Magic: 'M' 'E' 'L' 'D' (0x444C454D as int32)           |  0
 *  +-------------------------------+-------------------------------+
 *  |   Protocol Version (uint16)   |          Lane (uint16)        |  4
 *  +-------------------------------+-------------------------------+
 *  |                    Cluster Id (int64)                         |  8
 *  +---------------------------------------------------------------+
 *  |                    Sender Rank (int32)                        | 16
 *  +---------------------------------------------------------------+
 *  |                    Receiver Rank (int32)                      | 20
 *  +---------------------------------------------------------------+
 *  |                    Cluster Size (int32)                       | 24
 *  +---------------------------------------------------------------+
 *  |                    Reserved (int32)                           | 28
 *  +---------------------------------------------------------------+
 *  |                    Sender Incarnation (int64)                 | 32
 *  +---------------------------------------------------------------+ 40
 * </pre>
 *
 * <p>The lane numbers the connections between one pair of nodes, from 0 to {@code
 * meld.transport.lanes - 1}, or is {@link DirectChannel#LANE} for a node's direct channel; WELCOME repeats it. The cluster id is a hash of the cluster name: nodes of another cluster are refused. The
 * incarnation is a random number a node draws when it starts, so a restarted node is never taken for
 * its earlier self. A {@link FrameType#REJECT} payload is the reason, in UTF-8.
 */
final class HandshakeCodec {
    static final int MAGIC = 0x444C454D;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int LANE_OFFSET = 6;
    static final int CLUSTER_ID_OFFSET = 8;
    static final int SENDER_RANK_OFFSET = 16;
    static final int RECEIVER_RANK_OFFSET = 20;
    static final int SIZE_OFFSET = 24;
    static final int INCARNATION_OFFSET = 32;
    static final int LENGTH = 40;

    private HandshakeCodec() {}

    /** A decoded handshake. */
    record Hello(
            int magic,
            int version,
            int lane,
            long clusterId,
            int senderRank,
            int receiverRank,
            int size,
            long incarnation) {}

    static void encode(
            ByteBuf buf, int version, int lane, long clusterId, int senderRank, int receiverRank, int size, long inc) {
        buf.writeIntLE(MAGIC);
        buf.writeShortLE(version);
        buf.writeShortLE(lane);
        buf.writeLongLE(clusterId);
        buf.writeIntLE(senderRank);
        buf.writeIntLE(receiverRank);
        buf.writeIntLE(size);
        buf.writeIntLE(0);
        buf.writeLongLE(inc);
    }

    static Hello decode(ByteBuf payload) {
        if (payload.readableBytes() < LENGTH) {
            int magic = payload.readableBytes() >= 4 ? payload.getIntLE(payload.readerIndex()) : 0;
            if (magic != MAGIC) {
                throw new ProtocolException("not a Meld peer: the first frame carries no Meld handshake");
            }
            throw new ProtocolException(
                    "handshake payload of " + payload.readableBytes() + " bytes, expected " + LENGTH);
        }
        int base = payload.readerIndex();
        return new Hello(
                payload.getIntLE(base + MAGIC_OFFSET),
                payload.getUnsignedShortLE(base + VERSION_OFFSET),
                payload.getUnsignedShortLE(base + LANE_OFFSET),
                payload.getLongLE(base + CLUSTER_ID_OFFSET),
                payload.getIntLE(base + SENDER_RANK_OFFSET),
                payload.getIntLE(base + RECEIVER_RANK_OFFSET),
                payload.getIntLE(base + SIZE_OFFSET),
                payload.getLongLE(base + INCARNATION_OFFSET));
    }
}
