package io.meld.transport;

/**
 * A node's links to its peers: what the node's services send through, whatever carries the frames
 * ({@link Transport} over TCP, {@link InMemoryNetwork} in one JVM). Frames that arrive go to the {@link
 * FrameHandler}s the node registered for their types, and a link that goes down is reported to its
 * {@link LinkListener}.
 *
 * <p><b>Concurrency</b>: any thread.
 */
public interface Links extends AutoCloseable {
    /** @return this node's rank, or -1 until the node is connected */
    int rank();

    /** @return the number of nodes */
    int size();

    /** @return the connections between each pair of nodes ({@code meld.transport.lanes}) */
    int lanes();

    /** @return the largest frame, header included */
    int maxFrameSize();

    /**
     * @param peer a rank other than this node's
     * @return the first link (lane 0) to it, or {@code null} when it is not connected
     */
    default Link link(int peer) {
        return link(peer, 0);
    }

    /**
     * @param peer a rank other than this node's
     * @param lane a lane, from 0 to {@link #lanes()} less one
     * @return the link to it on that lane, or {@code null} when it is not connected
     */
    Link link(int peer, int lane);

    /**
     * @param peer a rank other than this node's
     * @return this node's {@link DirectChannel} to the peer, or {@code null} when it has none (it is off,
     *     the peer failed, or the links are not sockets)
     */
    default DirectChannel direct(int peer) {
        return null;
    }

    /**
     * @param peer a rank other than this node's
     * @return the link on which this node answers {@code peer}'s direct channel to it, up, or {@code null}:
     *     a frame sent here is read at the peer by the thread that holds that channel or waits on it, not
     *     by an I/O thread
     */
    default Link directFrom(int peer) {
        return null;
    }

    /**
     * Closes every link to a peer that the cluster layer declared failed, although its connections may
     * still be open (a frozen or cut-off node): senders waiting for room on those links fail instead of
     * waiting for ever, frames queued to the peer are dropped, and the {@link LinkListener} hears of each
     * link with {@code cause}, on the link's I/O thread. Does nothing for links that are down already.
     *
     * <p>With a {@code notice}, every connection to the peer first carries an {@link FrameType#EVICTED} frame
     * with it, where the frame can go at once (nothing is queued on it, no write is in progress): a frozen
     * peer whose process runs again reads it, on whichever connection it reads first, before the end of
     * that connection tells it anything else. Never waits.
     *
     * @param peer the failed peer's rank
     * @param cause why it is considered failed
     * @param notice what the peer is told, or {@code null}
     */
    void disconnect(int peer, Throwable cause, String notice);

    /** Closes every link: what was sent already is delivered first, then the peers see the links go down. */
    @Override
    void close();
}
