package io.meld.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.Json;
import io.meld.bench.LatencyStats;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
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
                new Json()
                        .put("benchmark", "gups")
                        .put("nodes", 2)
                        .put("threads_per_node", 1)
                        .put("table_log2", 24)
                        .put("updates_per_sec", 4.0e7)
                        .put("shared_memory_updates_per_sec", 5.0e7)
                        .put("ratio_to_shared_memory", 0.8)
                        .put("hazelcast_updates_per_sec", 3.0e4)
                        .put("hazelcast_sync_updates_per_sec", 4.0e3)
                        .put("hazelcast_async_updates_per_sec", 3.0e4)
                        .put("hazelcast_batch_updates_per_sec", 2.5e4)
                        .put("ratio_to_hazelcast", 1333.0)
                        .put("verified", true)
                        .fields(),
                new Json()
                        .put("benchmark", "latency")
                        .put("p50_us", 100.0)
                        .put("p99_us", 300.0)
                        .put("p999_us", 900.0)
                        .put("raw_tcp_p50_us", 80.0)
                        .put("raw_tcp_p99_us", 200.0)
                        .put("ratio_to_raw_tcp", 1.25)
                        .put("distribution_us", meld)
                        .put("raw_tcp_distribution_us", raw)
                        .put("verified", true)
                        .fields(),
                new Json()
                        .put("benchmark", "bandwidth")
                        .put("bytes", 64L << 20)
                        .put("get_gb_per_sec", 1.1)
                        .put("put_gb_per_sec", 1.2)
                        .put("raw_tcp_gb_per_sec", 3.3)
                        .put("get_ratio_to_raw_tcp", 1.1 / 3.3)
                        .put("put_ratio_to_raw_tcp", 1.2 / 3.3)
                        .put("raw_tcp_array_gb_per_sec", 1.2)
                        .put("get_ratio_to_raw_tcp_array", 1.1 / 1.2)
                        .put("put_ratio_to_raw_tcp_array", 1.0)
                        .put("verified", true)
                        .fields(),
                new Json()
                        .put("benchmark", "memory")
                        .put("nodes", 2)
                        .put("length_log2", 28)
                        .put("share_bytes", 1L << 30)
                        .put("limit_bytes", 1664299827L)
                        .put("vm_hwm_bytes", new double[] {1.21e9, 1.2e9})
                        .put("vm_hwm_before_bytes", new double[] {1.29e8, 1.18e8})
                        .put("max_vm_hwm_bytes", 1.21e9)
                        .put("under_limit", true)
                        .put("verified", true)
                        .fields(),
                new Json()
                        .put("benchmark", "pagerank")
                        .put("nodes", 2)
                        .put("threads_per_node", 1)
                        .put("vertices", 1024)
                        .put("edges", 16384)
                        .put("seconds_per_iteration", 0.05)
                        .put("shared_memory_seconds_per_iteration", 0.04)
                        .put("ratio_to_shared_memory", 1.25)
                        .put("verified", false)
                        .fields(),
                new Json()
                        .put("benchmark", "nstream")
                        .put("nodes", 2)
                        .put("threads_per_node", 1)
                        .put("length", 1L << 26)
                        .put("gb_per_sec", 36.0)
                        .put("shared_memory_gb_per_sec", 40.0)
                        .put("ratio_to_shared_memory", 0.9)
                        .put("element_gb_per_sec", 6.0)
                        .put("element_ratio_to_shared_memory", 0.15)
                        .put("verified", true)
                        .fields(),
                new Json()
                        .put("benchmark", "stencil")
                        .put("nodes", 2)
                        .put("threads_per_node", 1)
                        .put("n", 4096)
                        .put("seconds_per_iteration", 0.022)
                        .put("message_passing_seconds_per_iteration", 0.02)
                        .put("shared_memory_seconds_per_iteration", 0.019)
                        .put("ratio_to_message_passing", 1.1)
                        .put("ratio_to_shared_memory", 0.022 / 0.019)
                        .put("verified", true)
                        .fields());
    }

    private static List<Map<String, Object>> sweep() {
        return List.of(
                point(1, 1, 3e7, 3.5e7), point(2, 1, 2.5e7, 5e7), point(1, 2, 5e7, 5e7), point(2, 2, 3e7, 5.5e7));
    }

    private static Map<String, Object> point(int nodes, int threads, double meld, double shared) {
        return new Json()
                .put("benchmark", "gups")
                .put("sweep", true)
                .put("nodes", nodes)
                .put("threads_per_node", threads)
                .put("updates_per_sec", meld)
                .put("shared_memory_updates_per_sec", shared)
                .put("verified", true)
                .fields();
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
                .contains("bulk put GB/s vs raw TCP, array to array")
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
