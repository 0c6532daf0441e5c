package io.meld.bench;

import java.util.Locale;

/**
 * The outcome of one random-increment run.
 *
 * @param nodes the nodes that ran it (1 for the shared-memory baseline)
 * @param threadsPerNode the updating threads per node
 * @param tableLog2 log2 of the table length
 * @param updates the increments made, over all threads
 * @param seconds the time the slowest node took, from its start to its last update applied
 * @param verified whether the table's sum equals {@code updates}
 */
public record GupsResult(int nodes, int threadsPerNode, int tableLog2, long updates, double seconds, boolean verified) {
    /** @return updates per second */
    public double updatesPerSec() {
        return updates / seconds;
    }

    /** @return the result as one JSON object, as {@code bin/meld bench gups --json} prints it */
    public String json() {
        return String.format(
                Locale.ROOT,
                "{\"benchmark\":\"gups\",\"nodes\":%d,\"threads_per_node\":%d,\"table_log2\":%d,\"updates\":%d,"
                        + "\"seconds\":%.6f,\"updates_per_sec\":%.1f,\"verified\":%b}",
                nodes,
                threadsPerNode,
                tableLog2,
                updates,
                seconds,
                updatesPerSec(),
                verified);
    }
}
