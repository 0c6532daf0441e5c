package io.meld.cli;

import io.meld.bench.Bandwidth;
import io.meld.bench.BenchmarkResult;
import io.meld.bench.BusyPollPingPong;
import io.meld.bench.CheckpointThroughput;
import io.meld.bench.FileChannelBaseline;
import io.meld.bench.Gups;
import io.meld.bench.GupsResult;
import io.meld.bench.HazelcastGups;
import io.meld.bench.Latency;
import io.meld.bench.LatencyStats;
import io.meld.bench.MemoryFootprint;
import io.meld.bench.Nstream;
import io.meld.bench.NstreamSharedMemory;
import io.meld.bench.PageRank;
import io.meld.bench.PageRankKernel;
import io.meld.bench.PageRankSharedMemory;
import io.meld.bench.RawTcpGups;
import io.meld.bench.RawTcpPingPong;
import io.meld.bench.RawTcpStream;
import io.meld.bench.ResultCodec;
import io.meld.bench.Stencil;
import io.meld.bench.StencilSharedMemory;
import io.meld.security.SecuritySettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs the benchmarks' programs ({@code io.meld.bench}) on JVMs of this machine through the {@link
 * LocalLauncher}, Meld's and their baselines' one after the other, reads the JSON line each printed, and
 * composes the benchmark's own line: the figures, the baselines' figures, the ratios (always Meld divided
 * by the baseline), and {@code "verified"}, which is true only when every part was verified.
 *
 * <p>The programs' standard error (and every line they print that is not their result) goes to {@code
 * log}. A program that fails before printing its result leaves its fields {@code null} and the result
 * unverified.
 */
final class BenchRunner {
    /** The nodes of the two-node benchmarks (latency, bandwidth). */
    static final int PAIR = 2;

    private final List<String> jvmOptions;
    private final OutputStream log;
    private Progress progress = Progress.NONE;

    /**
     * @param jvmOptions more options of every JVM started
     * @param log where the programs' logs go
     */
    BenchRunner(List<String> jvmOptions, OutputStream log) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.log = log;
    }

    /**
     * @param progress where the programs started from now on draw their progress, labelled with the
     *     benchmark they belong to
     */
    void progress(Progress progress) {
        this.progress = progress;
    }

    /** What a program printed on stdout, and how it ended. */
    record Run(int status, String out) {
        Map<String, Object> result(String benchmark) {
            return ResultCodec.find(out, benchmark);
        }
    }

    /**
     * Starts {@code main} on {@code nodes} JVMs and waits for them.
     *
     * @return the exit status and standard output
     */
    Run launch(String main, int nodes, int threads, List<String> args, List<String> options)
            throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(options);
        all.addAll(jvmOptions);
        int status = LocalLauncher.builder(main)
                .nodes(nodes)
                .threads(threads)
                .jvmOptions(all)
                .args(args)
                .progress(progress.then(
                        main.substring(main.lastIndexOf('.') + 1) + " on " + nodes + (nodes == 1 ? " JVM" : " JVMs")))
                .out(out)
                .err(log)
                .build()
                .run();
        return new Run(status, out.toString(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------
    // gups

    /**
     * @param nodes Meld's nodes
     * @param threads updating threads per node
     * @param tableLog2 log2 of the table
     * @param seconds how long Meld and the shared-memory baseline update
     * @param corrupt add one uncounted update on Meld (verification must fail)
     * @param hazelcastMembers Hazelcast members, 0 for none
     * @param hazelcastSeconds how long each Hazelcast way updates
     */
    record GupsSpec(
            int nodes,
            int threads,
            int tableLog2,
            double seconds,
            boolean corrupt,
            int hazelcastMembers,
            double hazelcastSeconds) {}

    BenchResults.Gups gups(GupsSpec spec) throws InterruptedException {
        GupsJob job =
                new GupsJob(spec.nodes(), spec.threads(), spec.tableLog2(), spec.seconds(), jvmOptions, spec.corrupt());
        List<GupsResult> forms = job.runCluster(log, progress, List.of(Gups.Form.ELEMENT, Gups.Form.BLOCK));
        GupsResult element = forms.get(0);
        GupsResult meld = forms.get(1);
        // The same cluster without TLS, beside it: what security costs.
        GupsResult plain = new GupsJob(
                        spec.nodes(), spec.threads(), spec.tableLog2(), spec.seconds(), withoutTls(jvmOptions), false)
                .runCluster(log, progress.then("without TLS"), List.of(Gups.Form.BLOCK))
                .get(0);
        GupsResult shared = job.runSharedMemory(log, progress);
        boolean verified = meld.verified() && element.verified() && shared.verified() && plain.verified();
        // The bound of two processes on one machine: the least GUPS program that splits the table
        // between two JVMs (raw TCP, no runtime), in the same run.
        Map<String, Object> raw = spec.nodes() == PAIR ? rawTcpGups(spec) : null;
        double rawRate = num(raw, "updates_per_sec");
        if (spec.nodes() == PAIR) {
            verified &= raw != null && Boolean.TRUE.equals(raw.get("verified"));
        }
        Map<String, Object> hz = null;
        BenchResults.Hazelcast peer = null;
        if (spec.hazelcastMembers() > 0) {
            hz = hazelcast(spec);
            peer = new BenchResults.Hazelcast(
                    spec.hazelcastMembers(),
                    spec.threads(),
                    spec.hazelcastSeconds(),
                    num(hz, "sync_updates_per_sec"),
                    num(hz, "async_updates_per_sec"),
                    num(hz, "batch_updates_per_sec"),
                    text(hz, "best"),
                    text(hz, "hazelcast_version"));
            verified &= hz != null && Boolean.TRUE.equals(hz.get("verified"));
        }
        double hzRate = num(hz, "updates_per_sec");
        return new BenchResults.Gups(
                spec.nodes(),
                spec.threads(),
                spec.tableLog2(),
                Gups.Form.BLOCK.label(),
                Gups.BLOCK,
                meld == GupsJob.NONE ? null : meld.updates(),
                meld == GupsJob.NONE ? Double.NaN : meld.seconds(),
                meld == GupsJob.NONE ? Double.NaN : meld.warmupSeconds(),
                rate(meld),
                verified,
                rate(shared),
                shared == GupsJob.NONE ? Double.NaN : shared.warmupSeconds(),
                ratio(rate(meld), rate(shared)),
                rate(element),
                ratio(rate(element), rate(shared)),
                rawRate,
                ratio(rate(meld), rawRate),
                ratio(rate(element), rawRate),
                ratio(rawRate, rate(shared)),
                hzRate,
                ratio(rate(meld), hzRate),
                peer,
                shared.verified(),
                rate(plain),
                ratio(rate(meld), rate(plain)));
    }

    /**
     * @return {@code options} and the option that turns security off: the baseline of what TLS costs, which
     *     the benchmarks report beside their secure figures ({@code no_tls_...})
     */
    static List<String> withoutTls(List<String> options) {
        List<String> all = new ArrayList<>(options);
        all.add("-D" + SecuritySettings.ENABLED.name() + "=false");
        return all;
    }

    /**
     * One point of the GUPS sweep behind the report's scaling charts: Meld (the block form) and shared
     * memory only.
     */
    BenchResults.GupsPoint gupsPoint(int nodes, int threads, int tableLog2, double seconds)
            throws InterruptedException {
        GupsJob job = new GupsJob(nodes, threads, tableLog2, seconds, jvmOptions, false);
        GupsResult meld =
                job.runCluster(log, progress, List.of(Gups.Form.BLOCK)).get(0);
        GupsResult shared = job.runSharedMemory(log, progress);
        return new BenchResults.GupsPoint(
                true,
                nodes,
                threads,
                tableLog2,
                seconds,
                rate(meld),
                rate(shared),
                ratio(rate(meld), rate(shared)),
                meld.verified() && shared.verified());
    }

    /** @return the run's updates per second, NaN when it printed no result */
    private static double rate(GupsResult r) {
        return r == GupsJob.NONE ? Double.NaN : r.updatesPerSec();
    }

    private Map<String, Object> rawTcpGups(GupsSpec spec) throws InterruptedException {
        int port = LoopbackPorts.pick(1).get(0);
        long heapMib = (8L << spec.tableLog2()) / 2 / (1 << 20) * 3 / 2 + 128;
        Run run = launch(
                RawTcpGups.class.getName(),
                PAIR,
                spec.threads(),
                List.of(
                        Integer.toString(spec.tableLog2()),
                        Double.toString(spec.seconds()),
                        Integer.toString(port),
                        Integer.toString(spec.threads())),
                List.of("-Xmx" + heapMib + "m", "-XX:+UseParallelGC"));
        Map<String, Object> r = run.result("gups_raw_tcp");
        return r != null && run.status() != 0 ? withVerified(r, false) : r;
    }

    private Map<String, Object> hazelcast(GupsSpec spec) throws InterruptedException {
        List<Integer> ports = LoopbackPorts.pick(spec.hazelcastMembers());
        StringBuilder list = new StringBuilder();
        for (int p : ports) {
            list.append(list.isEmpty() ? "" : ",").append(p);
        }
        Run run = launch(
                HazelcastGups.class.getName(),
                spec.hazelcastMembers(),
                spec.threads(),
                List.of(
                        list.toString(),
                        "meld-bench-" + UUID.randomUUID().toString().substring(0, 8),
                        Integer.toString(spec.tableLog2()),
                        Double.toString(spec.hazelcastSeconds())),
                hazelcastJvmOptions());
        Map<String, Object> r = run.result("gups_hazelcast");
        return r != null && run.status() != 0 ? withVerified(r, false) : r;
    }

    /**
     * The options Hazelcast asks for to reach the JDK internals it uses for its best performance (it
     * warns without them), and on JDK 24 and newer the {@code sun.misc.Unsafe} access its shaded JCTools
     * makes: the peer gets every advantage it documents.
     */
    static List<String> hazelcastJvmOptions() {
        List<String> options = new ArrayList<>(List.of(
                "-Xmx512m",
                "-XX:+UseParallelGC",
                "--add-modules",
                "java.se",
                "--add-exports",
                "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.lang=ALL-UNNAMED",
                "--add-opens",
                "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens",
                "java.management/sun.management=ALL-UNNAMED",
                "--add-opens",
                "jdk.management/com.sun.management.internal=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        return options;
    }

    /** @return {@code a / b}, or NaN when either is missing or {@code b} is not positive */
    static double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b <= 0 ? Double.NaN : a / b;
    }

    private static Map<String, Object> withVerified(Map<String, Object> r, boolean verified) {
        Map<String, Object> copy = new LinkedHashMap<>(r);
        copy.put("verified", verified);
        return copy;
    }

    // ---------------------------------------------------------------------------------------------
    // latency

    BenchResults.Latency latency(double seconds) throws InterruptedException {
        String s = Double.toString(seconds);
        Run meld = launch(Latency.class.getName(), PAIR, 1, List.of(s), List.of("-Xmx256m", "-XX:+UseParallelGC"));
        Run plain = launch(
                Latency.class.getName(), PAIR, 1, List.of(s), withoutTls(List.of("-Xmx256m", "-XX:+UseParallelGC")));
        Run busy = launch(
                BusyPollPingPong.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), s),
                List.of("-Xmx128m", "-XX:+UseParallelGC"));
        Run busyTls = launch(
                BusyPollPingPong.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), s, "tls"),
                List.of("-Xmx128m", "-XX:+UseParallelGC"));
        Run raw = launch(
                RawTcpPingPong.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), s),
                List.of("-Xmx128m", "-XX:+UseParallelGC"));
        Map<String, Object> m = meld.result("latency_meld");
        Map<String, Object> c = meld.result("latency_collectives");
        Map<String, Object> pm = plain.result("latency_meld");
        Map<String, Object> pc = plain.result("latency_collectives");
        Map<String, Object> b = busy.result("latency_busy_poll");
        Map<String, Object> bt = busyTls.result("latency_busy_poll_tls");
        Map<String, Object> r = raw.result("latency_raw_tcp");
        double floor = num(b, "p50_us");
        double tlsFloor = num(bt, "p50_us");
        return new BenchResults.Latency(
                PAIR,
                1,
                num(m, "seconds"),
                whole(m, "samples"),
                num(m, "p50_us"),
                num(m, "p99_us"),
                num(m, "p999_us"),
                floor,
                ratio(num(m, "p50_us"), floor),
                num(c, "barrier_us"),
                num(c, "allreduce_us"),
                ratio(num(c, "barrier_us"), floor),
                ratio(num(c, "allreduce_us"), floor),
                num(r, "p50_us"),
                num(r, "p99_us"),
                ratio(num(m, "p50_us"), num(r, "p50_us")),
                verified(meld, m)
                        && verified(meld, c)
                        && verified(plain, pm)
                        && verified(plain, pc)
                        && verified(busy, b)
                        && verified(busyTls, bt)
                        && verified(raw, r),
                num(m, "p90_us"),
                num(m, "mean_us"),
                num(m, "max_us"),
                num(r, "p999_us"),
                whole(r, "samples"),
                num(b, "p99_us"),
                whole(b, "samples"),
                numbers(c, "barrier_repetitions_us"),
                numbers(c, "allreduce_repetitions_us"),
                LatencyStats.PERCENTILES,
                numbers(m, "distribution_us"),
                numbers(r, "distribution_us"),
                numbers(b, "distribution_us"),
                num(pm, "p50_us"),
                ratio(num(pm, "p50_us"), floor),
                num(pc, "barrier_us"),
                num(pc, "allreduce_us"),
                tlsFloor,
                num(bt, "p99_us"),
                ratio(num(m, "p50_us"), tlsFloor),
                ratio(num(c, "barrier_us"), tlsFloor),
                ratio(num(c, "allreduce_us"), tlsFloor));
    }

    // ---------------------------------------------------------------------------------------------
    // bandwidth

    BenchResults.Bandwidth bandwidth(long bytes, double seconds) throws InterruptedException {
        String s = Double.toString(seconds);
        long heapMib = Math.max(256, 2 * (bytes >> 20) + 256);
        Run meld = launch(
                Bandwidth.class.getName(),
                PAIR,
                1,
                List.of(Long.toString(bytes), s),
                List.of("-Xmx" + heapMib + "m", "-XX:+UseParallelGC"));
        int port = LoopbackPorts.pick(1).get(0);
        Run raw = launch(
                RawTcpStream.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(port), s),
                List.of("-Xmx128m", "-XX:+UseParallelGC"));
        Run rawArray = launch(
                RawTcpStream.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), s, Long.toString(bytes)),
                List.of("-Xmx" + ((bytes >> 20) + 128) + "m", "-XX:+UseParallelGC"));
        Run plain = launch(
                Bandwidth.class.getName(),
                PAIR,
                1,
                List.of(Long.toString(bytes), s),
                withoutTls(List.of("-Xmx" + heapMib + "m", "-XX:+UseParallelGC")));
        // The machine's price of TLS on a stream: the array stream again, through Meld's TLS.
        Run rawTls = launch(
                RawTcpStream.class.getName(),
                PAIR,
                1,
                List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), s, Long.toString(bytes), "both", "tls"),
                List.of("-Xmx" + ((bytes >> 20) + 128) + "m", "-XX:+UseParallelGC"));
        Map<String, Object> m = meld.result("bandwidth_meld");
        Map<String, Object> p = plain.result("bandwidth_meld");
        Map<String, Object> t = rawTls.result("bandwidth_raw_tcp");
        Map<String, Object> r = raw.result("bandwidth_raw_tcp");
        Map<String, Object> a = rawArray.result("bandwidth_raw_tcp");
        return new BenchResults.Bandwidth(
                PAIR,
                1,
                bytes,
                num(m, "seconds"),
                num(m, "warmup_seconds"),
                num(m, "get_gb_per_sec"),
                num(m, "put_gb_per_sec"),
                num(r, "gb_per_sec"),
                // Meld's data path against the raw streams, both in plain text: the TLS pairs below say
                // what encryption adds, to Meld and to the raw stream.
                ratio(num(p, "get_gb_per_sec"), num(r, "gb_per_sec")),
                ratio(num(p, "put_gb_per_sec"), num(r, "gb_per_sec")),
                num(a, "gb_per_sec"),
                ratio(num(p, "get_gb_per_sec"), num(a, "gb_per_sec")),
                ratio(num(p, "put_gb_per_sec"), num(a, "gb_per_sec")),
                verified(meld, m)
                        && verified(raw, r)
                        && verified(rawArray, a)
                        && verified(plain, p)
                        && verified(rawTls, t),
                whole(m, "gets"),
                whole(m, "puts"),
                whole(r, "bytes"),
                num(p, "get_gb_per_sec"),
                num(p, "put_gb_per_sec"),
                ratio(num(m, "get_gb_per_sec"), num(p, "get_gb_per_sec")),
                ratio(num(m, "put_gb_per_sec"), num(p, "put_gb_per_sec")),
                num(t, "gb_per_sec"),
                ratio(num(t, "gb_per_sec"), num(a, "gb_per_sec")));
    }

    // ---------------------------------------------------------------------------------------------
    // pagerank

    /**
     * @param nodes Meld's nodes
     * @param threads threads per node
     * @param scale R-MAT scale (when {@code graph} is null)
     * @param edgeFactor R-MAT edge factor
     * @param seed R-MAT seed
     * @param graph a SNAP edge list instead of R-MAT, or {@code null}
     * @param iterations timed iterations
     */
    record PageRankSpec(int nodes, int threads, int scale, int edgeFactor, long seed, Path graph, int iterations) {
        List<String> graphArgs() {
            return graph != null
                    ? List.of("file", graph.toAbsolutePath().toString())
                    : List.of("rmat", Integer.toString(scale), Integer.toString(edgeFactor), Long.toString(seed));
        }

        /** @return a heap, in MiB, that holds the graph in one JVM with room for the ranks and the runtime */
        long heapMib() {
            long edges;
            long vertices;
            if (graph != null) {
                long size;
                try {
                    size = Files.size(graph);
                } catch (IOException e) {
                    size = 1L << 30;
                }
                edges = size / 4; // a line has at least 4 bytes
                vertices = 2 * edges;
            } else {
                edges = (long) edgeFactor << scale;
                vertices = 1L << scale;
            }
            return Math.max(384, (12 * edges + 48 * vertices) / (1 << 20) + 320);
        }
    }

    BenchResults.PageRank pagerank(PageRankSpec spec) throws InterruptedException {
        Path dir;
        try {
            dir = Files.createTempDirectory("meld-pagerank");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary directory for the ranks", e);
        }
        Path meldRanks = dir.resolve("meld.ranks");
        Path sharedRanks = dir.resolve("shared.ranks");
        String heap = "-Xmx" + spec.heapMib() + "m";
        try {
            List<String> args = new ArrayList<>(List.of(Integer.toString(spec.iterations()), meldRanks.toString()));
            args.addAll(spec.graphArgs());
            Run meld = launch(
                    PageRank.class.getName(), spec.nodes(), spec.threads(), args, List.of(heap, "-XX:+UseParallelGC"));
            args = new ArrayList<>(List.of(
                    Integer.toString(spec.nodes() * spec.threads()),
                    Integer.toString(spec.iterations()),
                    sharedRanks.toString(),
                    "1")); // one node's BoundaryOrder: read vertices first, the baseline's quickest layout
            args.addAll(spec.graphArgs());
            Run shared = launch(PageRankSharedMemory.class.getName(), 1, 1, args, List.of(heap, "-XX:+UseParallelGC"));
            Map<String, Object> m = meld.result("pagerank_meld");
            Map<String, Object> s = shared.result("pagerank_shared_memory");
            double[] difference = compare(meldRanks, sharedRanks);
            boolean agree = difference != null && difference[0] <= 1e-9;
            return new BenchResults.PageRank(
                    spec.nodes(),
                    spec.threads(),
                    spec.graph() != null ? spec.graph().toString() : "rmat",
                    spec.graph() != null ? null : new BenchResults.Rmat(spec.scale(), spec.edgeFactor(), spec.seed()),
                    whole(m, "vertices"),
                    whole(m, "edges"),
                    spec.iterations(),
                    num(m, "seconds"),
                    num(m, "seconds_per_iteration"),
                    num(s, "seconds_per_iteration"),
                    ratio(num(m, "seconds_per_iteration"), num(s, "seconds_per_iteration")),
                    verified(meld, m) && verified(shared, s) && agree,
                    difference == null ? Double.NaN : difference[0],
                    difference == null ? Double.NaN : difference[1],
                    num(m, "rank_sum"),
                    num(m, "setup_seconds"),
                    num(m, "warmup_seconds"),
                    num(s, "warmup_seconds"),
                    num(m, "fetch_seconds_per_iteration"),
                    num(m, "compute_seconds_per_iteration"),
                    num(m, "sync_seconds_per_iteration"),
                    whole(m, "fetched_vertices_per_iteration"),
                    spec.nodes() * spec.threads());
        } finally {
            try {
                Files.deleteIfExists(meldRanks);
                Files.deleteIfExists(sharedRanks);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // a temporary file left behind is harmless
            }
        }
    }

    /** @return the L1 and the largest difference of two rank files, or {@code null} when one is missing */
    static double[] compare(Path a, Path b) {
        try {
            if (!Files.exists(a) || !Files.exists(b)) {
                return null;
            }
            double[] x = PageRankKernel.read(a);
            double[] y = PageRankKernel.read(b);
            if (x.length != y.length || x.length == 0) {
                return new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
            }
            double l1 = 0;
            double max = 0;
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs(x[i] - y[i]);
                l1 += d;
                max = Math.max(max, d);
            }
            return new double[] {l1, max};
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // nstream

    /**
     * @param nodes Meld's nodes
     * @param threads threads per node
     * @param lengthLog2 log2 of the elements of each array per node
     * @param iterations timed iterations of the idiomatic form (and of the shared-memory baseline)
     * @param elementIterations timed iterations of the element form
     */
    record NstreamSpec(int nodes, int threads, int lengthLog2, int iterations, int elementIterations) {
        long perNode() {
            return 1L << lengthLog2;
        }

        /** @return a heap, in MiB, for three arrays of {@code length} doubles under the parallel collector */
        static long heapMib(long length) {
            // The parallel collector's old generation is 2/3 of the heap, and the arrays live there.
            return 3 * 8 * length * 3 / 2 / (1 << 20) + 320;
        }
    }

    BenchResults.Nstream nstream(NstreamSpec spec) throws InterruptedException {
        Run meld = launch(
                Nstream.class.getName(),
                spec.nodes(),
                spec.threads(),
                List.of(
                        Long.toString(spec.perNode()),
                        Integer.toString(spec.iterations()),
                        Integer.toString(spec.elementIterations())),
                List.of("-Xmx" + NstreamSpec.heapMib(spec.perNode()) + "m", "-XX:+UseParallelGC"));
        long total = spec.perNode() * spec.nodes();
        Run shared = launch(
                NstreamSharedMemory.class.getName(),
                1,
                1,
                List.of(
                        Integer.toString(spec.nodes() * spec.threads()),
                        Long.toString(total),
                        Integer.toString(spec.iterations())),
                List.of("-Xmx" + NstreamSpec.heapMib(total) + "m", "-XX:+UseParallelGC"));
        Map<String, Object> m = meld.result("nstream_meld");
        Map<String, Object> b = shared.result("nstream_shared_memory");
        return new BenchResults.Nstream(
                spec.nodes(),
                spec.threads(),
                spec.perNode(),
                total,
                spec.iterations(),
                num(m, "seconds_per_iteration") * spec.iterations(),
                num(m, "gb_per_sec"),
                num(b, "gb_per_sec"),
                ratio(num(m, "gb_per_sec"), num(b, "gb_per_sec")),
                num(m, "element_gb_per_sec"),
                ratio(num(m, "element_gb_per_sec"), num(b, "gb_per_sec")),
                verified(meld, m) && verified(shared, b),
                num(m, "seconds_per_iteration"),
                num(b, "seconds_per_iteration"),
                spec.elementIterations(),
                num(m, "element_seconds_per_iteration"),
                num(m, "warmup_seconds"),
                num(b, "warmup_seconds"),
                spec.nodes() * spec.threads());
    }

    // ---------------------------------------------------------------------------------------------
    // checkpoint

    /**
     * @param nodes Meld's nodes
     * @param length the array's elements, over all nodes
     * @param directory where the checkpoint and the baseline's file go (deleted after)
     */
    record CheckpointSpec(int nodes, long length, java.nio.file.Path directory) {
        /** @return a heap, in MiB, for a node's share of the array under the parallel collector */
        long heapMib() {
            return 8 * (length / nodes + 1) * 3 / 2 / (1 << 20) + 320;
        }
    }

    BenchResults.Checkpoint checkpoint(CheckpointSpec spec) throws InterruptedException {
        String dir = spec.directory().toAbsolutePath().toString();
        Run meld = launch(
                CheckpointThroughput.class.getName(),
                spec.nodes(),
                1,
                List.of(Long.toString(spec.length()), dir + "/checkpoint"),
                List.of("-Xmx" + spec.heapMib() + "m", "-XX:+UseParallelGC"));
        Run baseline = launch(
                FileChannelBaseline.class.getName(),
                1,
                1,
                List.of(Long.toString(8 * spec.length()), dir),
                List.of("-Xmx256m"));
        Map<String, Object> m = meld.result("checkpoint_meld");
        Map<String, Object> b = baseline.result("checkpoint_filechannel");
        return new BenchResults.Checkpoint(
                spec.nodes(),
                spec.length(),
                8 * spec.length(),
                dir,
                num(m, "write_seconds") + num(m, "restore_seconds"),
                num(m, "write_seconds"),
                num(m, "write_gb_per_sec"),
                num(m, "restore_seconds"),
                num(m, "restore_gb_per_sec"),
                num(b, "write_gb_per_sec"),
                num(b, "read_gb_per_sec"),
                ratio(num(m, "write_gb_per_sec"), num(b, "write_gb_per_sec")),
                ratio(num(m, "restore_gb_per_sec"), num(b, "read_gb_per_sec")),
                verified(meld, m) && verified(baseline, b));
    }

    // ---------------------------------------------------------------------------------------------
    // stencil

    /**
     * @param nodes Meld's nodes
     * @param threads threads per node
     * @param n the grid is {@code n x n}
     * @param iterations timed iterations of each version
     */
    record StencilSpec(int nodes, int threads, int n, int iterations) {
        /** @return a heap, in MiB, for {@code grids} grids of {@code n x n} doubles spread over {@code parts} */
        long heapMib(int grids, int parts) {
            return (long) grids * 8 * n * n * 3 / 2 / parts / (1 << 20) + 256;
        }
    }

    BenchResults.Stencil stencil(StencilSpec spec) throws InterruptedException {
        String n = Integer.toString(spec.n());
        String iterations = Integer.toString(spec.iterations());
        Run meld = launch(
                Stencil.class.getName(),
                spec.nodes(),
                spec.threads(),
                List.of(n, iterations),
                // in and out for each of the two versions, with halos
                List.of("-Xmx" + spec.heapMib(5, spec.nodes()) + "m", "-XX:+UseParallelGC"));
        Run shared = launch(
                StencilSharedMemory.class.getName(),
                1,
                1,
                List.of(Integer.toString(spec.nodes() * spec.threads()), n, iterations),
                List.of("-Xmx" + spec.heapMib(3, 1) + "m", "-XX:+UseParallelGC"));
        Map<String, Object> m = meld.result("stencil_meld");
        Map<String, Object> b = shared.result("stencil_shared_memory");
        double global = num(m, "seconds_per_iteration");
        return new BenchResults.Stencil(
                spec.nodes(),
                spec.threads(),
                spec.n(),
                whole(m, "radius"),
                spec.iterations(),
                global * spec.iterations(),
                global,
                num(m, "message_passing_seconds_per_iteration"),
                num(b, "seconds_per_iteration"),
                ratio(global, num(m, "message_passing_seconds_per_iteration")),
                ratio(global, num(b, "seconds_per_iteration")),
                verified(meld, m) && verified(shared, b),
                whole(m, "warmup_iterations"),
                whole(b, "warmup_iterations"),
                spec.nodes() * spec.threads());
    }

    // ---------------------------------------------------------------------------------------------
    // memory

    BenchmarkResult memory(int nodes, int lengthLog2, long overheadBytes) throws InterruptedException {
        long share = (8L << lengthLog2) / nodes;
        long heapMib = share / 1048576 + share / 4 / 1048576 + 256;
        // G1 (the default collector) allocates the node's share (one chunk, or chunks of up to 2^30 elements)
        // as a humongous object, straight into the old generation: written once, where it stays, never
        // copied by a young collection.
        Run run = launch(
                MemoryFootprint.class.getName(),
                nodes,
                1,
                List.of(Integer.toString(lengthLog2), Long.toString(overheadBytes)),
                List.of("-Xmx" + heapMib + "m", "-XX:+UseG1GC"));
        Map<String, Object> m = run.result("memory");
        if (m == null) {
            return new BenchResults.MemoryFailed(nodes, lengthLog2, heapMib, false);
        }
        MemoryFootprint.Result footprint = MemoryFootprint.Result.of(m);
        return new BenchResults.Memory(verified(run, m) ? footprint : footprint.unverified(), heapMib);
    }

    // ---------------------------------------------------------------------------------------------

    private static boolean verified(Run run, Map<String, Object> result) {
        return run.status() == 0 && result != null && Boolean.TRUE.equals(result.get("verified"));
    }

    /** @return the field as a double, NaN when the program printed no result or not the field */
    private static double num(Map<String, Object> m, String field) {
        return m == null ? Double.NaN : ResultCodec.number(m, field);
    }

    /** @return the whole number field, {@code null} when the program printed no result or not the field */
    private static Long whole(Map<String, Object> m, String field) {
        return m != null && m.get(field) instanceof Long l ? l : null;
    }

    /** @return the string field, {@code null} when the program printed no result or not the field */
    private static String text(Map<String, Object> m, String field) {
        return m != null && m.get(field) instanceof String t ? t : null;
    }

    /** @return the array field, {@code null} when the program printed no result or not the field */
    private static double[] numbers(Map<String, Object> m, String field) {
        return m != null && m.get(field) instanceof List<?> ? ResultCodec.numbers(m, field) : null;
    }
}
