package io.meld.transport;

/** Told when a link to a peer closes, on the link's I/O thread. */
@FunctionalInterface
public interface LinkListener {
    /**
     * The link to a peer is closed and will not carry frames again.
     *
     * @param link the link
     * @param cause why: the peer closed it ({@code null}), a protocol error or an I/O error
     */
    void onLinkDown(Link link, Throwable cause);
}
