package io.meld.transport;

/**
 * Who may connect to whom: the checks of a HELLO (at the accepting node) and of a WELCOME (at the
 * connecting node), each giving the reason to refuse, which both ends log and the refused one is told.
 * The peer must speak this protocol version, belong to this cluster and size, be the incarnation that
 * formed the cluster, be the lower rank of the pair (it opens the connection) and open a lane this node
 * has; or, from any other rank, open its {@link DirectChannel} to this node. Authentication of the peer belongs here too when it comes.
 */
final class Handshake {
    private Handshake() {}

    /** @return why a HELLO must be refused, or {@code null} to accept it */
    static String checkHello(
            HandshakeCodec.Hello h, long clusterId, int rank, int size, int lanes, long[] incarnations) {
        String common = checkCommon(h, clusterId, rank, size);
        if (common != null) {
            return common;
        }
        if (h.receiverRank() != rank) {
            return "the connecting node expected node " + h.receiverRank() + " at this address, but this is node "
                    + rank;
        }
        boolean direct = h.lane() == DirectChannel.LANE;
        if (direct && (h.senderRank() < 0 || h.senderRank() >= size || h.senderRank() == rank)) {
            return "node " + h.senderRank() + " may not open a direct channel to node " + rank
                    + " (ranks run from 0 to " + (size - 1) + ")";
        }
        if (!direct && (h.senderRank() < 0 || h.senderRank() >= rank)) {
            return "node " + h.senderRank() + " may not connect to node " + rank
                    + " (the lower rank of a pair opens the connection, and ranks run from 0 to " + (size - 1) + ")";
        }
        long expected = incarnations[h.senderRank()];
        if (expected != 0 && h.incarnation() != expected) {
            return "node " + h.senderRank() + " is not the node " + h.senderRank() + " that formed the cluster with"
                    + " node " + rank + " (another incarnation: it was started again, or belongs to another run)";
        }
        if (!direct && h.lane() >= lanes) {
            return "node " + h.senderRank() + " opened lane " + h.lane() + ", but node " + rank + " has " + lanes
                    + (lanes == 1 ? " lane" : " lanes") + "; " + TransportSettings.LANES.name()
                    + " must be the same on every node";
        }
        return null;
    }

    /** @return why a WELCOME must be refused, or {@code null} to accept it */
    static String checkWelcome(
            HandshakeCodec.Hello h, long clusterId, int rank, int size, Transport.Peer expected, int lane) {
        String common = checkCommon(h, clusterId, rank, size);
        if (common != null) {
            return common;
        }
        if (h.senderRank() != expected.rank() || h.receiverRank() != rank) {
            return "expected node " + expected.rank() + " at " + expected.host() + ":" + expected.port() + ", but node "
                    + h.senderRank() + " answered";
        }
        if (expected.incarnation() != 0 && h.incarnation() != expected.incarnation()) {
            return "node " + expected.rank() + " at " + expected.host() + ":" + expected.port()
                    + " is a different incarnation than the one that joined the cluster";
        }
        if (h.lane() != lane) {
            return "node " + expected.rank() + " answered on lane " + h.lane() + " the connection of lane " + lane;
        }
        return null;
    }

    private static String checkCommon(HandshakeCodec.Hello h, long clusterId, int rank, int size) {
        if (h.magic() != HandshakeCodec.MAGIC) {
            return "not a Meld peer (handshake magic 0x" + Integer.toHexString(h.magic()) + ")";
        }
        if (h.version() != Transport.PROTOCOL_VERSION) {
            return "protocol version mismatch: the peer speaks version " + h.version() + ", node " + rank
                    + " speaks version " + Transport.PROTOCOL_VERSION + "; run the same Meld release on every node";
        }
        if (h.clusterId() != clusterId) {
            return "the peer belongs to another cluster (cluster id " + Long.toHexString(h.clusterId())
                    + ", this node's is " + Long.toHexString(clusterId) + ")";
        }
        if (h.size() != size) {
            return "the peer expects a cluster of " + h.size() + " nodes, node " + rank + " one of " + size;
        }
        return null;
    }
}
