package io.meld.bench;

import java.util.Map;

/**
 * The outcome of one random-increment run, and its JSON line ({@code "benchmark":"gups"}).
 *
 * @param nodes the nodes that ran it (1 for the shared-memory baseline)
 * @param threadsPerNode the updating threads per node
 * @param tableLog2 log2 of the table length
 * @param form how Meld's threads issued the increments ({@link Gups.Form#label()}); {@code element} for
 *     the shared-memory baseline
 * @param updates the increments made, over all threads
 * @param seconds the time the slowest node took, from its start to its last update applied
 * @param warmupSeconds how long the untimed warm-up before it took ({@link Warmup})
 * @param updatesPerSec {@code updates / seconds}
 * @param verified whether the table's sum equals {@code updates}
 */
public record GupsResult(
        int nodes,
        int threadsPerNode,
        int tableLog2,
        String form,
        long updates,
        double seconds,
        double warmupSeconds,
        double updatesPerSec,
        boolean verified)
        implements BenchmarkResult {
    @Override
    public String benchmark() {
        return "gups";
    }

    /**
     * Reads a result back from a JSON line of {@code "benchmark":"gups"}: a {@link Gups} program's, or {@code
     * bin/meld bench gups}'s, which has these fields among others.
     *
     * @param json the line
     * @return the result
     * @throws IllegalArgumentException when the line is not a GUPS result, or lacks one of its fields
     */
    public static GupsResult parse(String json) {
        Map<String, Object> f = ResultCodec.decode(json);
        if (!"gups".equals(f.get("benchmark"))) {
            throw new IllegalArgumentException("not a GUPS result: " + json);
        }
        if (!(f.get("form") instanceof String form)) {
            throw new IllegalArgumentException("no \"form\" in " + json);
        }
        return new GupsResult(
                (int) number(f, "nodes", json),
                (int) number(f, "threads_per_node", json),
                (int) number(f, "table_log2", json),
                form,
                (long) number(f, "updates", json),
                number(f, "seconds", json),
                number(f, "warmup_seconds", json),
                number(f, "updates_per_sec", json),
                Boolean.TRUE.equals(f.get("verified")));
    }

    private static double number(Map<String, Object> fields, String name, String json) {
        double value = ResultCodec.number(fields, name);
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException("no \"" + name + "\" in " + json);
        }
        return value;
    }

    /** @return the same result, marked not verified (its run failed) */
    public GupsResult unverified() {
        return new GupsResult(
                nodes, threadsPerNode, tableLog2, form, updates, seconds, warmupSeconds, updatesPerSec, false);
    }
}
