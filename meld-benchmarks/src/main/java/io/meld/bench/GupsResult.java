package io.meld.bench;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outcome of one random-increment run.
 *
 * @param nodes the nodes that ran it (1 for the shared-memory baseline)
 * @param threadsPerNode the updating threads per node
 * @param tableLog2 log2 of the table length
 * @param form how Meld's threads issued the increments ({@link Gups.Form#label()}); {@code element} for
 *     the shared-memory baseline
 * @param updates the increments made, over all threads
 * @param seconds the time the slowest node took, from its start to its last update applied
 * @param warmupSeconds how long the untimed warm-up before it took ({@link Warmup})
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
        boolean verified) {
    /**
     * Reads a result back from the JSON line {@link #json()} wrote.
     *
     * @param json the line
     * @return the result
     * @throws IllegalArgumentException when the line is not a GUPS result
     */
    public static GupsResult parse(String json) {
        if (!json.contains("\"benchmark\":\"gups\"")) {
            throw new IllegalArgumentException("not a GUPS result: " + json);
        }
        return new GupsResult(
                (int) number(json, "nodes"),
                (int) number(json, "threads_per_node"),
                (int) number(json, "table_log2"),
                text(json, "form"),
                (long) number(json, "updates"),
                number(json, "seconds"),
                number(json, "warmup_seconds"),
                json.contains("\"verified\":true"));
    }

    private static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?[0-9.eE+]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no \"" + field + "\" in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String text(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\"([a-z]+)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no \"" + field + "\" in " + json);
        }
        return m.group(1);
    }

    /** @return the same result, marked not verified (its run failed) */
    public GupsResult unverified() {
        return new GupsResult(nodes, threadsPerNode, tableLog2, form, updates, seconds, warmupSeconds, false);
    }

    /** @return updates per second */
    public double updatesPerSec() {
        return updates / seconds;
    }

    /** @return the result as one JSON object, as {@code bin/meld bench gups --json} prints it */
    public String json() {
        return String.format(
                Locale.ROOT,
                "{\"benchmark\":\"gups\",\"nodes\":%d,\"threads_per_node\":%d,\"table_log2\":%d,\"form\":\"%s\","
                        + "\"updates\":%d,\"seconds\":%.6f,\"warmup_seconds\":%.3f,\"updates_per_sec\":%.1f,"
                        + "\"verified\":%b}",
                nodes,
                threadsPerNode,
                tableLog2,
                form,
                updates,
                seconds,
                warmupSeconds,
                updatesPerSec(),
                verified);
    }
}
