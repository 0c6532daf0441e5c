package io.meld.kernel;

/**
 * A part of a node with the node's lifecycle: constructed with the node (its frame handlers may run
 * before it starts, as peers that started first send), {@linkplain #start started} once the node has
 * its rank and is connected, told of every peer that fails or closes, and {@linkplain #close closed}.
 *
 * <p>The node starts its services in one order and closes them in one order; it never calls a service
 * about another's events. Peer events come from the {@link PeerTable}, which tells each service of a
 * peer's failure or goodbye once, also before the service has started and while it closes.
 */
public interface NodeService extends AutoCloseable {
    /**
     * Starts: the node knows its rank and every peer is connected.
     *
     * @param node what the service is started with
     */
    void start(NodeContext node);

    /**
     * A peer failed (its connection went down without a goodbye, or the cluster layer removed it): what
     * waits on it fails, and so does what would need it from now on. Called once per peer, on the thread
     * that noticed (an I/O or cluster thread): it must not block.
     *
     * @param peer the peer's rank
     * @param cause what showed it
     */
    default void onPeerFailed(int peer, Throwable cause) {}

    /**
     * A peer said goodbye: it sends nothing more, and leaves. Called once per peer, on an I/O thread.
     *
     * @param peer the peer's rank
     */
    default void onPeerClosed(int peer) {}

    /** Stops: releases what it holds and fails what still waits. Calling it again does nothing. */
    @Override
    void close();
}
