package io.meld.bench.report;

import io.meld.bench.LatencyStats;
import io.meld.bench.ResultCodec;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes the report of a benchmark run into a directory: {@code index.html} (the machine, a summary
 * table of every figure beside its baseline, its ratio and its target, then one chart per benchmark),
 * the charts as PNG files, and the JSON lines it was made from ({@code results.jsonl}), from which
 * {@code bin/meld bench report --from FILE} draws it again.
 *
 * <p>Charts need fonts: on a headless machine without any (no {@code fontconfig} or no font package,
 * such as {@code fonts-dejavu-core}) the JDK cannot draw text, and the page is written without charts,
 * saying why.
 *
 * <p>Not thread-safe; one report per instance.
 */
public final class Report {
    /** The targets: a ratio field of a benchmark, its bound, and which side is good. */
    record Target(String benchmark, String field, String label, double bound, boolean atLeast) {
        boolean met(double ratio) {
            return atLeast ? ratio >= bound : ratio <= bound;
        }

        String text() {
            return (atLeast ? "\u2265 " : "\u2264 ") + plain(bound);
        }
    }

    /**
     * The targets of the project's design, for the figures that measure them (docs/performance.md lists
     * them): ratios on 2 nodes of one machine, against baselines measured in the same run.
     */
    static final List<Target> TARGETS = List.of(
            new Target("gups", "ratio_to_shared_memory", "GUPS add(indices) vs shared", 0.8, true),
            new Target("gups", "element_ratio_to_shared_memory", "GUPS one add each vs shared", 0.7, true),
            new Target("gups", "ratio_to_hazelcast", "GUPS vs Hazelcast", 1000, true),
            new Target("gups", "tls_ratio", "GUPS with TLS vs without", 0.9, true),
            new Target("bandwidth", "get_tls_ratio", "bulk get with TLS vs without", 0.8, true),
            new Target("bandwidth", "put_tls_ratio", "bulk put with TLS vs without", 0.8, true),
            new Target("nstream", "ratio_to_shared_memory", "nstream vs shared", 0.8, true),
            new Target("stencil", "ratio_to_message_passing", "stencil vs messages", 1.2, false),
            new Target("latency", "ratio_to_busy_poll", "remote get p50 vs busy-poll", 1.3, false),
            new Target("latency", "barrier_ratio_to_busy_poll", "barrier vs busy-poll", 2.0, false),
            new Target("latency", "allreduce_ratio_to_busy_poll", "allReduce vs busy-poll", 2.0, false),
            new Target("bandwidth", "get_ratio_to_raw_tcp_array", "bulk get vs TCP array", 1.0, true),
            new Target("bandwidth", "put_ratio_to_raw_tcp_array", "bulk put vs TCP array", 1.0, true),
            new Target("pagerank", "ratio_to_shared_memory", "PageRank vs shared", 1.2, false),
            new Target("checkpoint", "ratio_to_baseline", "checkpoint write vs FileChannel", 0.8, true));

    private static final Color MELD = new Color(0x1F77B4);
    private static final Color BASELINE = new Color(0x7F7F7F);
    private static final Color PEER = new Color(0xD62728);
    private static final Color MET = new Color(0x2CA02C);
    private static final int WIDTH = 800;
    private static final int HEIGHT = 450;

    private final Path dir;
    private final Machine machine;
    private final List<Map<String, Object>> results;
    private final List<Map<String, Object>> sweep;
    private final List<String[]> charts = new ArrayList<>();
    private String chartProblem;

    /**
     * @param dir the directory to write into, created if needed
     * @param machine where the figures came from
     * @param results one JSON object per benchmark ({@code bin/meld bench --json} lines)
     * @param sweep GUPS results at other node and thread counts, for the scaling charts; may be empty
     */
    public Report(Path dir, Machine machine, List<Map<String, Object>> results, List<Map<String, Object>> sweep) {
        this.dir = dir;
        this.machine = machine;
        this.results = List.copyOf(results);
        this.sweep = List.copyOf(sweep);
    }

    /**
     * Reads a report's JSON lines back: the machine line, the benchmarks' lines, and sweep lines (those
     * with {@code "sweep":true}).
     *
     * @param file a {@code results.jsonl} a report wrote
     * @param dir where the new report goes
     * @return the report, not yet written
     * @throws IOException when the file cannot be read
     */
    public static Report from(Path file, Path dir) throws IOException {
        Machine machine = null;
        List<Map<String, Object>> results = new ArrayList<>();
        List<Map<String, Object>> sweep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> f = ResultCodec.decode(line);
            if ("machine".equals(f.get("benchmark"))) {
                machine = Machine.of(f);
            } else if (Boolean.TRUE.equals(f.get("sweep"))) {
                sweep.add(f);
            } else {
                results.add(f);
            }
        }
        return new Report(dir, machine != null ? machine : Machine.current(), results, sweep);
    }

    /**
     * Writes the page, the charts and the JSON lines.
     *
     * @return the page
     * @throws UncheckedIOException when a file cannot be written
     */
    public Path write() {
        try {
            Files.createDirectories(dir);
            StringBuilder lines = new StringBuilder(ResultCodec.encode(machine)).append('\n');
            for (Map<String, Object> r : results) {
                lines.append(ResultCodec.encode(r)).append('\n');
            }
            for (Map<String, Object> r : sweep) {
                lines.append(ResultCodec.encode(r)).append('\n');
            }
            Files.writeString(dir.resolve("results.jsonl"), lines, StandardCharsets.UTF_8);
            drawCharts();
            Path page = dir.resolve("index.html");
            Files.writeString(page, html(), StandardCharsets.UTF_8);
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return why the charts were not drawn, or {@code null} when they were */
    public String chartProblem() {
        return chartProblem;
    }

    private void drawCharts() {
        System.setProperty("java.awt.headless", "true");
        try {
            for (Map<String, Object> r : results) {
                switch (String.valueOf(r.get("benchmark"))) {
                    case "gups" -> gupsChart(r);
                    case "latency" -> latencyChart(r);
                    case "bandwidth" -> bandwidthChart(r);
                    case "pagerank" -> pagerankChart(r);
                    case "memory" -> memoryChart(r);
                    case "nstream" -> nstreamChart(r);
                    case "stencil" -> stencilChart(r);
                    default -> {}
                }
            }
            if (!sweep.isEmpty()) {
                scalingCharts();
            }
            ratioChart();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception | Error e) {
            // A JDK without fonts fails in its font manager (an Error, or a RuntimeException from AWT).
            chartProblem = e.toString();
            charts.clear();
        }
    }

    private void gupsChart(Map<String, Object> r) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        add(names, values, "Meld, blocks", ResultCodec.number(r, "updates_per_sec") / 1e6);
        add(names, values, "Meld, 1 by 1", ResultCodec.number(r, "element_updates_per_sec") / 1e6);
        add(names, values, "shared memory", ResultCodec.number(r, "shared_memory_updates_per_sec") / 1e6);
        add(names, values, "2 JVMs, raw TCP", ResultCodec.number(r, "raw_tcp_updates_per_sec") / 1e6);
        add(names, values, "Hazelcast sync", ResultCodec.number(r, "hazelcast_sync_updates_per_sec") / 1e6);
        add(names, values, "Hazelcast async", ResultCodec.number(r, "hazelcast_async_updates_per_sec") / 1e6);
        add(names, values, "Hazelcast batch", ResultCodec.number(r, "hazelcast_batch_updates_per_sec") / 1e6);
        CategoryChart chart = bars(
                String.format(
                        Locale.ROOT,
                        "Random increments: %d nodes x %d threads, 2^%d table",
                        (long) ResultCodec.number(r, "nodes"),
                        (long) ResultCodec.number(r, "threads_per_node"),
                        (long) ResultCodec.number(r, "table_log2")),
                "million updates per second (log scale)",
                names,
                values);
        logarithmic(chart, values);
        save(
                chart,
                "gups.png",
                "Random atomic increments: Meld (blocks: each thread adding 1 to 1,024 random elements per"
                        + " call; 1 by 1: one add per update) beside the shared-memory limit (the same number of threads in"
                        + " one JVM) and Hazelcast's three ways, in the same run. Log scale.");
    }

    /** A log Y axis for bars, which start from the axis' minimum: a power of ten below the lowest. */
    private static void logarithmic(CategoryChart chart, List<Double> values) {
        double low = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low))));
    }

    private void latencyChart(Map<String, Object> r) throws IOException {
        // One labelled point per percentile the benchmark reports (evenly spaced, so the tail gets as much
        // room as the body), round trips on a log axis.
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title("Blocking remote get round trip, 2 nodes")
                .xAxisTitle("percentile")
                .yAxisTitle("round trip (\u00b5s, log scale)")
                .build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeriesRenderStyle.Line);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLabelRotation(45);
        distribution(chart, "Meld get", ResultCodec.numbers(r, "distribution_us"), MELD);
        distribution(chart, "busy-poll TCP ping-pong", ResultCodec.numbers(r, "busy_poll_distribution_us"), PEER);
        distribution(chart, "blocking TCP ping-pong", ResultCodec.numbers(r, "raw_tcp_distribution_us"), BASELINE);
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        save(
                chart,
                "latency.png",
                "The distribution of round trips: Meld's blocking get of a remote element, and two Java TCP"
                        + " ping-pongs of messages of the same size between two JVMs, in the same run: both ends"
                        + " busy-polling a non-blocking socket (the floor), and blocking sockets.");
    }

    private static void distribution(CategoryChart chart, String name, double[] us, Color color) {
        if (us.length != LatencyStats.PERCENTILES.length) {
            return;
        }
        List<String> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < us.length; i++) {
            double p = LatencyStats.PERCENTILES[i];
            if (us[i] > 0) {
                x.add(p == 100 ? "max" : plain(p) + "%");
                y.add(us[i]);
            }
        }
        CategorySeries s = chart.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
    }

    /** @return {@code v} as Java prints it, without a trailing {@code .0} */
    static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private void bandwidthChart(Map<String, Object> r) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        add(names, values, "Meld bulk get, TLS", ResultCodec.number(r, "get_gb_per_sec"));
        add(names, values, "Meld bulk put, TLS", ResultCodec.number(r, "put_gb_per_sec"));
        add(names, values, "raw TCP array, TLS", ResultCodec.number(r, "raw_tcp_array_tls_gb_per_sec"));
        add(names, values, "Meld bulk get", ResultCodec.number(r, "no_tls_get_gb_per_sec"));
        add(names, values, "Meld bulk put", ResultCodec.number(r, "no_tls_put_gb_per_sec"));
        add(names, values, "raw TCP stream", ResultCodec.number(r, "raw_tcp_gb_per_sec"));
        add(names, values, "raw TCP, array to array", ResultCodec.number(r, "raw_tcp_array_gb_per_sec"));
        CategoryChart chart = bars(
                String.format(
                        Locale.ROOT, "Bulk transfers of %s, 2 nodes", bytes((long) ResultCodec.number(r, "bytes"))),
                "GB/s (1e9 bytes)",
                names,
                values);
        save(
                chart,
                "bandwidth.png",
                "Bulk get and put of one range between two nodes beside two raw Java TCP streams"
                        + " between two JVMs, in the same run: one direct buffer sent again and again (the"
                        + " wire), and an array of the same size moved from one JVM's heap into the other's"
                        + " through a direct buffer on each side (the same work, by hand).");
    }

    private void pagerankChart(Map<String, Object> r) throws IOException {
        barChart(
                String.format(
                        Locale.ROOT,
                        "PageRank: %,d vertices, %,d edges, %d nodes x %d threads",
                        (long) ResultCodec.number(r, "vertices"),
                        (long) ResultCodec.number(r, "edges"),
                        (long) ResultCodec.number(r, "nodes"),
                        (long) ResultCodec.number(r, "threads_per_node")),
                "milliseconds per iteration (lower is better)",
                "pagerank.png",
                "Time per PageRank iteration: Meld on its nodes beside the shared-memory"
                        + " PageRank with as many threads in one JVM, on the same graph, in the same run.",
                r,
                1e3,
                "Meld",
                "seconds_per_iteration",
                "shared memory",
                "shared_memory_seconds_per_iteration");
    }

    private void nstreamChart(Map<String, Object> r) throws IOException {
        barChart(
                String.format(
                        Locale.ROOT,
                        "nstream: %,d doubles per array, %d nodes x %d threads",
                        (long) ResultCodec.number(r, "length"),
                        (long) ResultCodec.number(r, "nodes"),
                        (long) ResultCodec.number(r, "threads_per_node")),
                "GB/s (higher is better)",
                "nstream.png",
                "The triad A += B + 3 C over three global arrays: in Meld's spans of local storage, one get/set"
                        + " per access, and on plain arrays in one JVM with as many threads, in the same run.",
                r,
                1,
                "Meld, local views",
                "gb_per_sec",
                "Meld, get/set",
                "element_gb_per_sec",
                "shared memory",
                "shared_memory_gb_per_sec");
    }

    private void stencilChart(Map<String, Object> r) throws IOException {
        barChart(
                String.format(
                        Locale.ROOT,
                        "stencil: star radius 2 on %,d x %,d, %d nodes x %d threads",
                        (long) ResultCodec.number(r, "n"),
                        (long) ResultCodec.number(r, "n"),
                        (long) ResultCodec.number(r, "nodes"),
                        (long) ResultCodec.number(r, "threads_per_node")),
                "milliseconds per iteration (lower is better)",
                "stencil.png",
                "Time per stencil iteration: halos by put-with-signal into global arrays, by send/receive,"
                        + " and one JVM's threads over the whole grid, in the same run.",
                r,
                1e3,
                "global arrays + signals",
                "seconds_per_iteration",
                "message passing",
                "message_passing_seconds_per_iteration",
                "shared memory",
                "shared_memory_seconds_per_iteration");
    }

    /**
     * A chart of one bar per pair of {@code labelsAndFields} (a label, then the field of {@code r} it
     * shows, times {@code scale}), leaving out the fields that are missing.
     */
    private void barChart(
            String title,
            String yTitle,
            String file,
            String caption,
            Map<String, Object> r,
            double scale,
            String... labelsAndFields)
            throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < labelsAndFields.length; i += 2) {
            add(names, values, labelsAndFields[i], ResultCodec.number(r, labelsAndFields[i + 1]) * scale);
        }
        save(bars(title, yTitle, names, values), file, caption);
    }

    private void memoryChart(Map<String, Object> r) throws IOException {
        double[] peaks = ResultCodec.numbers(r, "vm_hwm_bytes");
        double[] before = ResultCodec.numbers(r, "vm_hwm_before_bytes");
        if (peaks.length == 0) {
            return; // a failed run: nothing to draw
        }
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(String.format(
                        Locale.ROOT,
                        "Peak resident memory per node: 2^%d longs over %d nodes",
                        (long) ResultCodec.number(r, "length_log2"),
                        (long) ResultCodec.number(r, "nodes")))
                .xAxisTitle("node")
                .yAxisTitle("MiB")
                .build();
        style(chart.getStyler());
        List<String> nodes = new ArrayList<>();
        List<Double> peak = new ArrayList<>();
        List<Double> start = new ArrayList<>();
        List<Double> share = new ArrayList<>();
        List<Double> limit = new ArrayList<>();
        for (int i = 0; i < peaks.length; i++) {
            nodes.add("node " + i);
            peak.add(peaks[i] / 1048576);
            start.add(i < before.length ? before[i] / 1048576 : 0);
            share.add(ResultCodec.number(r, "share_bytes") / 1048576);
            limit.add(ResultCodec.number(r, "limit_bytes") / 1048576);
        }
        chart.addSeries("before allocating (VmHWM)", nodes, start).setFillColor(new Color(0xBCBD22));
        chart.addSeries("share of the data", nodes, share).setFillColor(BASELINE);
        chart.addSeries("peak (VmHWM)", nodes, peak).setFillColor(MELD);
        chart.addSeries("limit", nodes, limit).setFillColor(PEER);
        save(
                chart,
                "memory.png",
                "Each node's peak resident memory beside its share of the array and the limit"
                        + " (1.3 x share + the stated overhead).");
    }

    private void scalingCharts() throws IOException {
        // nodes -> threads -> rate
        Map<Integer, Map<Integer, Double>> meld = new TreeMap<>();
        Map<Integer, Map<Integer, Double>> shared = new TreeMap<>();
        TreeSet<Integer> threadCounts = new TreeSet<>();
        TreeSet<Integer> nodeCounts = new TreeSet<>();
        for (Map<String, Object> r : sweep) {
            int n = (int) ResultCodec.number(r, "nodes");
            int t = (int) ResultCodec.number(r, "threads_per_node");
            nodeCounts.add(n);
            threadCounts.add(t);
            meld.computeIfAbsent(n, k -> new TreeMap<>()).put(t, ResultCodec.number(r, "updates_per_sec") / 1e6);
            shared.computeIfAbsent(n, k -> new TreeMap<>())
                    .put(t, ResultCodec.number(r, "shared_memory_updates_per_sec") / 1e6);
        }
        XYChart byNodes = line("Random increments against nodes", "nodes", "M updates per second");
        for (int t : threadCounts) {
            series(byNodes, "Meld, " + t + " thread(s) per node", nodeCounts, n -> get(meld, n, t), false);
            series(byNodes, "shared memory, nodes x " + t + " threads", nodeCounts, n -> get(shared, n, t), true);
        }
        save(
                byNodes,
                "gups-nodes.png",
                "Throughput against the number of nodes (JVMs on this machine), each line a"
                        + " thread count per node; dashed: one JVM with as many threads in all. With more threads than"
                        + " cores, the lines show the cost of oversubscription.");
        XYChart byThreads =
                line("Random increments against threads per node", "threads per node", "M updates per second");
        for (int n : nodeCounts) {
            series(byThreads, "Meld, " + n + " node(s)", threadCounts, t -> get(meld, n, t), false);
        }
        save(byThreads, "gups-threads.png", "Throughput against the threads of each node, each line a node count.");
    }

    private static double get(Map<Integer, Map<Integer, Double>> m, int a, int b) {
        Map<Integer, Double> row = m.get(a);
        Double v = row == null ? null : row.get(b);
        return v == null ? Double.NaN : v;
    }

    private static void series(
            XYChart chart, String name, TreeSet<Integer> xs, Function<Integer, Double> y, boolean dashed) {
        List<Double> x = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        for (int k : xs) {
            double value = y.apply(k);
            if (!Double.isNaN(value)) {
                x.add((double) k);
                v.add(value);
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = chart.addSeries(name, x, v);
        s.setMarker(SeriesMarkers.CIRCLE);
        if (dashed) {
            s.setLineStyle(new java.awt.BasicStroke(
                    2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
    }

    private void ratioChart() throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> met = new ArrayList<>();
        List<Double> missed = new ArrayList<>();
        for (Target t : TARGETS) {
            double ratio = ratio(t);
            if (!Double.isNaN(ratio) && ratio > 0) {
                double share = t.atLeast() ? ratio / t.bound() : t.bound() / ratio;
                names.add(t.label());
                // One series per outcome, overlapped: each bar is coloured by whether its target is met
                // (a null is no bar).
                met.add(t.met(ratio) ? share : null);
                missed.add(t.met(ratio) ? null : share);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH + 200)
                .height(HEIGHT)
                .title("Each result against its target (1 = target reached)")
                .yAxisTitle("share of the target")
                .build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(20); // eight labels side by side overlap
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setLabelsPosition(0.98);
        chart.getStyler().setDecimalPattern("#,##0.##");
        chart.getStyler().setYAxisMin(0.0);
        chart.addSeries("target reached", names, met).setFillColor(MET);
        chart.addSeries("target missed", names, missed).setFillColor(PEER);
        save(
                chart,
                "targets.png",
                "How far each ratio is from its target: 1 or more means the target"
                        + " is reached (for the lower-is-better ratios, target / ratio is shown).");
    }

    private double ratio(Target t) {
        for (Map<String, Object> r : results) {
            if (t.benchmark().equals(r.get("benchmark"))) {
                return ResultCodec.number(r, t.field());
            }
        }
        return Double.NaN;
    }

    private static void add(List<String> names, List<Double> values, String name, double value) {
        if (!Double.isNaN(value) && value > 0) {
            names.add(name);
            values.add(value);
        }
    }

    private static CategoryChart bars(String title, String yTitle, List<String> names, List<Double> values) {
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setLabelsPosition(0.98);
        chart.getStyler().setDecimalPattern("#,##0.###");
        chart.addSeries("value", names, values).setFillColor(MELD);
        return chart;
    }

    private static XYChart line(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // lines cross anywhere
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return chart;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setBaseFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setAntiAlias(true);
    }

    private void save(Chart<?, ?> chart, String file, String caption) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        charts.add(new String[] {file, caption});
    }

    // ---------------------------------------------------------------------------------------------
    // The page

    private String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>Meld benchmark report</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;")
                .append("text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}\n")
                .append(".met{color:#1a7f37;font-weight:bold}.missed{color:#c62828;font-weight:bold}\n")
                .append("figure{margin:2em 0}figcaption{color:#555;max-width:50em}pre{font-size:.75em;")
                .append("white-space:pre-wrap;word-break:break-all}\n</style></head><body>\n")
                .append("<h1>Meld benchmark report</h1>\n")
                .append("<p>Every figure below was measured in one run beside its baseline, on this machine. Ratios"
                        + " are Meld divided by the baseline. Figures taken while other programs ran measure the"
                        + " load too: compare ratios, and take absolute figures on a quiet machine.</p>\n");
        h.append("<h2>Machine</h2>\n<table>\n");
        for (String[] row : machine.rows()) {
            h.append("<tr><th>")
                    .append(escape(row[0]))
                    .append("</th><td>")
                    .append(escape(row[1]))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Summary</h2>\n");
        h.append("<table>\n<tr><th>benchmark</th><th>figure</th><th>Meld</th><th>baseline</th><th>ratio</th>")
                .append("<th>target</th><th>verified</th></tr>\n");
        for (String[] row : summaryRows(results)) {
            h.append("<tr>");
            for (int i = 0; i < row.length; i++) {
                String cell = row[i];
                if (i == 5 && cell.endsWith(" met")) {
                    h.append("<td class=\"met\">").append(escape(cell)).append("</td>");
                } else if (i == 5 && cell.endsWith(" missed")) {
                    h.append("<td class=\"missed\">").append(escape(cell)).append("</td>");
                } else {
                    h.append("<td>").append(escape(cell)).append("</td>");
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        if (chartProblem != null) {
            h.append("<p><b>Charts not drawn</b>: ")
                    .append(escape(chartProblem))
                    .append(". On a headless machine this is usually a JDK without fonts: install fontconfig and a"
                            + " font package (Debian: <code>apt-get install fontconfig fonts-dejavu-core</code>) and"
                            + " draw them again with <code>bin/meld bench report --from ")
                    .append(escape(dir.resolve("results.jsonl").toString()))
                    .append(" --report DIR</code>.</p>\n");
        }
        for (String[] c : charts) {
            h.append("<figure><img src=\"")
                    .append(escape(c[0]))
                    .append("\" alt=\"")
                    .append(escape(c[0]))
                    .append("\" width=\"")
                    .append(WIDTH)
                    .append("\"><figcaption>")
                    .append(escape(c[1]))
                    .append("</figcaption></figure>\n");
        }
        h.append("<h2>The JSON lines</h2>\n<pre>");
        for (Map<String, Object> r : results) {
            h.append(escape(ResultCodec.encode(r))).append('\n');
        }
        h.append("</pre>\n<p>Also in <a href=\"results.jsonl\">results.jsonl</a>, with the GUPS sweep behind the"
                + " scaling charts.</p>\n</body></html>\n");
        return h.toString();
    }

    /**
     * The summary table of some results: one row per figure, each with the benchmark, the figure, Meld's
     * value, the baseline's, the ratio, the target (with "met" or "missed") and whether it was verified.
     *
     * @param results benchmark results (JSON fields)
     * @return the rows
     */
    public static List<String[]> summaryRows(List<Map<String, Object>> results) {
        List<String[]> rows = new ArrayList<>();
        for (Map<String, Object> r : results) {
            String b = String.valueOf(r.get("benchmark"));
            String verified = Boolean.TRUE.equals(r.get("verified")) ? "yes" : "NO";
            switch (b) {
                case "gups" -> {
                    rows.add(row(
                            r,
                            b,
                            "add(indices): updates/s vs shared memory",
                            "updates_per_sec",
                            "shared_memory_updates_per_sec",
                            "ratio_to_shared_memory",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "one add each: updates/s vs shared memory",
                            "element_updates_per_sec",
                            "shared_memory_updates_per_sec",
                            "element_ratio_to_shared_memory",
                            verified));
                    if (!Double.isNaN(ResultCodec.number(r, "raw_tcp_updates_per_sec"))) {
                        rows.add(row(
                                r,
                                b,
                                "add(indices): updates/s vs two JVMs, raw TCP",
                                "updates_per_sec",
                                "raw_tcp_updates_per_sec",
                                "ratio_to_raw_tcp",
                                verified));
                        rows.add(row(
                                r,
                                b,
                                "two JVMs, raw TCP: updates/s vs shared memory",
                                "raw_tcp_updates_per_sec",
                                "shared_memory_updates_per_sec",
                                "raw_tcp_ratio_to_shared_memory",
                                verified));
                    }
                    rows.add(row(
                            r,
                            b,
                            "add(indices): updates/s with TLS vs without",
                            "updates_per_sec",
                            "no_tls_updates_per_sec",
                            "tls_ratio",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "updates/s vs Hazelcast (best way)",
                            "updates_per_sec",
                            "hazelcast_updates_per_sec",
                            "ratio_to_hazelcast",
                            verified));
                }
                case "latency" -> {
                    rows.add(row(
                            r,
                            b,
                            "p50 round trip (\u00b5s) vs busy-poll TCP",
                            "p50_us",
                            "busy_poll_p50_us",
                            "ratio_to_busy_poll",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "barrier (\u00b5s) vs busy-poll TCP",
                            "barrier_us",
                            "busy_poll_p50_us",
                            "barrier_ratio_to_busy_poll",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "allReduce(long) (\u00b5s) vs busy-poll TCP",
                            "allreduce_us",
                            "busy_poll_p50_us",
                            "allreduce_ratio_to_busy_poll",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "p50 round trip (\u00b5s) vs busy-poll TCP through the same TLS",
                            "p50_us",
                            "busy_poll_tls_p50_us",
                            "ratio_to_busy_poll_tls",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "p50 round trip (\u00b5s) without TLS vs busy-poll TCP",
                            "no_tls_p50_us",
                            "busy_poll_p50_us",
                            "no_tls_ratio_to_busy_poll",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "p50 round trip (\u00b5s) vs blocking TCP",
                            "p50_us",
                            "raw_tcp_p50_us",
                            "ratio_to_raw_tcp",
                            verified));
                    rows.add(new String[] {
                        b,
                        "p99 / p99.9 (\u00b5s)",
                        format(ResultCodec.number(r, "p99_us")) + " / " + format(ResultCodec.number(r, "p999_us")),
                        format(ResultCodec.number(r, "raw_tcp_p99_us")) + " / "
                                + format(ResultCodec.number(r, "raw_tcp_p999_us")),
                        "",
                        "",
                        verified
                    });
                }
                case "bandwidth" -> {
                    rows.add(row(
                            r,
                            b,
                            "bulk get GB/s with TLS vs without",
                            "get_gb_per_sec",
                            "no_tls_get_gb_per_sec",
                            "get_tls_ratio",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "bulk put GB/s with TLS vs without",
                            "put_gb_per_sec",
                            "no_tls_put_gb_per_sec",
                            "put_tls_ratio",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "raw TCP array stream GB/s with TLS vs without",
                            "raw_tcp_array_tls_gb_per_sec",
                            "raw_tcp_array_gb_per_sec",
                            "raw_tcp_array_tls_ratio",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "bulk get GB/s (no TLS) vs raw TCP stream",
                            "no_tls_get_gb_per_sec",
                            "raw_tcp_gb_per_sec",
                            "get_ratio_to_raw_tcp",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "bulk put GB/s (no TLS) vs raw TCP stream",
                            "no_tls_put_gb_per_sec",
                            "raw_tcp_gb_per_sec",
                            "put_ratio_to_raw_tcp",
                            verified));
                    if (!Double.isNaN(ResultCodec.number(r, "raw_tcp_array_gb_per_sec"))) {
                        rows.add(row(
                                r,
                                b,
                                "bulk get GB/s (no TLS) vs raw TCP, array to array",
                                "no_tls_get_gb_per_sec",
                                "raw_tcp_array_gb_per_sec",
                                "get_ratio_to_raw_tcp_array",
                                verified));
                        rows.add(row(
                                r,
                                b,
                                "bulk put GB/s (no TLS) vs raw TCP, array to array",
                                "no_tls_put_gb_per_sec",
                                "raw_tcp_array_gb_per_sec",
                                "put_ratio_to_raw_tcp_array",
                                verified));
                    }
                }
                case "pagerank" ->
                    rows.add(row(
                            r,
                            b,
                            "seconds per iteration vs shared memory",
                            "seconds_per_iteration",
                            "shared_memory_seconds_per_iteration",
                            "ratio_to_shared_memory",
                            verified));
                case "nstream" -> {
                    rows.add(row(
                            r,
                            b,
                            "triad GB/s (local views) vs shared memory",
                            "gb_per_sec",
                            "shared_memory_gb_per_sec",
                            "ratio_to_shared_memory",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "triad GB/s (get/set) vs shared memory",
                            "element_gb_per_sec",
                            "shared_memory_gb_per_sec",
                            "element_ratio_to_shared_memory",
                            verified));
                }
                case "stencil" -> {
                    rows.add(row(
                            r,
                            b,
                            "seconds per iteration vs message passing",
                            "seconds_per_iteration",
                            "message_passing_seconds_per_iteration",
                            "ratio_to_message_passing",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "seconds per iteration vs shared memory",
                            "seconds_per_iteration",
                            "shared_memory_seconds_per_iteration",
                            "ratio_to_shared_memory",
                            verified));
                }
                case "checkpoint" -> {
                    rows.add(row(
                            r,
                            b,
                            "checkpoint write GB/s vs one JVM's FileChannel",
                            "write_gb_per_sec",
                            "baseline_write_gb_per_sec",
                            "ratio_to_baseline",
                            verified));
                    rows.add(row(
                            r,
                            b,
                            "restore GB/s vs one JVM's FileChannel read",
                            "restore_gb_per_sec",
                            "baseline_read_gb_per_sec",
                            "restore_ratio_to_baseline",
                            verified));
                }
                case "memory" ->
                    rows.add(new String[] {
                        b,
                        "peak resident MiB per node vs limit",
                        format(ResultCodec.number(r, "max_vm_hwm_bytes") / 1048576),
                        format(ResultCodec.number(r, "limit_bytes") / 1048576),
                        format(ResultCodec.number(r, "max_vm_hwm_bytes") / ResultCodec.number(r, "limit_bytes")),
                        "\u2264 1 " + (Boolean.TRUE.equals(r.get("under_limit")) ? "met" : "missed"),
                        verified
                    });
                default -> {}
            }
        }
        return rows;
    }

    private static String[] row(
            Map<String, Object> r,
            String benchmark,
            String figure,
            String meld,
            String baseline,
            String ratioField,
            String verified) {
        double ratio = ResultCodec.number(r, ratioField);
        String target = "";
        for (Target t : TARGETS) {
            if (t.benchmark().equals(benchmark) && t.field().equals(ratioField)) {
                target = Double.isNaN(ratio) ? t.text() : t.text() + (t.met(ratio) ? " met" : " missed");
            }
        }
        return new String[] {
            benchmark,
            figure,
            format(ResultCodec.number(r, meld)),
            format(ResultCodec.number(r, baseline)),
            format(ratio),
            target,
            verified
        };
    }

    /** @return a number with about 3 significant digits, grouped; "-" for none */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a >= 0.001 || a == 0) {
            return String.format(Locale.ROOT, "%.4f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String bytes(long b) {
        if (b >= 1 << 30 && b % (1 << 30) == 0) {
            return (b >> 30) + " GiB";
        }
        if (b >= 1 << 20 && b % (1 << 20) == 0) {
            return (b >> 20) + " MiB";
        }
        return b + " bytes";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
