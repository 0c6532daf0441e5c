package io.meld.cli;

import io.meld.examples.Example;
import io.meld.examples.ExampleMain;
import io.meld.examples.ExampleOption;
import io.meld.examples.ExampleOptions;
import io.meld.examples.ExampleResult;
import io.meld.examples.Examples;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meld example NAME --nodes N [OPTIONS]}: one of the applications of {@code meld-examples} on a
 * local cluster of JVMs, every node running {@link ExampleMain}.
 *
 * <p>The example's options are checked here, before any node starts, so that a bad value is one usage
 * error (status 2) naming it. The nodes' output is shown as {@code run} shows it, except their {@code
 * RESULT} lines: the command holds those back and ends with exactly one, unprefixed: rank 0's {@code
 * RESULT NAME OK ...} when every node exited with 0, otherwise the first {@code FAIL} line a node wrote, or
 * one saying which exit status the cluster ended with. The exit status is {@code 0} only on OK.
 */
@Command(
        name = "example",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        sortOptions = false,
        description = {
            "Runs the application NAME on N nodes of this machine; it checks its own answer.",
            "Ends with one line: RESULT NAME OK figures..., or RESULT NAME FAIL reason (exit status 1)."
        })
final class ExampleCommand implements Callable<Integer> {
    /** The nodes when {@code --nodes} is not given. */
    static final int DEFAULT_NODES = 2;

    /** Options of every node's JVM before the caller's (a later -Xmx wins). */
    static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx1g", "-XX:+UseParallelGC");

    private static final Pattern RESULT_LINE = Pattern.compile("^\\[(\\d+)] (" + ExampleResult.PREFIX + ".*)$");

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private MeldCli cli;

    private int nodes = DEFAULT_NODES;
    private int threads;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The example: see the list below.")
    private String name;

    @Parameters(
            index = "1..*",
            paramLabel = "OPTIONS",
            description = "The example's options, e.g. --table-log2 20 (see the list below).")
    private List<String> exampleArgs = new ArrayList<>();

    @Option(
            names = "--jvm-opt",
            paramLabel = "OPT",
            order = 3,
            description = "One more option of every node's JVM, e.g. --jvm-opt=-Xmx4g; may be repeated.")
    private List<String> jvmOptions = new ArrayList<>();

    @Option(
            names = "--nodes",
            paramLabel = "N",
            order = 1,
            description = "Nodes (JVMs), from 1 to " + LocalLauncher.MAX_NODES + "; default " + DEFAULT_NODES + ".")
    void nodes(int value) {
        nodes = CliOptions.inRange(spec, "--nodes", value, 1, LocalLauncher.MAX_NODES);
    }

    @Option(
            names = "--threads",
            paramLabel = "T",
            order = 2,
            description = "Threads per node; by default this machine's cores divided by N, at least 1.")
    void threads(int value) {
        threads = CliOptions.inRange(spec, "--threads", value, 1, LocalLauncher.MAX_THREADS, " per node");
    }

    /** @return the help's list of examples and their options */
    static String[] footer() {
        List<String> lines = new ArrayList<>(List.of("", "Examples:"));
        for (Example e : Examples.all()) {
            lines.add("");
            lines.add(e.name() + ": " + e.description());
            for (ExampleOption o : e.options()) {
                if (!o.hidden()) {
                    lines.add(o.help());
                }
            }
        }
        lines.add("");
        lines.add("Example: meld example randomaccess --nodes 2 --table-log2 22");
        return lines.toArray(String[]::new);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (name == null) {
            throw usage("missing NAME: choose one of " + Examples.names());
        }
        Example example = Examples.find(name)
                .orElseThrow(() -> usage("no example '" + name + "': choose one of " + Examples.names()));
        ExampleOptions options;
        try {
            options = ExampleOptions.parse(example, exampleArgs);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        List<String> args = new ArrayList<>();
        args.add(name);
        args.addAll(options.toArgs());
        List<String> jvm = new ArrayList<>(NODE_JVM_OPTIONS);
        jvm.addAll(jvmOptions);
        ResultFilter out = new ResultFilter(cli.out);
        LocalLauncher launcher;
        try {
            launcher = LocalLauncher.builder(ExampleMain.class.getName())
                    .nodes(nodes)
                    .threads(threads)
                    .jvmOptions(jvm)
                    .args(args)
                    .progress(new Progress(cli.status, name + " on " + nodes + (nodes == 1 ? " node" : " nodes")))
                    .out(out)
                    .err(cli.err)
                    .build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        int status = launcher.run();
        String line = out.finalLine(name, status);
        cli.out.println(line);
        cli.out.flush();
        if (status != 0) {
            return status;
        }
        return line.startsWith(ExampleResult.PREFIX + name + " OK") ? 0 : 1;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * Passes the nodes' output through, but keeps their {@code RESULT} lines back.
     *
     * <p><b>Concurrency</b>: the launcher's sink writes whole lines under its lock, one writer at a time;
     * the methods are synchronized anyway, as {@link #finalLine} runs on another thread after the pumps.
     */
    static final class ResultFilter extends OutputStream {
        private final PrintStream out;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final List<String> results = new ArrayList<>();
        private final List<Integer> ranks = new ArrayList<>();

        ResultFilter(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                line(partial.toString(StandardCharsets.UTF_8));
                partial.reset();
            } else {
                partial.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void flush() {
            out.flush();
        }

        private void line(String text) {
            Matcher m = RESULT_LINE.matcher(text);
            if (m.matches()) {
                ranks.add(Integer.parseInt(m.group(1)));
                results.add(m.group(2));
            } else {
                out.println(text);
            }
        }

        /**
         * @param name the example
         * @param status the launcher's exit status
         * @return the one result line the command ends with
         */
        synchronized String finalLine(String name, int status) {
            if (partial.size() > 0) {
                write('\n');
            }
            String ok = ExampleResult.PREFIX + name + " OK";
            for (int i = 0; i < results.size(); i++) {
                if (ranks.get(i) == 0 && status == 0 && results.get(i).startsWith(ok)) {
                    return results.get(i);
                }
            }
            for (String r : results) {
                if (!r.startsWith(ok)) {
                    return r;
                }
            }
            return ExampleResult.fail(String.format(
                            Locale.ROOT,
                            status == 0
                                    ? "no node reported a result"
                                    : "a node exited with status %d before every node reported (see its output above)",
                            status))
                    .line(name);
        }
    }
}
