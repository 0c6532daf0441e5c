package io.meld.kernel;

import io.meld.Meld;
import io.meld.transport.FailStop;
import io.meld.transport.Links;

/**
 * What a {@link NodeService} is started with.
 *
 * @param rank this node's rank
 * @param links the connected data path
 * @param peers every peer's state
 * @param node the program's handle of this node, which remote tasks are given
 * @param threads the node's worker threads ({@code meld.threads}, or its share of the machine's cores)
 * @param poller how the node's threads poll before they park
 * @param failStop the uncaught-exception handler of every thread a service starts: the node fails
 */
public record NodeContext(
        int rank, Links links, PeerTable peers, Meld node, int threads, Poller poller, FailStop failStop) {}
