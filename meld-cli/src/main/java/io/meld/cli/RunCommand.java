package io.meld.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meld run}: a program on a cluster of JVMs on this machine, through {@link LocalLauncher}.
 *
 * <p>Checks everything it can before it starts a node, so that a bad value is one message naming it
 * (exit status 2), not one failure per node: the numbers, the JVM options, that the main class is on
 * the class path. Class path entries that do not exist are only warned about, as {@code java} ignores
 * them.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        sortOptions = false,
        description = {
            "Runs MAIN_CLASS on N nodes of this machine, one JVM each, and waits for all of them.",
            "Every line a node writes is shown prefixed with its rank: [2] ...",
            "When a node fails, the others are stopped; the exit status is the first failure's."
        },
        footer = {
            "",
            "Each node gets MELD_RANK, MELD_SIZE, MELD_THREADS, MELD_CLUSTER_NAME, MELD_CLUSTER_DISCOVERY,"
                    + " MELD_CLUSTER_BIND_ADDRESS, MELD_CLUSTER_PORT, MELD_CLUSTER_HOSTS and MELD_LAUNCHER_PID;"
                    + " Meld.join() reads them. Other MELD_* variables configure the nodes as usual."
                    + " MELD_JAVA_OPTS holds options of the launcher's own JVM.",
            "",
            "Examples:",
            "  meld run --nodes 3 --classpath target/classes -- com.example.Main --size 1M",
            "  meld run --nodes 3 --classpath 'target/my-app.jar:target/dependency/*' -- com.example.Main",
            "    (mvn dependency:copy-dependencies fills target/dependency with the program's own libraries)"
        })
final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @ParentCommand
    private MeldCli cli;

    private int nodes;
    private int threads;

    @Option(
            names = {"--classpath", "-cp"},
            paramLabel = "CP",
            order = 3,
            description = "The program's class path: its classes or jar and its own dependencies (entries"
                    + " separated by ':', dir/* for every jar of a folder); may be repeated. The nodes get it,"
                    + " then Meld's runtime and its dependencies, nothing else.")
    private List<String> classPath = new ArrayList<>();

    @Option(
            names = "--jvm-opt",
            paramLabel = "OPT",
            order = 4,
            description = "An option of every node's JVM, e.g. --jvm-opt=-Xmx1g; may be repeated.")
    private List<String> jvmOptions = new ArrayList<>();

    @Option(
            names = "--keep-going",
            order = 5,
            description = "When a node fails, let the others run on (a program that goes on without a failed"
                    + " node, which it sees as a NodeFailedException); by default they are stopped. The exit"
                    + " status is still the first failed node's.")
    private boolean keepGoing;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MAIN_CLASS", description = "The program's main class.")
    private String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The program's arguments, the same on every node.")
    private List<String> args = new ArrayList<>();

    @Option(
            names = "--nodes",
            required = true,
            paramLabel = "N",
            order = 1,
            description = "How many nodes (JVMs) to start, from 1 to " + LocalLauncher.MAX_NODES + ".")
    void nodes(int value) {
        nodes = CliOptions.inRange(spec, "--nodes", value, 1, LocalLauncher.MAX_NODES, " (JVMs on this machine)");
    }

    @Option(
            names = "--threads",
            paramLabel = "T",
            order = 2,
            description = "Threads per node (MELD_THREADS), from 1 to " + LocalLauncher.MAX_THREADS
                    + "; by default this machine's cores divided by N, at least 1.")
    void threads(int value) {
        threads = CliOptions.inRange(spec, "--threads", value, 1, LocalLauncher.MAX_THREADS, " per node");
    }

    @Override
    public Integer call() throws InterruptedException {
        if (mainClass == null) {
            throw usage("missing MAIN_CLASS: name the program's main class after the options,"
                    + " e.g. meld run --nodes 3 --classpath app.jar -- com.example.Main");
        }
        List<String> entries =
                classPath.stream().flatMap(cp -> ClassPaths.split(cp).stream()).toList();
        for (String missing : ClassPaths.missing(entries)) {
            cli.message("warning: class path entry '" + missing + "' (--classpath) does not exist");
        }
        List<String> meld = MeldClassPath.runtime();
        List<String> searched = new ArrayList<>(entries);
        searched.addAll(meld);
        if (!ClassPaths.containsClass(searched, mainClass)) {
            throw usage("main class '" + mainClass + "' is not on the class path "
                    + (entries.isEmpty()
                            ? "(give the program's class path with --classpath)"
                            : "--classpath " + String.join(":", entries))
                    + "; name it as java does, e.g. com.example.Main, or com.example.Outer$Main for a nested class");
        }
        LocalLauncher launcher;
        try {
            launcher = LocalLauncher.builder(mainClass)
                    .nodes(nodes)
                    .threads(threads)
                    .classPath(entries)
                    .meldClassPath(meld)
                    .jvmOptions(jvmOptions)
                    .args(args)
                    .keepGoing(keepGoing)
                    .progress(new Progress(cli.status, nodes + (nodes == 1 ? " node" : " nodes")))
                    .out(cli.out)
                    .err(cli.err)
                    .build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        return launcher.run();
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
