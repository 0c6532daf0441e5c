package io.meld.cli;

import io.meld.cli.demo.CollectivesDemo;
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
 * {@code meld demo}: a short showcase, a list of {@link Step}s, each a program run on a local cluster
 * (through {@link LocalLauncher}) that checks its own results. The command prints what each node says,
 * then a summary, and exits with {@code 0} only when every step passed.
 *
 * <p>To show something else, change {@link #steps()}: a step is a main class, its arguments and the JVM
 * options of its nodes.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Shows the runtime at work on a local cluster of JVMs.",
            "The nodes join, run collectives (barrier, allReduce, broadcasts bigger than a frame) and check"
                    + " every result. Exits with 0 only when every check passed on every node."
        })
final class DemoCommand implements Callable<Integer> {
    /** The nodes of the demo cluster unless {@code --nodes} says otherwise. */
    static final int DEFAULT_NODES = 3;

    /** The most nodes the demo runs: it is a showcase, not a load test. */
    static final int MAX_NODES = 16;

    /**
     * Small, quick-starting node JVMs: a demo cluster shares a small machine with the launcher. C1 only,
     * because the demo runs for seconds; the serial collector, because it adds no threads.
     */
    static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private MeldCli cli;

    private int nodes = DEFAULT_NODES;

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
        if (value < 1 || value > MAX_NODES) {
            throw new ParameterException(
                    spec.commandLine(), "--nodes must be from 1 to " + MAX_NODES + " for the demo, not " + value);
        }
        nodes = value;
    }

    /**
     * One job of the demo.
     *
     * @param title what it shows, one line
     * @param mainClass the program every node runs
     * @param args its arguments
     * @param jvmOptions the options of its nodes' JVMs
     */
    record Step(String title, String mainClass, List<String> args, List<String> jvmOptions) {}

    /** What a step did. */
    private record Outcome(Step step, int status, long millis) {
        boolean passed() {
            return status == 0;
        }
    }

    /** @return the demo's steps, in order */
    List<Step> steps() {
        return List.of(new Step(
                "collectives: barrier, allReduce (SUM, MAX), broadcasts of 8 MiB and 3 MiB",
                CollectivesDemo.class.getName(),
                List.of(),
                NODE_JVM_OPTIONS));
    }

    @Override
    public Integer call() throws InterruptedException {
        List<Step> steps = steps();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            cli.message(
                    "demo step " + (i + 1) + " of " + steps.size() + ": " + step.title() + ", on " + nodes + " JVMs");
            List<String> options = new ArrayList<>(step.jvmOptions());
            options.addAll(jvmOptions);
            LocalLauncher launcher;
            try {
                launcher = LocalLauncher.builder(step.mainClass())
                        .nodes(nodes)
                        .jvmOptions(options)
                        .args(step.args())
                        .out(cli.out)
                        .err(cli.err)
                        .build();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            long t0 = System.nanoTime();
            int status = launcher.run();
            outcomes.add(new Outcome(step, status, (System.nanoTime() - t0) / 1_000_000));
        }
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        cli.out.println();
        cli.out.println("meld demo on " + nodes + " JVMs:");
        for (Outcome o : outcomes) {
            cli.out.println(String.format(
                    Locale.ROOT,
                    "  %-6s %s (%.1f s%s)",
                    o.passed() ? "passed" : "FAILED",
                    o.step().title(),
                    o.millis() / 1000.0,
                    o.passed() ? "" : ", exit status " + o.status()));
        }
        cli.out.println(
                failed == 0
                        ? "demo passed: every check on every node"
                        : "demo failed: " + failed + " of " + outcomes.size() + " steps");
        cli.out.flush();
        return failed == 0 ? 0 : 1;
    }
}
