package io.meld.cli;

import io.meld.bench.Gups;
import io.meld.bench.GupsResult;
import io.meld.cli.demo.CollectivesDemo;
import io.meld.config.Setting;
import io.meld.examples.ExampleMain;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meld demo}: the showcase of the hybrid machine on this machine. First a short check of the
 * runtime (the collectives program of {@link CollectivesDemo}); then the heat-diffusion example written
 * three ways (threads sharing one JVM's memory, message passing, global arrays) with its table of times;
 * then PageRank on a generated R-MAT graph; then random atomic increments (GUPS) on a local cluster of
 * JVMs and the same increments by as many threads sharing one JVM's memory, side by side; then a report
 * of every answer and check. Every step checks its own result; the command exits with {@code 0} only
 * when every check passed.
 *
 * <p>A step of the first kind is a main class, its arguments and its nodes' JVM options ({@link
 * Step}); an example's step also keeps its {@code RESULT} line for the report; the GUPS comparison is a
 * {@link GupsJob}.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Shows Meld at work on a local cluster of JVMs: collectives; heat diffusion three ways (shared"
                    + " memory, message passing, global arrays); PageRank on a generated graph; random atomic"
                    + " increments compared with the same work by threads sharing one JVM's memory.",
            "Exits with 0 only when every check passed on every node."
        })
final class DemoCommand implements Callable<Integer> {
    /** The nodes of the demo cluster unless {@code --nodes} says otherwise. */
    static final int DEFAULT_NODES = 2;

    /** The most nodes the demo runs: it is a showcase, not a load test. */
    static final int MAX_NODES = 16;

    /** The GUPS table: 2^24 longs, 128 MiB. */
    static final int DEFAULT_TABLE_LOG2 = 24;

    /** How long each GUPS run updates. */
    static final double DEFAULT_SECONDS = 5;

    /**
     * Small, quick-starting node JVMs for the collectives check: C1 only, because it runs for seconds;
     * the serial collector, because it adds no threads.
     */
    static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** Example steps: the heat grid and the graph need more heap than the collectives check; C2 pays here. */
    static final List<String> EXAMPLE_JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC");

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private MeldCli cli;

    private int nodes = DEFAULT_NODES;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            description = "How long each random-increment run updates; default " + DEFAULT_SECONDS + ".")
    private double seconds = DEFAULT_SECONDS;

    @Option(
            names = "--table-log2",
            paramLabel = "K",
            description = "The random-increment table has 2^K longs; default " + DEFAULT_TABLE_LOG2 + ".")
    private int tableLog2 = DEFAULT_TABLE_LOG2;

    @Option(names = "--quick", hidden = true, description = "Tiny heat and PageRank problems (for tests).")
    private boolean quick;

    @Option(
            names = "--jvm-opt",
            paramLabel = "OPT",
            description = "One more option of every node's JVM; may be repeated.")
    private List<String> jvmOptions = new ArrayList<>();

    @Option(
            names = "--nodes",
            paramLabel = "N",
            description = "Nodes of the demo cluster, from 1 to " + MAX_NODES + "; default " + DEFAULT_NODES + ".")
    void nodes(int value) {
        nodes = CliOptions.inRange(spec, "--nodes", value, 1, MAX_NODES, " for the demo");
    }

    /**
     * One program of the demo, run on every node.
     *
     * @param title what it shows, one line
     * @param mainClass the program every node runs
     * @param args its arguments
     * @param jvmOptions the options of its nodes' JVMs
     * @param example the example's name when the step runs one ({@link ExampleMain}), else {@code null}
     */
    record Step(String title, String mainClass, List<String> args, List<String> jvmOptions, String example) {}

    /** @return the programs run before the GUPS comparison */
    List<Step> steps() {
        List<String> heat = quick ? List.of("--n", "64", "--steps", "20") : List.of("--n", "768", "--steps", "400");
        List<String> pagerank = quick ? List.of("--scale", "8") : List.of("--scale", "16", "--edge-factor", "16");
        return List.of(
                new Step(
                        "collectives: barrier, allReduce (SUM, MAX), broadcasts of 8 MiB and 3 MiB",
                        CollectivesDemo.class.getName(),
                        List.of(),
                        NODE_JVM_OPTIONS,
                        null),
                exampleStep("heat diffusion three ways: shared memory, global arrays, message passing", "heat", heat),
                exampleStep("PageRank on a generated R-MAT graph (Graph500 parameters)", "pagerank", pagerank));
    }

    private static Step exampleStep(String title, String name, List<String> options) {
        List<String> args = new ArrayList<>();
        args.add(name);
        args.addAll(options);
        return new Step(title, ExampleMain.class.getName(), args, EXAMPLE_JVM_OPTIONS, name);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!(seconds > 0 && seconds <= 600)) {
            throw new ParameterException(
                    spec.commandLine(), "--seconds must be above 0 and at most 600, not " + seconds);
        }
        CliOptions.inRange(spec, "--table-log2", tableLog2, 4, 30);
        List<String> failures = new ArrayList<>();
        List<String> results = new ArrayList<>();
        List<Step> steps = steps();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            cli.message("demo step " + (i + 1) + " of " + (steps.size() + 1) + ": " + step.title() + ", on " + nodes
                    + " JVMs");
            List<String> options = new ArrayList<>(step.jvmOptions());
            ExampleCommand.ResultFilter filter = new ExampleCommand.ResultFilter(cli.out);
            options.addAll(jvmOptions);
            LocalLauncher launcher;
            try {
                launcher = LocalLauncher.builder(step.mainClass())
                        .nodes(nodes)
                        .jvmOptions(options)
                        .args(step.args())
                        .progress(new Progress(cli.status, "demo step " + (i + 1) + " of " + (steps.size() + 1)))
                        .out(step.example() != null ? filter : cli.out)
                        .err(cli.err)
                        .build();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            int status = launcher.run();
            if (step.example() != null) {
                String line = filter.finalLine(step.example(), status);
                cli.out.println(line);
                results.add(line);
            }
            if (status != 0) {
                failures.add(step.title() + " (exit status " + status + ")");
            }
        }
        int threads = LocalLauncher.defaultThreads(nodes);
        GupsJob gups = new GupsJob(nodes, threads, tableLog2, seconds, jvmOptions, false);
        cli.message("demo step " + (steps.size() + 1) + " of " + (steps.size() + 1)
                + ": random atomic increments on a 2^" + tableLog2 + " table for " + seconds + " s, by Meld on "
                + nodes + " JVMs x " + plural(threads, "thread") + ", then by " + plural(nodes * threads, "thread")
                + " sharing one JVM's memory");
        // One add per update first, as bench gups does: the block form then runs on a warm JIT.
        Progress progress = new Progress(cli.status, "demo step " + (steps.size() + 1) + " of " + (steps.size() + 1));
        List<GupsResult> meld = gups.runCluster(cli.err, progress, List.of(Gups.Form.ELEMENT, Gups.Form.BLOCK));
        GupsResult shared = gups.runSharedMemory(cli.err, progress);
        for (GupsResult r : meld) {
            if (!r.verified()) {
                failures.add("GUPS on Meld (" + r.form() + " form)");
            }
        }
        if (!shared.verified()) {
            failures.add("GUPS on shared memory");
        }
        report(meld, shared, threads, results, failures);
        return failures.isEmpty() ? 0 : 1;
    }

    private void report(
            List<GupsResult> meld, GupsResult shared, int threads, List<String> results, List<String> failures) {
        PrintStream out = cli.out;
        out.println();
        out.println("Applications, each checking its own answer (docs/examples.md says what the figures mean):");
        for (String r : results) {
            out.println("  " + r);
        }
        out.println();
        out.println(String.format(
                Locale.ROOT,
                "Random atomic increments on a table of 2^%d longs (%s), %s s each:",
                tableLog2,
                Setting.formatSize(8L << tableLog2),
                seconds));
        String cluster = "Meld, " + plural(nodes, "JVM") + " x " + plural(threads, "thread");
        GupsResult element = meld.get(0);
        GupsResult block = meld.get(1);
        out.println(row(cluster + ", add(indices)", block));
        out.println(row(cluster + ", one add each", element));
        out.println(row("shared memory, 1 JVM x " + plural(nodes * threads, "thread"), shared));
        if (block.verified() && element.verified() && shared.verified()) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-40s %8.2f   (%.2f one add each; half the updates cross between JVMs on 2 nodes)",
                    "ratio Meld / shared memory",
                    block.updatesPerSec() / shared.updatesPerSec(),
                    element.updatesPerSec() / shared.updatesPerSec()));
        }
        out.println("  (add(indices): each thread adds 1 to " + String.format(Locale.ROOT, "%,d", Gups.BLOCK)
                + " random elements per call; one add each: a call per update)");
        out.println();
        out.println(failures.isEmpty() ? "demo passed: every check on every node" : "demo FAILED: " + failures);
        out.flush();
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String row(String what, GupsResult r) {
        if (r == GupsJob.NONE) {
            return String.format(Locale.ROOT, "  %-40s   FAILED before it produced a result", what);
        }
        return String.format(
                Locale.ROOT,
                "  %-40s %8.2f M updates/s   %s",
                what,
                r.updatesPerSec() / 1e6,
                r.verified()
                        ? "verified: the table's sum equals the " + String.format(Locale.ROOT, "%,d", r.updates())
                                + " updates"
                        : "NOT VERIFIED");
    }
}
