package io.meld.collective;

import java.time.Duration;
import java.util.List;

/**
 * This node's side of the closing handshake: sends CLOSE, numbered like a collective, to every peer, and
 * waits until every peer has sent CLOSE or failed. How a peer's CLOSE ends the collectives that wait for
 * it is {@link RoundKeeper}'s.
 *
 * <p>Concurrency: called by the thread that closes the node, once; a second call returns at once. The
 * state it reads and writes is the keeper's, under the keeper's lock; frames are sent outside it.
 */
final class ClosingHandshake {
    private final RoundKeeper keeper;

    ClosingHandshake(RoundKeeper keeper) {
        this.keeper = keeper;
    }

    /**
     * @param sender sends the CLOSE frames; {@code null} when the node never started, and has no peers to tell
     * @param timeout how long to wait for the peers
     * @return the ranks of the peers that neither closed nor failed in time (empty when all did)
     */
    List<Integer> close(CollectiveSender sender, Duration timeout) {
        RoundKeeper.Closing closing = keeper.startClosing();
        if (closing == null) {
            return List.of();
        }
        // A node that closes after a mismatch says which: a peer still waiting for it may not have heard
        // the abort yet (it can come from a third node, on another connection), and should fail with the
        // mismatch, not with the close it caused.
        if (sender != null) {
            sender.sendClose(closing.sequence(), closing.why());
        }
        return keeper.awaitPeersClosed(System.nanoTime() + timeout.toNanos());
    }
}
