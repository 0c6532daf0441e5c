package io.meld.collective;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.collective.CollectiveCodec.Kind;
import io.meld.kernel.PeerTable;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one node's collective frames on the wire: an array as a stream of frames of at most the link's
 * maximum payload, each chunk a whole number of elements; an empty frame (the sender has arrived); the
 * text of an abort or a close, in one frame. A peer whose link is gone, or fails while a collective's
 * frames are sent, is reported to the node's {@link PeerTable} as failed, so that what waits for it fails,
 * here and in every other service.
 *
 * <p>Buffers: each frame is allocated by the link, filled here and handed to {@link Link#send}, which
 * owns it from then on and releases it, also when the link is down.
 *
 * <p>Concurrency: no state beyond final fields. Called by the program thread, and for aborts by I/O
 * threads too, always outside the keeper's lock, since sending may wait for the network.
 */
final class CollectiveSender {
    private static final Logger LOG = LoggerFactory.getLogger(CollectiveSender.class);

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
        Link link = links.link(peer);
        if (link == null) {
            peers.failed(peer, new MeldException("no link to node " + peer));
            return;
        }
        try {
            if (data == null) {
                send(link, seq, sig, type, null, 0, 0, 0);
            } else {
                stream(link, seq, sig, type, data);
            }
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
                    send(link, seq, abort, Elements.BYTES, why, 0, why.length, why.length);
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
                    send(link, seq, close, Elements.BYTES, why, 0, why.length, why.length);
                } catch (RuntimeException e) {
                    LOG.debug("could not tell node {} that node {} closes: {}", r, rank, e.toString());
                }
            }
        }
    }

    /** Sends an array as frames of at most the maximum payload, each chunk a whole number of elements. */
    private static <A> void stream(Link link, long seq, Signature sig, Elements<A> type, A array) {
        long total = (long) type.length(array) * type.size;
        int chunkMax = (link.maxPayload() - CollectiveCodec.HEADER_LENGTH) / 8 * 8;
        long offset = 0;
        do {
            int chunk = (int) Math.min(chunkMax, total - offset);
            send(link, seq, sig, type, array, offset, chunk, total);
            offset += chunk;
        } while (offset < total);
    }

    /**
     * Encodes and sends one frame: {@code chunk} bytes of {@code data} from byte {@code offset} of its
     * {@code total}; {@code data} may be {@code null} when {@code chunk} is 0.
     */
    private static <A> void send(
            Link link, long seq, Signature sig, Elements<A> type, A data, long offset, int chunk, long total) {
        ByteBuf frame = link.newFrame(FrameType.COLLECTIVE, 0, CollectiveCodec.HEADER_LENGTH + chunk);
        CollectiveCodec.encode(frame, seq, sig.kind(), sig.op(), sig.root(), total, offset);
        if (chunk > 0) {
            frame.ensureWritable(chunk);
            ByteBuffer out = frame.nioBuffer(frame.writerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
            type.encode(data, (int) (offset / type.size), chunk / type.size, out);
            frame.writerIndex(frame.writerIndex() + chunk);
        }
        link.send(frame);
    }
}
