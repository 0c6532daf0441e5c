package io.meld.cli;

import io.meld.bench.Gups;
import io.meld.bench.GupsResult;
import io.meld.bench.GupsSharedMemory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The random-increment benchmark as {@code bench gups} and {@code demo} run it: {@link Gups} on a local
 * cluster of JVMs, and {@link GupsSharedMemory}, the same increments by as many threads in one JVM,
 * started the same way. Each prints one JSON line on its standard output, which is read back here; the
 * nodes' other output (stderr) goes to {@code log}.
 *
 * @param nodes the cluster's nodes
 * @param threads updating threads per node
 * @param tableLog2 log2 of the table length
 * @param seconds how long every thread updates
 * @param jvmOptions more options of every JVM
 * @param corrupt whether the cluster run adds an uncounted update, to show verification failing
 */
record GupsJob(int nodes, int threads, int tableLog2, double seconds, List<String> jvmOptions, boolean corrupt) {
    /** The result of a run that printed none (it failed before). */
    static final GupsResult NONE = new GupsResult(0, 0, 0, "none", 0, 1, 0, 0, false);

    /** @return the heap a node needs for its part of the table, with room for the runtime */
    String heap(int share) {
        long bytes = (8L << tableLog2) / share;
        return "-Xmx" + Math.max(256, 2 * (bytes >> 20) + 192) + "m";
    }

    /**
     * Runs {@link Gups} on one cluster in each of {@code forms}, one after the other.
     *
     * @return a result per form, in order; {@link #NONE} for a form the cluster printed none for
     */
    List<GupsResult> runCluster(OutputStream log, Progress progress, List<Gups.Form> forms)
            throws InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                Integer.toString(tableLog2),
                Double.toString(seconds),
                "--forms",
                forms.stream().map(Gups.Form::label).collect(Collectors.joining(","))));
        if (corrupt) {
            args.add("--corrupt");
        }
        List<GupsResult> printed = run(
                Gups.class.getName(),
                nodes,
                threads,
                args,
                heap(nodes),
                log,
                progress.then("Meld on " + nodes + (nodes == 1 ? " JVM" : " JVMs")));
        List<GupsResult> results = new ArrayList<>();
        for (Gups.Form form : forms) {
            results.add(printed.stream()
                    .filter(r -> r.form().equals(form.label()))
                    .findFirst()
                    .orElse(NONE));
        }
        return results;
    }

    /** Runs {@link GupsSharedMemory} with {@code nodes * threads} threads in one JVM. */
    GupsResult runSharedMemory(OutputStream log, Progress progress) throws InterruptedException {
        List<GupsResult> printed = run(
                GupsSharedMemory.class.getName(),
                1,
                1,
                List.of(Integer.toString(nodes * threads), Integer.toString(tableLog2), Double.toString(seconds)),
                heap(1),
                log,
                progress.then("shared memory, " + nodes * threads + " threads in one JVM"));
        return printed.isEmpty() ? NONE : printed.get(0);
    }

    /** @return every result the run printed, each marked not verified when the run failed */
    private List<GupsResult> run(
            String main, int n, int t, List<String> args, String heap, OutputStream log, Progress progress)
            throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> options = new ArrayList<>(List.of(heap, "-XX:+UseParallelGC"));
        options.addAll(jvmOptions);
        int status = LocalLauncher.builder(main)
                .nodes(n)
                .threads(t)
                .jvmOptions(options)
                .args(args)
                .progress(progress)
                .out(out)
                .err(log)
                .build()
                .run();
        List<GupsResult> results = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            int json = line.indexOf("{\"benchmark\":\"gups\"");
            if (json >= 0) {
                GupsResult r = GupsResult.parse(line.substring(json));
                results.add(status == 0 ? r : r.unverified());
            }
        }
        return results;
    }
}
