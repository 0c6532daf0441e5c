package io.meld.collective;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.collective.CollectiveCodec.Kind;
import io.meld.kernel.PeerTable;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.wire.ChunkWriter;
import io.meld.wire.Elements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one node's collective frames on the wire: an array as a stream of frames ({@link ChunkWriter}); an
 * empty frame (the sender has arrived); the text of an abort or a close, in one frame. A peer whose link
 * is gone, or fails while a collective's frames are sent, is reported to the node's {@link PeerTable} as
 * failed, so that what waits for it fails, here and in every other service.
 *
 * <p>Buffers: each frame is allocated by the link, filled by the {@link ChunkWriter} and handed to {@link
 * Link#send}, which owns it from then on and releases it, also when the link is down.
 *
 * <p>Concurrency: no state beyond final fields. Called by the program thread, and for aborts by I/O
 * threads too, always outside the keeper's lock, since sending may wait for the network.
 */
final class CollectiveSender {
    private static final Logger LOG = LoggerFactory.getLogger(CollectiveSender.class);

    /**
     * The largest contribution sent on a peer's direct channel: one frame of it, and small enough that the
     * peer's socket buffer holds many while its collective thread is elsewhere.
     */
    static final int DIRECT_BYTES = 4 << 10;

    private final int rank;
    private final int size;
    private final Links links;
    private final PeerTable peers;

    CollectiveSender(int rank, int size, Links links, PeerTable peers) {
        this.rank = rank;
        this.size = size;
        this.links = links;
        this.peers = peers;
    }

    /** Sends every peer ({@code to == -1}) or one the same array, or an empty frame for {@code null}. */
    <A> void sendToPeers(long seq, Signature sig, int to, Elements<A> type, A data) {
        for (int r = 0; r < size; r++) {
            if (r != rank && (to == -1 || r == to)) {
                sendTo(r, seq, sig, type, data);
            }
        }
    }

    /** Sends one peer this node's stream of a collective: an array, or an empty frame for {@code null}. */
    <A> void sendTo(int peer, long seq, Signature sig, Elements<A> type, A data) {
        // A small contribution goes where the peer's collective thread reads it itself (DirectReader).
        Link direct = data == null || type.byteLength(data) <= DIRECT_BYTES ? links.directFrom(peer) : null;
        Link link = direct != null ? direct : links.link(peer);
        if (link == null) {
            peers.failed(peer, new MeldException("no link to node " + peer));
            return;
        }
        try {
            send(link, seq, sig, type, data);
        } catch (NodeFailedException e) {
            peers.failed(peer, e);
        }
    }

    /** Tells every peer it can reach why the collectives failed, as an ABORT frame; best effort. */
    void sendAbort(long seq, byte[] why) {
        Signature abort = new Signature(Kind.ABORT, CollectiveCodec.OP_NONE, -1);
        for (int r = 0; r < size; r++) {
            Link link = r == rank ? null : links.link(r);
            if (link != null) {
                try {
                    send(link, seq, abort, Elements.BYTES, why);
                } catch (RuntimeException e) {
                    LOG.debug("could not send the abort to node {}: {}", r, e.toString());
                }
            }
        }
    }

    /** Tells every peer it can reach that this node closes, as a CLOSE frame with {@code why}; best effort. */
    void sendClose(long seq, byte[] why) {
        Signature close = new Signature(Kind.CLOSE, CollectiveCodec.OP_NONE, -1);
        for (int r = 0; r < size; r++) {
            Link link = r == rank ? null : links.link(r);
            if (link != null) {
                try {
                    send(link, seq, close, Elements.BYTES, why);
                } catch (RuntimeException e) {
                    LOG.debug("could not tell node {} that node {} closes: {}", r, rank, e.toString());
                }
            }
        }
    }

    /**
     * Sends {@code data} as a stream of frames ({@link ChunkWriter}), or one frame without data for {@code
     * null}. An abort's or a close's text is far shorter than a frame, so it travels in one, which the
     * receiver reads whole.
     */
    private static <A> void send(Link link, long seq, Signature sig, Elements<A> type, A data) {
        ChunkWriter.send(
                link,
                FrameType.COLLECTIVE,
                CollectiveCodec.HEADER_LENGTH,
                type,
                data,
                (frame, offset, total) ->
                        CollectiveCodec.encode(frame, seq, sig.kind(), sig.op(), sig.root(), total, offset));
    }
}
