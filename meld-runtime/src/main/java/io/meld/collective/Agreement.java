package io.meld.collective;

import io.meld.MeldException;
import java.nio.charset.StandardCharsets;

/**
 * Checks that every node made the same collective call: each node describes its call in a string,
 * and every node learns every description. Used when nodes allocate named objects, so that a node that
 * allocates something different fails with the same message as every other node.
 */
public final class Agreement {
    private Agreement() {}

    /**
     * Every node's string, by rank; a collective (one small broadcast per node).
     *
     * @param collectives this node's collectives
     * @param rank this node's rank
     * @param size the number of nodes
     * @param mine this node's string
     * @return every node's string, indexed by rank
     */
    public static String[] allGather(CollectiveEngine collectives, int rank, int size, String mine) {
        String[] all = new String[size];
        byte[] bytes = mine.getBytes(StandardCharsets.UTF_8);
        for (int r = 0; r < size; r++) {
            all[r] = new String(collectives.broadcast(r == rank ? bytes : null, r), StandardCharsets.UTF_8);
        }
        return all;
    }

    /**
     * Throws on every node when any node's description differs from node 0's; a collective.
     *
     * @param collectives this node's collectives
     * @param rank this node's rank
     * @param size the number of nodes
     * @param what what was being allocated, for the message, e.g. {@code lock 'jobs'}
     * @param mine this node's description of its call
     * @throws MeldException naming the first node that differs from node 0 and both descriptions
     */
    public static void agree(CollectiveEngine collectives, int rank, int size, String what, String mine) {
        String[] all = allGather(collectives, rank, size, mine);
        for (int r = 1; r < size; r++) {
            if (!all[r].equals(all[0])) {
                throw new MeldException("nodes allocated " + what + " differently: node 0 allocated " + all[0]
                        + ", node " + r + " allocated " + all[r]);
            }
        }
    }
}
