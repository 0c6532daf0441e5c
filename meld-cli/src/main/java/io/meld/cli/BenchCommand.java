package io.meld.cli;

import io.meld.bench.BenchmarkResult;
import io.meld.bench.MemoryFootprint;
import io.meld.bench.ResultCodec;
import io.meld.bench.StencilKernel;
import io.meld.bench.report.Machine;
import io.meld.bench.report.Report;
import io.meld.config.Setting;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meld bench NAME}: cluster benchmarks on JVMs of this machine, each measured beside its baselines
 * in the same run ({@link BenchRunner}). With {@code --json}, stdout holds only one JSON line per
 * benchmark and everything else goes to stderr; with {@code --report DIR}, an HTML page with charts is
 * written there too ({@link Report}). The exit status is 1 when a result is not verified.
 *
 * <pre>
 * meld bench gups      [--nodes N] [--threads T] [--seconds S] [--table-log2 K] [--no-hazelcast] ...
 * meld bench latency   [--seconds S]
 * meld bench bandwidth [--seconds S] [--bytes B]
 * meld bench pagerank  [--nodes N] [--threads T] [--scale S --edge-factor F --seed X | --graph FILE] [--iterations I]
 * meld bench memory    [--nodes N] [--length-log2 K] [--overhead MIB]
 * meld bench nstream   [--nodes N] [--threads T] [--nstream-log2 K] [--nstream-iterations I]
 * meld bench stencil   [--nodes N] [--threads T] [--stencil-n N] [--stencil-iterations I]
 * meld bench checkpoint [--nodes N] [--checkpoint-log2 K] [--checkpoint-dir DIR]   (not in all)
 * meld bench all       (every one of them, with the options of each)
 * meld bench report    --from results.jsonl --report DIR
 * </pre>
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        subcommands = {
            BenchCommand.GupsCommand.class,
            BenchCommand.LatencyCommand.class,
            BenchCommand.BandwidthCommand.class,
            BenchCommand.PageRankCommand.class,
            BenchCommand.MemoryCommand.class,
            BenchCommand.NstreamCommand.class,
            BenchCommand.StencilCommand.class,
            BenchCommand.CheckpointCommand.class,
            BenchCommand.AllCommand.class,
            BenchCommand.ReportCommand.class
        },
        description = "Runs a benchmark on a local cluster beside its baselines, and checks its result.")
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

    // ---------------------------------------------------------------------------------------------
    // Options

    /** The options of every benchmark. */
    static final class Common {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int nodes = 2;
        int threads;
        double seconds;

        @Option(
                names = "--json",
                order = 20,
                description = "Print only the results on stdout, one JSON line per benchmark; logs go to stderr.")
        boolean json;

        @Option(
                names = "--report",
                paramLabel = "DIR",
                order = 21,
                description = "Also write an HTML report with charts (and the GUPS sweep behind them) into DIR.")
        Path report;

        @Option(
                names = "--jvm-opt",
                paramLabel = "OPT",
                order = 22,
                description = "One more option of every JVM started; may be repeated.")
        List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--nodes", paramLabel = "N", order = 1, description = "Nodes (JVMs), from 1 to 64; default 2.")
        void nodes(int value) {
            nodes = CliOptions.inRange(spec, "--nodes", value, 1, 64);
        }

        @Option(
                names = "--threads",
                paramLabel = "T",
                order = 2,
                description = "Threads per node; default: the cores divided by the nodes, at least 1.")
        void threads(int value) {
            threads = CliOptions.inRange(spec, "--threads", value, 1, 1024);
        }

        @Option(
                names = "--seconds",
                paramLabel = "S",
                order = 3,
                description = "How long each timed phase runs; default 10 for gups, 5 for latency and bandwidth.")
        void seconds(double value) {
            if (!(value > 0 && value <= 3600)) {
                throw new ParameterException(
                        spec.commandLine(), "--seconds must be above 0 and at most 3600, not " + value);
            }
            seconds = value;
        }

        int threadsFor(int n) {
            return threads > 0 ? threads : LocalLauncher.defaultThreads(n);
        }

        double secondsOr(double fallback) {
            return seconds > 0 ? seconds : fallback;
        }
    }

    /** The options of {@code gups}. */
    static final class GupsOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int tableLog2 = 24;
        int hazelcastMembers = 2;
        double hazelcastSeconds = 2;
        List<Integer> sweepNodes = List.of(1, 2, 4);
        List<Integer> sweepThreads = List.of(1, 2);
        double sweepSeconds;

        @Option(
                names = "--corrupt",
                hidden = true,
                description = "Add one uncounted update, to show that verification fails (for tests).")
        boolean corrupt;

        @Option(names = "--no-hazelcast", order = 31, description = "Leave out the Hazelcast baseline (it is slow).")
        boolean noHazelcast;

        @Option(names = "--no-sweep", order = 36, description = "With --report: leave out the GUPS sweep.")
        boolean noSweep;

        @Option(
                names = "--table-log2",
                paramLabel = "K",
                order = 30,
                description = "The GUPS table has 2^K elements, K from 4 to 34; default 24.")
        void tableLog2(int value) {
            tableLog2 = CliOptions.inRange(spec, "--table-log2", value, 4, 34);
        }

        @Option(
                names = "--hazelcast-members",
                paramLabel = "M",
                order = 32,
                description = "Hazelcast members (JVMs), from 2 to 16; default 2.")
        void hazelcastMembers(int value) {
            hazelcastMembers = CliOptions.inRange(spec, "--hazelcast-members", value, 2, 16);
        }

        @Option(
                names = "--hazelcast-seconds",
                paramLabel = "S",
                order = 33,
                description = "How long each of Hazelcast's three ways updates; default 2.")
        void hazelcastSeconds(double value) {
            if (!(value > 0 && value <= 600)) {
                throw new ParameterException(
                        spec.commandLine(), "--hazelcast-seconds must be above 0 and at most 600, not " + value);
            }
            hazelcastSeconds = value;
        }

        @Option(
                names = "--sweep-nodes",
                paramLabel = "LIST",
                order = 34,
                split = ",",
                description = "With --report: node counts of the GUPS sweep; default 1,2,4.")
        void sweepNodes(List<Integer> value) {
            value.forEach(v -> CliOptions.inRange(spec, "--sweep-nodes", v, 1, 64));
            sweepNodes = List.copyOf(value);
        }

        @Option(
                names = "--sweep-threads",
                paramLabel = "LIST",
                order = 35,
                split = ",",
                description = "With --report: threads per node of the GUPS sweep; default 1,2.")
        void sweepThreads(List<Integer> value) {
            value.forEach(v -> CliOptions.inRange(spec, "--sweep-threads", v, 1, 1024));
            sweepThreads = List.copyOf(value);
        }

        @Option(
                names = "--sweep-seconds",
                paramLabel = "S",
                order = 37,
                description = "With --report: how long each point of the sweep updates; default min(2, --seconds).")
        void sweepSeconds(double value) {
            if (!(value > 0 && value <= 600)) {
                throw new ParameterException(
                        spec.commandLine(), "--sweep-seconds must be above 0 and at most 600, not " + value);
            }
            sweepSeconds = value;
        }
    }

    /** The options of {@code bandwidth}. */
    static final class BandwidthOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        long bytes = 64L << 20;

        @Option(
                names = "--bytes",
                paramLabel = "B",
                order = 40,
                description = "Bytes of one bulk transfer, 8 bytes to 1GiB (units KiB, MiB, GiB); default 64MiB.")
        void bytes(String value) {
            long b = parseSize(value);
            if (b < 16 || b > (1L << 30) || b % 8 != 0) {
                throw new ParameterException(
                        spec.commandLine(), "--bytes must be a multiple of 8 from 16 to 1GiB, not " + value);
            }
            bytes = b;
        }

        /** @return the bytes of {@code 64MiB}, {@code 512KiB}, {@code 1GiB} or a plain number; -1 if malformed */
        static long parseSize(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*([0-9]+)\\s*(|k|kib|m|mib|g|gib)\\s*")
                    .matcher(value);
            if (!m.matches()) {
                return -1;
            }
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k", "kib" -> 10;
                case "m", "mib" -> 20;
                case "g", "gib" -> 30;
                default -> 0;
            };
            try {
                long n = Long.parseLong(m.group(1));
                return n > (Long.MAX_VALUE >> shift) ? -1 : n << shift;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** The options of {@code pagerank}. */
    static final class PageRankOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int scale = 20;
        int edgeFactor = 16;
        int iterations = 50;

        @Option(names = "--seed", paramLabel = "X", order = 53, description = "R-MAT seed; default 1.")
        long seed = 1;

        @Option(
                names = "--graph",
                paramLabel = "FILE",
                order = 54,
                description = "A SNAP edge list ('src dst' lines, # comments) instead of an R-MAT graph.")
        Path graph;

        @Option(
                names = "--scale",
                paramLabel = "S",
                order = 51,
                description = "R-MAT graph of 2^S vertices, S from 1 to 26; default 20.")
        void scale(int value) {
            scale = CliOptions.inRange(spec, "--scale", value, 1, 26);
        }

        @Option(
                names = "--edge-factor",
                paramLabel = "F",
                order = 52,
                description = "R-MAT edges per vertex, from 1 to 64; default 16 (Graph500's).")
        void edgeFactor(int value) {
            edgeFactor = CliOptions.inRange(spec, "--edge-factor", value, 1, 64);
        }

        @Option(
                names = "--iterations",
                paramLabel = "I",
                order = 55,
                description =
                        "Timed PageRank iterations, from 1 to 1000; default 50 (about 1 s per side on the default graph).")
        void iterations(int value) {
            iterations = CliOptions.inRange(spec, "--iterations", value, 1, 1000);
        }

        void checkGraph() {
            if ((long) edgeFactor << scale > Integer.MAX_VALUE - 8) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--edge-factor " + edgeFactor + " at --scale " + scale + " makes more than 2^31 edges");
            }
            if (graph != null && !graph.toFile().isFile()) {
                throw new ParameterException(spec.commandLine(), "--graph " + graph + ": no such file");
            }
        }
    }

    /** The options of {@code memory}. */
    static final class MemoryOptions {
        /** The fixed allowance of a node's peak resident memory; see docs/performance.md. */
        static final int DEFAULT_OVERHEAD_MIB = 256;

        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int lengthLog2 = 28;
        int overheadMib = DEFAULT_OVERHEAD_MIB;

        @Option(
                names = "--length-log2",
                paramLabel = "K",
                order = 60,
                description = "The array has 2^K longs, K from 10 to 32; default 28 (2 GiB).")
        void lengthLog2(int value) {
            lengthLog2 = CliOptions.inRange(spec, "--length-log2", value, 10, 32);
        }

        @Option(
                names = "--overhead",
                paramLabel = "MIB",
                order = 61,
                description = "Fixed allowance per node, in MiB, on top of "
                        + MemoryFootprint.FACTOR
                        + " x its share; default "
                        + DEFAULT_OVERHEAD_MIB
                        + ".")
        void overheadMib(int value) {
            overheadMib = CliOptions.inRange(spec, "--overhead", value, 0, 1 << 20);
        }
    }

    /** The options of {@code checkpoint}. */
    static final class CheckpointOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int lengthLog2 = 28;
        Path directory;

        @Option(
                names = "--checkpoint-log2",
                paramLabel = "K",
                order = 30,
                description = "The array has 2^K longs over all nodes, K from 4 to 31; default 28 (2 GiB).")
        void lengthLog2(int value) {
            lengthLog2 = CliOptions.inRange(spec, "--checkpoint-log2", value, 4, 31);
        }

        @Option(
                names = "--checkpoint-dir",
                paramLabel = "DIR",
                order = 31,
                description = "Where the checkpoint and the baseline's file are written (and deleted after);"
                        + " default a new directory in the current one, on its disk.")
        void directory(Path value) {
            directory = value;
        }
    }

    /** The options of {@code nstream}. */
    static final class NstreamOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int lengthLog2 = 25;
        int iterations = 20;
        int elementIterations = 2;

        @Option(
                names = "--nstream-log2",
                paramLabel = "K",
                order = 70,
                description = "Each of the three arrays has 2^K doubles per node, K from 10 to 28; default 25"
                        + " (256 MiB each, so they do not fit in a cache).")
        void lengthLog2(int value) {
            lengthLog2 = CliOptions.inRange(spec, "--nstream-log2", value, 10, 28);
        }

        @Option(
                names = "--nstream-iterations",
                paramLabel = "I",
                order = 71,
                description = "Timed triads of the idiomatic form and the baseline, from 1 to 10000; default 20.")
        void iterations(int value) {
            iterations = CliOptions.inRange(spec, "--nstream-iterations", value, 1, 10_000);
        }

        @Option(
                names = "--nstream-element-iterations",
                paramLabel = "I",
                order = 72,
                description = "Timed triads of the get/set form, from 1 to 10000; default 2 (it is slow).")
        void elementIterations(int value) {
            elementIterations = CliOptions.inRange(spec, "--nstream-element-iterations", value, 1, 10_000);
        }
    }

    /** The options of {@code stencil}. */
    static final class StencilOptions {
        @Spec(Spec.Target.MIXEE)
        private CommandSpec spec;

        int n = 4096;
        int iterations = 100;

        @Option(
                names = "--stencil-n",
                paramLabel = "N",
                order = 80,
                description = "The grid has N x N points, N from 16 to 32768; default 4096.")
        void n(int value) {
            n = CliOptions.inRange(spec, "--stencil-n", value, 16, 32_768);
        }

        @Option(
                names = "--stencil-iterations",
                paramLabel = "I",
                order = 81,
                description = "Timed iterations of each version, from 1 to 100000; default 100.")
        void iterations(int value) {
            iterations = CliOptions.inRange(spec, "--stencil-iterations", value, 1, 100_000);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Running and reporting

    /** One invocation: runs benchmarks, prints each result as it comes, then writes the report. */
    static final class Session {
        private final MeldCli cli;
        private final Common common;
        private final BenchRunner runner;
        private final Machine machine = Machine.current();
        private final List<Map<String, Object>> results = new ArrayList<>();
        private final List<Map<String, Object>> sweep = new ArrayList<>();

        /** How many benchmarks this session runs, and how many have begun: for the progress line. */
        private final int benchmarks;

        private int begun;

        Session(MeldCli cli, Common common) {
            this(cli, common, 1);
        }

        Session(MeldCli cli, Common common, int benchmarks) {
            this.cli = cli;
            this.common = common;
            this.runner = new BenchRunner(common.jvmOptions, cli.err);
            this.benchmarks = benchmarks;
        }

        /** Labels the progress of the benchmark that begins: drawn on the terminal, never with --json. */
        private void begin(String benchmark) {
            begun++;
            String label = benchmarks > 1 ? benchmark + " (" + begun + " of " + benchmarks + ")" : benchmark;
            runner.progress(new Progress(common.json ? StatusLine.OFF : cli.status, label));
        }

        BenchRunner runner() {
            return runner;
        }

        void gups(GupsOptions g) throws InterruptedException {
            begin("gups");
            int nodes = common.nodes;
            int threads = common.threadsFor(nodes);
            double seconds = common.secondsOr(10);
            int members = g.noHazelcast ? 0 : g.hazelcastMembers;
            cli.message(String.format(
                    Locale.ROOT,
                    "gups: %d nodes x %d threads, table 2^%d, %s s; then shared memory with %d threads%s",
                    nodes,
                    threads,
                    g.tableLog2,
                    seconds,
                    nodes * threads,
                    members > 0
                            ? "; then Hazelcast, " + members + " members, " + g.hazelcastSeconds + " s per way"
                            : ""));
            add(runner.gups(new BenchRunner.GupsSpec(
                    nodes, threads, g.tableLog2, seconds, g.corrupt, members, g.hazelcastSeconds)));
            if (common.report != null && !g.noSweep) {
                double s = g.sweepSeconds > 0 ? g.sweepSeconds : Math.min(2, seconds);
                for (int n : g.sweepNodes) {
                    for (int t : g.sweepThreads) {
                        cli.message("gups sweep: " + n + " nodes x " + t + " threads, " + s + " s");
                        runner.progress(new Progress(
                                common.json ? StatusLine.OFF : cli.status,
                                "gups sweep, " + n + " nodes x " + t + " threads"));
                        sweep.add(ResultCodec.decode(ResultCodec.encode(runner.gupsPoint(n, t, g.tableLog2, s))));
                    }
                }
            }
        }

        void latency() throws InterruptedException {
            begin("latency");
            double seconds = common.secondsOr(5);
            cli.message("latency: blocking remote gets between 2 nodes for " + seconds
                    + " s, then back-to-back barriers and allReduces; then two ping-pongs between 2 JVMs, busy-polling"
                    + " and blocking");
            add(runner.latency(seconds));
        }

        void bandwidth(BandwidthOptions b) throws InterruptedException {
            begin("bandwidth");
            double seconds = common.secondsOr(5);
            cli.message("bandwidth: bulk get and put of " + Setting.formatSize(b.bytes) + " between 2 nodes, " + seconds
                    + " s each; then raw TCP streams between 2 JVMs, of one buffer and of the same array");
            add(runner.bandwidth(b.bytes, seconds));
        }

        void pagerank(PageRankOptions p) throws InterruptedException {
            begin("pagerank");
            p.checkGraph();
            int nodes = common.nodes;
            int threads = common.threadsFor(nodes);
            cli.message("pagerank: "
                    + (p.graph != null
                            ? p.graph.toString()
                            : "R-MAT scale " + p.scale + ", edge factor " + p.edgeFactor + ", seed " + p.seed)
                    + ", " + p.iterations + " iterations on " + nodes + " nodes x " + threads
                    + " threads; then shared memory with " + nodes * threads + " threads");
            add(runner.pagerank(new BenchRunner.PageRankSpec(
                    nodes, threads, p.scale, p.edgeFactor, p.seed, p.graph, p.iterations)));
        }

        void memory(MemoryOptions m) throws InterruptedException {
            begin("memory");
            cli.message("memory: 2^" + m.lengthLog2 + " longs over " + common.nodes + " nodes; peak resident memory");
            add(runner.memory(common.nodes, m.lengthLog2, (long) m.overheadMib << 20));
        }

        void nstream(NstreamOptions o) throws InterruptedException {
            begin("nstream");
            int nodes = common.nodes;
            int threads = common.threadsFor(nodes);
            cli.message(String.format(
                    Locale.ROOT,
                    "nstream: 3 arrays of 2^%d doubles per node on %d nodes x %d threads, %d triads (and %d one"
                            + " get/set at a time); then shared memory with %d threads",
                    o.lengthLog2,
                    nodes,
                    threads,
                    o.iterations,
                    o.elementIterations,
                    nodes * threads));
            add(runner.nstream(
                    new BenchRunner.NstreamSpec(nodes, threads, o.lengthLog2, o.iterations, o.elementIterations)));
        }

        void checkpoint(CheckpointOptions o) throws InterruptedException {
            begin("checkpoint");
            int nodes = common.nodes;
            long length = 1L << o.lengthLog2;
            Path dir;
            boolean made = o.directory == null;
            try {
                dir = made
                        ? java.nio.file.Files.createTempDirectory(
                                Path.of("").toAbsolutePath(), "meld-bench-checkpoint-")
                        : o.directory;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a directory for the checkpoint benchmark", e);
            }
            cli.message(String.format(
                    Locale.ROOT,
                    "checkpoint: 2^%d longs (%.2f GiB) over %d nodes, written and restored in %s; then one JVM"
                            + " writing and reading as many bytes there with a FileChannel",
                    o.lengthLog2,
                    length * 8.0 / (1L << 30),
                    nodes,
                    dir));
            try {
                add(runner.checkpoint(new BenchRunner.CheckpointSpec(nodes, length, dir)));
            } finally {
                if (made) {
                    try {
                        java.nio.file.Files.deleteIfExists(dir.resolve("checkpoint"));
                        java.nio.file.Files.deleteIfExists(dir);
                    } catch (IOException e) {
                        cli.message("could not delete " + dir + ": " + e);
                    }
                }
            }
        }

        void stencil(StencilOptions o) throws InterruptedException {
            begin("stencil");
            int nodes = common.nodes;
            int threads = common.threadsFor(nodes);
            int fewest = StencilKernel.fewestRows(o.n, nodes);
            if (fewest < StencilKernel.R) {
                throw new ParameterException(
                        o.spec.commandLine(),
                        "--stencil-n " + o.n + " on --nodes " + nodes + " leaves a node with " + fewest
                                + (fewest == 1 ? " row" : " rows") + "; the stencil needs at least "
                                + StencilKernel.R + " per node");
            }
            cli.message(String.format(
                    Locale.ROOT,
                    "stencil: star radius 2 on %d x %d, %d iterations on %d nodes x %d threads, global arrays with"
                            + " signals, then messages; then shared memory with %d threads",
                    o.n,
                    o.n,
                    o.iterations,
                    nodes,
                    threads,
                    nodes * threads));
            add(runner.stencil(new BenchRunner.StencilSpec(nodes, threads, o.n, o.iterations)));
        }

        private void add(BenchmarkResult result) {
            String line = ResultCodec.encode(result);
            Map<String, Object> r = ResultCodec.decode(line);
            results.add(r);
            PrintStream out = cli.out;
            if (common.json) {
                out.println(line);
            } else {
                printText(out, r);
            }
            out.flush();
        }

        /** Writes the report if asked; returns the exit status: 1 when a result is not verified. */
        int finish() {
            if (common.report != null) {
                Report report = new Report(common.report, machine, results, sweep);
                Path page = report.write();
                if (report.chartProblem() != null) {
                    cli.message("report without charts: " + report.chartProblem());
                }
                cli.message("report: " + page.toAbsolutePath());
            }
            boolean verified = true;
            for (Map<String, Object> r : results) {
                verified &= Boolean.TRUE.equals(r.get("verified"));
            }
            for (Map<String, Object> r : sweep) {
                verified &= Boolean.TRUE.equals(r.get("verified"));
            }
            return verified ? 0 : 1;
        }
    }

    /** A result for people: the summary rows, and for GUPS the classic one-line account. */
    static void printText(PrintStream out, Map<String, Object> r) {
        String benchmark = String.valueOf(r.get("benchmark"));
        boolean verified = Boolean.TRUE.equals(r.get("verified"));
        if (benchmark.equals("gups")) {
            if (r.get("updates") == null) {
                out.println("gups: FAILED before it produced a result (see the nodes' output)");
            } else {
                out.println(String.format(
                        Locale.ROOT,
                        "gups: %,d updates in %.2f s = %.2f M updates/s on %d nodes x %d threads (table 2^%d): %s",
                        (long) ResultCodec.number(r, "updates"),
                        ResultCodec.number(r, "seconds"),
                        ResultCodec.number(r, "updates_per_sec") / 1e6,
                        (long) ResultCodec.number(r, "nodes"),
                        (long) ResultCodec.number(r, "threads_per_node"),
                        (long) ResultCodec.number(r, "table_log2"),
                        verified ? "verified, the table's sum equals the updates" : "NOT VERIFIED"));
            }
        } else if (!verified) {
            out.println(benchmark + ": NOT VERIFIED (see the programs' output on stderr)");
        }
        for (String[] row : Report.summaryRows(List.of(r))) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-42s Meld %12s   baseline %12s   ratio %10s   %s",
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5].isEmpty() ? "" : "target " + row[5]));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The commands

    /** {@code meld bench gups}. */
    @Command(
            name = "gups",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Random atomic increments (GUPS): every thread of every node adds 1 to uniformly random elements"
                        + " of one global table for S seconds; then the table's sum must equal the number of"
                        + " updates. Beside it: the same increments by as many threads in one JVM (the"
                        + " shared-memory limit), and by Hazelcast members three ways.",
            })
    static final class GupsCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private GupsOptions gups;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.gups(gups);
            return session.finish();
        }
    }

    /** {@code meld bench latency}. */
    @Command(
            name = "latency",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Blocking remote get round trips between 2 nodes (p50, p99, p99.9, by HdrHistogram) and the mean"
                        + " time of back-to-back barrier() and allReduce(long) calls, beside two Java TCP ping-pongs of"
                        + " messages of the same size between 2 JVMs: the floor, where both ends busy-poll a"
                        + " non-blocking socket, and blocking sockets, which pay a thread wake-up per message."
                        + " Always 2 nodes and one requesting thread.",
            })
    static final class LatencyCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.latency();
            return session.finish();
        }
    }

    /** {@code meld bench bandwidth}. */
    @Command(
            name = "bandwidth",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Bulk get and put of one large range between 2 nodes (GB/s, 1e9 bytes), beside two raw Java TCP"
                        + " streams between 2 JVMs: one direct buffer sent again and again (the wire), and an"
                        + " array of the same size from one heap into the other (the same work by hand)."
                        + " Always 2 nodes and one transferring thread.",
            })
    static final class BandwidthCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private BandwidthOptions bandwidth;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.bandwidth(bandwidth);
            return session.finish();
        }
    }

    /** {@code meld bench pagerank}. */
    @Command(
            name = "pagerank",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "PageRank (damping 0.85, dangling rank spread over all vertices) on an R-MAT graph with Graph500's"
                        + " parameters or a SNAP edge list: time per iteration on Meld's nodes, beside a"
                        + " multi-threaded shared-memory PageRank on the same graph; the two rank vectors must"
                        + " agree.",
            })
    static final class PageRankCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private PageRankOptions pagerank;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.pagerank(pagerank);
            return session.finish();
        }
    }

    /** {@code meld bench memory}. */
    @Command(
            name = "memory",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Allocates one global long array of 2^K elements over the nodes, writes and sums it, and checks"
                        + " that each node's peak resident memory (VmHWM) stays under "
                        + MemoryFootprint.FACTOR
                        + " x its share of the data plus a fixed overhead.",
            })
    static final class MemoryCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private MemoryOptions memory;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.memory(memory);
            return session.finish();
        }
    }

    /** {@code meld bench checkpoint}. */
    @Command(
            name = "checkpoint",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "meld.checkpoint and meld.restore of one long array of 2^K elements over the nodes (BLOCK): every"
                        + " node writes its part, checksummed and forced to disk, then the manifest; the restore"
                        + " checks everything, then loads. Beside one JVM writing the same bytes with a"
                        + " FileChannel into the same directory, and reading them back. Not part of bench all.",
            })
    static final class CheckpointCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private CheckpointOptions checkpoint;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.checkpoint(checkpoint);
            return session.finish();
        }
    }

    /** {@code meld bench nstream}. */
    @Command(
            name = "nstream",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "The Parallel Research Kernels' nstream (STREAM triad, A += B + 3 C) on three global double arrays:"
                        + " the idiomatic form over local views (forallLocal), and one get/set per access;"
                        + " beside the same triad on plain arrays by as many threads in one JVM. GB/s counts"
                        + " 32 bytes per element and iteration, as PRK does.",
            })
    static final class NstreamCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private NstreamOptions nstream;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.nstream(nstream);
            return session.finish();
        }
    }

    /** {@code meld bench stencil}. */
    @Command(
            name = "stencil",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "The Parallel Research Kernels' star stencil (radius 2) on an N x N grid split by rows: global"
                        + " arrays whose halos arrive by put-with-signal, and the same with send/receive on Meld;"
                        + " beside the stencil by as many threads in one JVM. Seconds per iteration.",
            })
    static final class StencilCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private StencilOptions stencil;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common);
            session.stencil(stencil);
            return session.finish();
        }
    }

    /** {@code meld bench all}. */
    @Command(
            name = "all",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = {
                "Every benchmark, one after the other: gups, latency, bandwidth, pagerank, memory, nstream,"
                        + " stencil; with the options of each.",
            })
    static final class AllCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Mixin
        private Common common;

        @Mixin
        private GupsOptions gups;

        @Mixin
        private BandwidthOptions bandwidth;

        @Mixin
        private PageRankOptions pagerank;

        @Mixin
        private MemoryOptions memory;

        @Mixin
        private NstreamOptions nstream;

        @Mixin
        private StencilOptions stencil;

        @Override
        public Integer call() throws InterruptedException {
            Session session = new Session(bench.cli, common, 7);
            session.gups(gups);
            session.latency();
            session.bandwidth(bandwidth);
            session.pagerank(pagerank);
            session.memory(memory);
            session.nstream(nstream);
            session.stencil(stencil);
            return session.finish();
        }
    }

    /** {@code meld bench report}: draws a report again from the JSON lines of an earlier one. */
    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            versionProvider = VersionCommand.Provider.class,
            sortOptions = false,
            description = "Writes a report again from the results.jsonl of an earlier --report.")
    static final class ReportCommand implements Callable<Integer> {
        @ParentCommand
        private BenchCommand bench;

        @Option(names = "--from", paramLabel = "FILE", required = true, description = "A results.jsonl.")
        private Path from;

        @Option(names = "--report", paramLabel = "DIR", required = true, description = "Where the report goes.")
        private Path dir;

        @Override
        public Integer call() {
            Report report;
            try {
                report = Report.from(from, dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + from + ": " + e.getMessage(), e);
            }
            Path page = report.write();
            if (report.chartProblem() != null) {
                bench.cli.message("report without charts: " + report.chartProblem());
            }
            bench.cli.message("report: " + page.toAbsolutePath());
            return 0;
        }
    }
}
