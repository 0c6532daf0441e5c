package io.meld.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.LatencyStats;
import io.meld.bench.ResultCodec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from made-up results: the page, its summary, the charts (or why not), and drawing it again. */
class ReportTest {
    private static List<Map<String, Object>> results() {
        double[] meld = new double[LatencyStats.PERCENTILES.length];
        double[] raw = new double[meld.length];
        for (int i = 0; i < meld.length; i++) {
            meld[i] = 80 + i * 10;
            raw[i] = 70 + i * 8;
        }
        return List.of(
                fields(
                        "benchmark", "gups",
                        "nodes", 2,
                        "threads_per_node", 1,
                        "table_log2", 24,
                        "updates_per_sec", 4.0e7,
                        "shared_memory_updates_per_sec", 5.0e7,
                        "ratio_to_shared_memory", 0.8,
                        "hazelcast_updates_per_sec", 3.0e4,
                        "hazelcast_sync_updates_per_sec", 4.0e3,
                        "hazelcast_async_updates_per_sec", 3.0e4,
                        "hazelcast_batch_updates_per_sec", 2.5e4,
                        "ratio_to_hazelcast", 1333.0,
                        "verified", true),
                fields(
                        "benchmark", "latency",
                        "p50_us", 100.0,
                        "p99_us", 300.0,
                        "p999_us", 900.0,
                        "raw_tcp_p50_us", 80.0,
                        "raw_tcp_p99_us", 200.0,
                        "ratio_to_raw_tcp", 1.25,
                        "distribution_us", meld,
                        "raw_tcp_distribution_us", raw,
                        "verified", true),
                fields(
                        "benchmark",
                        "bandwidth",
                        "bytes",
                        64L << 20,
                        "get_gb_per_sec",
                        0.6,
                        "put_gb_per_sec",
                        0.7,
                        "no_tls_get_gb_per_sec",
                        1.1,
                        "no_tls_put_gb_per_sec",
                        1.2,
                        "get_tls_ratio",
                        0.6 / 1.1,
                        "put_tls_ratio",
                        0.7 / 1.2,
                        "raw_tcp_gb_per_sec",
                        3.3,
                        "get_ratio_to_raw_tcp",
                        1.1 / 3.3,
                        "put_ratio_to_raw_tcp",
                        1.2 / 3.3,
                        "raw_tcp_array_gb_per_sec",
                        1.2,
                        "get_ratio_to_raw_tcp_array",
                        1.1 / 1.2,
                        "put_ratio_to_raw_tcp_array",
                        1.0,
                        "verified",
                        true),
                fields(
                        "benchmark",
                        "memory",
                        "nodes",
                        2,
                        "length_log2",
                        28,
                        "share_bytes",
                        1L << 30,
                        "limit_bytes",
                        1664299827L,
                        "vm_hwm_bytes",
                        new double[] {1.21e9, 1.2e9},
                        "vm_hwm_before_bytes",
                        new double[] {1.29e8, 1.18e8},
                        "max_vm_hwm_bytes",
                        1.21e9,
                        "under_limit",
                        true,
                        "verified",
                        true),
                fields(
                        "benchmark",
                        "pagerank",
                        "nodes",
                        2,
                        "threads_per_node",
                        1,
                        "vertices",
                        1024,
                        "edges",
                        16384,
                        "seconds_per_iteration",
                        0.05,
                        "shared_memory_seconds_per_iteration",
                        0.04,
                        "ratio_to_shared_memory",
                        1.25,
                        "verified",
                        false),
                fields(
                        "benchmark",
                        "nstream",
                        "nodes",
                        2,
                        "threads_per_node",
                        1,
                        "length",
                        1L << 26,
                        "gb_per_sec",
                        36.0,
                        "shared_memory_gb_per_sec",
                        40.0,
                        "ratio_to_shared_memory",
                        0.9,
                        "element_gb_per_sec",
                        6.0,
                        "element_ratio_to_shared_memory",
                        0.15,
                        "verified",
                        true),
                fields(
                        "benchmark",
                        "stencil",
                        "nodes",
                        2,
                        "threads_per_node",
                        1,
                        "n",
                        4096,
                        "seconds_per_iteration",
                        0.022,
                        "message_passing_seconds_per_iteration",
                        0.02,
                        "shared_memory_seconds_per_iteration",
                        0.019,
                        "ratio_to_message_passing",
                        1.1,
                        "ratio_to_shared_memory",
                        0.022 / 0.019,
                        "verified",
                        true));
    }

    private static List<Map<String, Object>> sweep() {
        return List.of(
                point(1, 1, 3e7, 3.5e7), point(2, 1, 2.5e7, 5e7), point(1, 2, 5e7, 5e7), point(2, 2, 3e7, 5.5e7));
    }

    private static Map<String, Object> point(int nodes, int threads, double meld, double shared) {
        return fields(
                "benchmark", "gups",
                "sweep", true,
                "nodes", nodes,
                "threads_per_node", threads,
                "updates_per_sec", meld,
                "shared_memory_updates_per_sec", shared,
                "verified", true);
    }

    /** @return the fields as a report reads them from a line */
    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return ResultCodec.decode(ResultCodec.encode(fields));
    }

    @Test
    void shouldWriteAPageWithTheSummaryAndEveryChart(@TempDir Path dir) throws IOException {
        Report report = new Report(dir, Machine.current(), results(), sweep());

        Path page = report.write();

        String html = Files.readString(page);
        assertThat(html)
                .contains("<h2>Summary</h2>")
                .contains("updates/s vs shared memory")
                .contains("\u2265 0.8 met") // GUPS 0.8 against >= 0.8; nstream 0.9 too
                .contains("\u2264 1.2 missed") // PageRank 1.25 against <= 1.2
                .contains("\u2264 1.2 met") // stencil 1.1 of message passing against <= 1.2
                .contains("bulk put GB/s (no TLS) vs raw TCP, array to array")
                .contains("bulk get GB/s with TLS vs without")
                .contains("≥ 0.8 missed") // bulk get with TLS at 0.55 of without
                .contains("\u2265 1 met") // bulk put 1.0 of the array stream against >= 1
                .contains("\u2265 1 missed") // bulk get 0.92 of it
                .contains("triad GB/s (local views) vs shared memory")
                .contains(">NO<"); // PageRank not verified
        assertThat(dir.resolve("results.jsonl")).exists();
        // Under CI (.ci/run installs the fonts) the charts must be drawn: a missing font fails the run there.
        if (fontsAvailable() || "true".equals(System.getenv("CI"))) {
            assertThat(report.chartProblem()).isNull();
            for (String png : List.of(
                    "gups.png",
                    "latency.png",
                    "bandwidth.png",
                    "memory.png",
                    "pagerank.png",
                    "nstream.png",
                    "stencil.png",
                    "gups-nodes.png",
                    "gups-threads.png",
                    "targets.png")) {
                assertThat(dir.resolve(png)).isNotEmptyFile();
                assertThat(html).contains("src=\"" + png + "\"");
                assertThat(Files.readAllBytes(dir.resolve(png))).startsWith(0x89, 'P', 'N', 'G');
                BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
                assertThat(image.getWidth()).isPositive();
                assertThat(distinctColours(image))
                        .as("%s has a picture, not a blank", png)
                        .isGreaterThan(3);
            }
        } else {
            // A machine without fonts: the page says so, and how to draw them.
            assertThat(html).contains("Charts not drawn").contains("fonts-dejavu-core");
        }
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    /** Whether this JDK can draw text: without fonts the report is written without charts. */
    static boolean fontsAvailable() {
        try {
            return java.awt.GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0;
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    @Test
    void shouldDrawTheSameReportAgainFromItsJsonLines(@TempDir Path dir) throws IOException {
        new Report(dir.resolve("first"), Machine.current(), results(), sweep()).write();

        Report again = Report.from(dir.resolve("first/results.jsonl"), dir.resolve("second"));
        again.write();

        assertThat(Files.readString(dir.resolve("second/results.jsonl")))
                .isEqualTo(Files.readString(dir.resolve("first/results.jsonl")));
        assertThat(Files.readString(dir.resolve("second/index.html"))).contains("updates/s vs Hazelcast");
    }
}
