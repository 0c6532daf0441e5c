package io.meld.cli;

import io.meld.bench.GupsResult;
import java.io.OutputStream;
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
 * {@code meld bench NAME}: a cluster benchmark on JVMs of this machine. With {@code --json}, stdout
 * holds only one JSON line per benchmark and everything else goes to stderr; the exit status is 1 when a
 * result is not verified.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        subcommands = {BenchCommand.GupsCommand.class},
        description = "Runs a benchmark on a local cluster and checks its result.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @ParentCommand
    MeldCli cli;

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "missing benchmark: choose one of " + spec.subcommands().keySet());
    }

    /** {@code meld bench gups}. */
    @Command(
            name = "gups",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Random atomic increments (GUPS): every thread of every node adds 1 to uniformly random"
                        + " elements of one global table for S seconds; then the table's sum must equal the"
                        + " number of updates.",
            })
    static final class GupsCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @ParentCommand
        private BenchCommand bench;

        private int nodes = 2;
        private int threads;
        private double seconds = 10;
        private int tableLog2 = 24;

        @Option(names = "--json", order = 5, description = "Print only the result, as one JSON line, on stdout.")
        private boolean json;

        @Option(
                names = "--corrupt",
                hidden = true,
                description = "Add one uncounted update, to show that verification fails (for tests).")
        private boolean corrupt;

        @Option(
                names = "--jvm-opt",
                paramLabel = "OPT",
                order = 6,
                description = "One more option of every node's JVM; may be repeated.")
        private List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--nodes", paramLabel = "N", order = 1, description = "Nodes (JVMs), from 1 to 64; default 2.")
        void nodes(int value) {
            nodes = check("--nodes", value, 1, 64);
        }

        @Option(
                names = "--threads",
                paramLabel = "T",
                order = 2,
                description = "Updating threads per node; default: the cores divided by the nodes, at least 1.")
        void threads(int value) {
            threads = check("--threads", value, 1, 1024);
        }

        @Option(names = "--seconds", paramLabel = "S", order = 3, description = "How long to update; default 10.")
        void seconds(double value) {
            if (!(value > 0 && value <= 3600)) {
                throw new ParameterException(
                        spec.commandLine(), "--seconds must be above 0 and at most 3600, not " + value);
            }
            seconds = value;
        }

        @Option(
                names = "--table-log2",
                paramLabel = "K",
                order = 4,
                description = "The table has 2^K elements, K from 4 to 34; default 24.")
        void tableLog2(int value) {
            tableLog2 = check("--table-log2", value, 4, 34);
        }

        @Override
        public Integer call() throws InterruptedException {
            MeldCli cli = bench.cli;
            int t = threads > 0 ? threads : LocalLauncher.defaultThreads(nodes);
            GupsJob job = new GupsJob(nodes, t, tableLog2, seconds, jvmOptions, corrupt);
            OutputStream log = json ? cli.err : cli.out;
            if (!json) {
                cli.message(
                        "gups: " + nodes + " nodes x " + t + " threads, table 2^" + tableLog2 + ", " + seconds + " s");
            }
            GupsResult result = job.runCluster(log);
            if (json) {
                if (result != GupsJob.NONE) {
                    cli.out.println(result.json());
                }
            } else {
                report(cli.out, result);
            }
            cli.out.flush();
            return result.verified() ? 0 : 1;
        }

        private int check(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw new ParameterException(
                        spec.commandLine(), option + " must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        }

        private static void report(PrintStream out, GupsResult r) {
            if (r == GupsJob.NONE) {
                out.println("gups: FAILED before it produced a result (see the nodes' output above)");
                return;
            }
            out.println(String.format(
                    Locale.ROOT,
                    "gups: %,d updates in %.2f s = %.2f M updates/s on %d nodes x %d threads (table 2^%d): %s",
                    r.updates(),
                    r.seconds(),
                    r.updatesPerSec() / 1e6,
                    r.nodes(),
                    r.threadsPerNode(),
                    r.tableLog2(),
                    r.verified() ? "verified, the table's sum equals the updates" : "NOT VERIFIED"));
        }
    }
}
