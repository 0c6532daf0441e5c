package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.GupsResult;
import io.meld.bench.ResultCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code meld bench}: every benchmark at a tiny size, its JSON line's fields, verification failing when
 * it must, and the report. Smoke runs: figures are never checked, only that they are there.
 */
@Tag("slow")
// Two tests at a time: each spends most of its time starting its nodes' JVMs, one core each.
@Execution(ExecutionMode.CONCURRENT)
class BenchCommandTest {
    /** The fields each benchmark's JSON line must have, the ratios to its baselines among them. */
    static final Map<String, List<String>> FIELDS = Map.of(
            "gups",
            List.of(
                    "updates_per_sec",
                    "shared_memory_updates_per_sec",
                    "hazelcast_updates_per_sec",
                    "ratio_to_shared_memory",
                    "ratio_to_hazelcast"),
            "latency",
            List.of(
                    "p50_us",
                    "p99_us",
                    "p999_us",
                    "busy_poll_p50_us",
                    "ratio_to_busy_poll",
                    "barrier_us",
                    "allreduce_us",
                    "barrier_ratio_to_busy_poll",
                    "allreduce_ratio_to_busy_poll",
                    "raw_tcp_p50_us",
                    "raw_tcp_p99_us",
                    "ratio_to_raw_tcp",
                    "busy_poll_tls_p50_us",
                    "ratio_to_busy_poll_tls"),
            "bandwidth",
            List.of(
                    "get_gb_per_sec",
                    "put_gb_per_sec",
                    "raw_tcp_gb_per_sec",
                    "get_ratio_to_raw_tcp",
                    "put_ratio_to_raw_tcp",
                    "raw_tcp_array_gb_per_sec",
                    "get_ratio_to_raw_tcp_array",
                    "put_ratio_to_raw_tcp_array"),
            "pagerank",
            List.of(
                    "vertices",
                    "edges",
                    "iterations",
                    "seconds_per_iteration",
                    "shared_memory_seconds_per_iteration",
                    "ratio_to_shared_memory"),
            "memory",
            List.of("share_bytes", "overhead_bytes", "limit_bytes", "vm_hwm_bytes", "max_vm_hwm_bytes"),
            "nstream",
            List.of(
                    "gb_per_sec",
                    "shared_memory_gb_per_sec",
                    "ratio_to_shared_memory",
                    "element_gb_per_sec",
                    "element_ratio_to_shared_memory"),
            "stencil",
            List.of(
                    "seconds_per_iteration",
                    "message_passing_seconds_per_iteration",
                    "shared_memory_seconds_per_iteration",
                    "ratio_to_message_passing",
                    "ratio_to_shared_memory"),
            "checkpoint",
            List.of(
                    "write_gb_per_sec",
                    "restore_gb_per_sec",
                    "baseline_write_gb_per_sec",
                    "baseline_read_gb_per_sec",
                    "ratio_to_baseline",
                    "restore_ratio_to_baseline"));

    /**
     * Every JVM a test's benchmark starts compiles with C1 only: the figures do not matter here, and the
     * warm-ups, which last until the JIT is quiet, end far sooner (a tiny {@code bench all} took 75 s
     * instead of 125 s on the 2-core machine).
     */
    private static final String FAST_JVMS = "--jvm-opt=-XX:TieredStopAtLevel=1";

    private static int run(Capture out, Capture err, String... args) {
        return MeldCli.execute(args, out.printStream(), err.printStream());
    }

    private static void assertComplete(Map<String, Object> r) {
        String benchmark = (String) r.get("benchmark");
        assertThat(r).as("%s", r).containsKeys("verified", "seconds");
        for (String field : FIELDS.get(benchmark)) {
            assertThat(r.get(field)).as("%s in %s", field, r).isNotNull();
        }
        assertThat(r.get("verified")).as("%s", r).isEqualTo(true);
    }

    @Test
    void shouldPrintOneVerifiedJsonLinePerBenchmarkAndNothingElseOnStdout() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(
                out,
                err,
                "bench",
                "all",
                FAST_JVMS,
                "--seconds",
                "0.3",
                "--table-log2",
                "12",
                "--no-hazelcast",
                "--bytes",
                "64KiB",
                "--scale",
                "8",
                "--iterations",
                "3",
                "--length-log2",
                "16",
                "--nstream-log2",
                "12",
                "--nstream-iterations",
                "2",
                "--nstream-element-iterations",
                "1",
                "--stencil-n",
                "64",
                "--stencil-iterations",
                "3",
                "--json");

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        List<String> lines = out.lines();
        assertThat(lines).hasSize(7);
        List<String> names = lines.stream()
                .map(l -> (String) ResultCodec.decode(l).get("benchmark"))
                .toList();
        assertThat(names).containsExactly("gups", "latency", "bandwidth", "pagerank", "memory", "nstream", "stencil");
        for (String line : lines) {
            Map<String, Object> r = ResultCodec.decode(line);
            if (r.get("benchmark").equals("gups")) {
                // without Hazelcast its figures are null, and everything else is there
                assertThat(r)
                        .containsEntry("hazelcast_updates_per_sec", null)
                        .containsEntry("ratio_to_hazelcast", null);
                assertThat(r.get("updates_per_sec")).isNotNull();
                assertThat(r.get("ratio_to_shared_memory")).isNotNull();
                assertThat(r).containsEntry("verified", true);
            } else {
                assertComplete(r);
            }
        }
        Map<String, Object> pagerank = ResultCodec.decode(lines.get(3));
        assertThat(pagerank).containsEntry("vertices", 256L).containsEntry("edges", 4096L);
        assertThat(ResultCodec.number(pagerank, "l1_difference")).isLessThan(1e-9);
    }

    @Test
    void shouldKeepTheGupsFieldsAndAddEveryBaselineWithHazelcast() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(
                out,
                err,
                "bench",
                "gups",
                FAST_JVMS,
                "--nodes",
                "2",
                "--threads",
                "1",
                "--seconds",
                "0.5",
                "--table-log2",
                "16",
                "--hazelcast-seconds",
                "0.3",
                "--json");

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        assertThat(out.lines()).hasSize(1);
        String json = out.lines().get(0);
        assertThat(json)
                .startsWith("{\"benchmark\":\"gups\",\"nodes\":2,\"threads_per_node\":1,\"table_log2\":16,"
                        + "\"form\":\"block\",\"block\":1024,\"updates\":");
        GupsResult result = GupsResult.parse(json);
        assertThat(result.updates()).isPositive();
        assertThat(result.form()).isEqualTo("block");
        assertThat(result.verified()).isTrue();
        Map<String, Object> r = ResultCodec.decode(json);
        assertComplete(r);
        assertThat(ResultCodec.number(r, "element_updates_per_sec")).isPositive();
        assertThat(ResultCodec.number(r, "element_ratio_to_shared_memory")).isPositive();
        for (String way : List.of("sync", "async", "batch")) {
            assertThat(ResultCodec.number(r, "hazelcast_" + way + "_updates_per_sec"))
                    .isPositive();
        }
        assertThat(r.get("hazelcast_best")).isIn("sync", "async", "batch");
    }

    @Test
    void shouldCheckpointAndRestoreBesideOneJvmWritingTheSameBytes(@TempDir Path dir) throws IOException {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(
                out,
                err,
                "bench",
                "checkpoint",
                FAST_JVMS,
                "--checkpoint-log2",
                "12",
                "--checkpoint-dir",
                dir.toString(),
                "--json");

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        assertThat(out.lines()).hasSize(1);
        Map<String, Object> r = ResultCodec.decode(out.lines().get(0));
        assertThat(r).containsEntry("benchmark", "checkpoint").containsEntry("length", 4096L);
        assertThat(r).containsEntry("bytes", 32768L).containsEntry("nodes", 2L);
        assertComplete(r);
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            // the checkpoint's files and the baseline's file are deleted; the empty checkpoint directory stays
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
        try (java.util.stream.Stream<Path> left = Files.walk(dir)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void shouldExitOneWhenTheTableDoesNotAddUp() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(
                out,
                err,
                "bench",
                "gups",
                FAST_JVMS,
                "--nodes",
                "2",
                "--seconds",
                "0.2",
                "--table-log2",
                "12",
                "--corrupt",
                "--no-hazelcast");

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isEqualTo(1);
        assertThat(out.text()).contains("NOT VERIFIED");
    }

    @Test
    void shouldRankAGraphFileAndAgreeWithSharedMemory(@TempDir Path dir) throws IOException {
        Path graph = dir.resolve("graph.txt");
        // ids with gaps, a duplicate edge, a self-loop, dangling vertices (40 and 50)
        Files.writeString(graph, "# test graph\n1\t2\n2\t3\n3\t1\n1\t2\n3\t40\n7\t7\n7\t50\n2 7\n");
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(
                out,
                err,
                "bench",
                "pagerank",
                FAST_JVMS,
                "--nodes",
                "2",
                "--threads",
                "1",
                "--graph",
                graph.toString(),
                "--iterations",
                "20",
                "--json");

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        Map<String, Object> r = ResultCodec.decode(out.lines().get(0));
        assertComplete(r);
        assertThat(r).containsEntry("vertices", 6L).containsEntry("edges", 8L);
        assertThat(r.get("graph")).isEqualTo(graph.toString());
    }

    @Test
    void shouldWriteAReportAndDrawItAgainFromItsJsonLines(@TempDir Path dir) throws IOException {
        Capture out = new Capture();
        Capture err = new Capture();
        Path report = dir.resolve("report");

        int status = run(
                out,
                err,
                "bench",
                "gups",
                FAST_JVMS,
                "--seconds",
                "0.2",
                "--table-log2",
                "10",
                "--no-hazelcast",
                "--sweep-nodes",
                "1,2",
                "--sweep-threads",
                "1",
                "--sweep-seconds",
                "0.2",
                "--report",
                report.toString());

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        assertThat(out.text()).contains("gups: ").contains("updates/s vs shared memory");
        String html = Files.readString(report.resolve("index.html"));
        assertThat(html).contains("<h2>Summary</h2>").contains("<h2>Machine</h2>");
        List<String> jsonl = Files.readAllLines(report.resolve("results.jsonl"));
        assertThat(jsonl).hasSize(1 + 1 + 2); // the machine, the result, two sweep points
        if (!html.contains("Charts not drawn")) {
            assertThat(report.resolve("gups.png")).isNotEmptyFile();
            assertThat(report.resolve("gups-nodes.png")).isNotEmptyFile();
        }

        Path again = dir.resolve("again");
        status = run(
                out,
                err,
                "bench",
                "report",
                "--from",
                report.resolve("results.jsonl").toString(),
                "--report",
                again.toString());

        assertThat(status).isZero();
        assertThat(Files.readAllLines(again.resolve("results.jsonl"))).isEqualTo(jsonl);
    }

    @Test
    void shouldNameABadTableSize() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(out, err, "bench", "gups", "--table-log2", "99");

        assertThat(status).isEqualTo(MeldCli.USAGE);
        assertThat(err.text()).contains("--table-log2 must be from 4 to 34, not 99");
    }

    @Test
    void shouldNameABadTransferSize() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = run(out, err, "bench", "bandwidth", "--bytes", "12x");

        assertThat(status).isEqualTo(MeldCli.USAGE);
        assertThat(err.text()).contains("--bytes must be a multiple of 8 from 16 to 1GiB, not 12x");
    }
}
