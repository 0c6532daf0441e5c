package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.BenchmarkResult;
import io.meld.bench.MemoryFootprint;
import io.meld.bench.ResultCodec;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lines of {@code bin/meld bench --json}: their fields, in the order the report, the docs and earlier
 * results files know, whichever of their optional groups are there; and a figure a program did not print
 * written {@code null}.
 */
class BenchResultsTest {
    private static final List<String> GUPS = List.of(
            "benchmark",
            "nodes",
            "threads_per_node",
            "table_log2",
            "form",
            "block",
            "updates",
            "seconds",
            "warmup_seconds",
            "updates_per_sec",
            "verified",
            "shared_memory_updates_per_sec",
            "shared_memory_warmup_seconds",
            "ratio_to_shared_memory",
            "element_updates_per_sec",
            "element_ratio_to_shared_memory",
            "raw_tcp_updates_per_sec",
            "ratio_to_raw_tcp",
            "element_ratio_to_raw_tcp",
            "raw_tcp_ratio_to_shared_memory",
            "hazelcast_updates_per_sec",
            "ratio_to_hazelcast",
            "shared_memory_verified",
            "no_tls_updates_per_sec",
            "tls_ratio");

    private static final List<String> HAZELCAST = List.of(
            "hazelcast_members",
            "hazelcast_threads_per_member",
            "hazelcast_seconds",
            "hazelcast_sync_updates_per_sec",
            "hazelcast_async_updates_per_sec",
            "hazelcast_batch_updates_per_sec",
            "hazelcast_best",
            "hazelcast_version");

    private static final List<String> PAGERANK = List.of(
            "benchmark",
            "nodes",
            "threads_per_node",
            "graph",
            "scale",
            "edge_factor",
            "seed",
            "vertices",
            "edges",
            "iterations",
            "seconds",
            "seconds_per_iteration",
            "shared_memory_seconds_per_iteration",
            "ratio_to_shared_memory",
            "verified",
            "l1_difference",
            "max_difference",
            "rank_sum",
            "setup_seconds",
            "warmup_seconds",
            "shared_memory_warmup_seconds",
            "fetch_seconds_per_iteration",
            "compute_seconds_per_iteration",
            "sync_seconds_per_iteration",
            "fetched_vertices_per_iteration",
            "shared_memory_threads");

    @Test
    void shouldWriteGupsWithTheHazelcastFieldsAfterItsRatioOnlyWhenItRan() {
        List<String> withHazelcast = new ArrayList<>(GUPS.subList(0, GUPS.size() - 3));
        withHazelcast.addAll(HAZELCAST);
        withHazelcast.addAll(GUPS.subList(GUPS.size() - 3, GUPS.size()));

        assertThat(fields(blank(BenchResults.Gups.class))).containsExactlyElementsOf(GUPS);
        assertThat(fields(blank(BenchResults.Gups.class, blank(BenchResults.Hazelcast.class))))
                .containsExactlyElementsOf(withHazelcast);
    }

    @Test
    void shouldWritePageRankWithTheRmatParametersOnlyForAnRmatGraph() {
        List<String> file = new ArrayList<>(PAGERANK);
        file.removeAll(List.of("scale", "edge_factor", "seed"));

        assertThat(fields(blank(BenchResults.PageRank.class, new BenchResults.Rmat(20, 16, 1))))
                .containsExactlyElementsOf(PAGERANK);
        assertThat(fields(blank(BenchResults.PageRank.class))).containsExactlyElementsOf(file);
    }

    @Test
    void shouldWriteMemoryAsItsProgramsFieldsThenTheHeap() {
        assertThat(fields(blank(BenchResults.Memory.class, blank(MemoryFootprint.Result.class))))
                .containsExactly(
                        "benchmark",
                        "nodes",
                        "length_log2",
                        "seconds",
                        "share_bytes",
                        "overhead_bytes",
                        "factor",
                        "limit_bytes",
                        "vm_hwm_bytes",
                        "vm_hwm_before_bytes",
                        "max_vm_hwm_bytes",
                        "peak_over_share",
                        "sum_verified",
                        "under_limit",
                        "verified",
                        "heap_mib");
        assertThat(fields(blank(BenchResults.MemoryFailed.class)))
                .containsExactly("benchmark", "nodes", "length_log2", "heap_mib", "verified");
    }

    @Test
    void shouldWriteTheOtherLinesInOrder() {
        assertThat(fields(blank(BenchResults.Latency.class)))
                .containsExactly(
                        "benchmark",
                        "nodes",
                        "threads_per_node",
                        "seconds",
                        "samples",
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
                        "verified",
                        "p90_us",
                        "mean_us",
                        "max_us",
                        "raw_tcp_p999_us",
                        "raw_tcp_samples",
                        "busy_poll_p99_us",
                        "busy_poll_samples",
                        "barrier_repetitions_us",
                        "allreduce_repetitions_us",
                        "percentiles",
                        "distribution_us",
                        "raw_tcp_distribution_us",
                        "busy_poll_distribution_us",
                        "no_tls_p50_us",
                        "no_tls_ratio_to_busy_poll",
                        "no_tls_barrier_us",
                        "no_tls_allreduce_us",
                        "busy_poll_tls_p50_us",
                        "busy_poll_tls_p99_us",
                        "ratio_to_busy_poll_tls",
                        "barrier_ratio_to_busy_poll_tls",
                        "allreduce_ratio_to_busy_poll_tls");
        assertThat(fields(blank(BenchResults.Bandwidth.class)))
                .containsExactly(
                        "benchmark",
                        "nodes",
                        "threads_per_node",
                        "bytes",
                        "seconds",
                        "warmup_seconds",
                        "get_gb_per_sec",
                        "put_gb_per_sec",
                        "raw_tcp_gb_per_sec",
                        "get_ratio_to_raw_tcp",
                        "put_ratio_to_raw_tcp",
                        "raw_tcp_array_gb_per_sec",
                        "get_ratio_to_raw_tcp_array",
                        "put_ratio_to_raw_tcp_array",
                        "verified",
                        "gets",
                        "puts",
                        "raw_tcp_chunk_bytes",
                        "no_tls_get_gb_per_sec",
                        "no_tls_put_gb_per_sec",
                        "get_tls_ratio",
                        "put_tls_ratio",
                        "raw_tcp_array_tls_gb_per_sec",
                        "raw_tcp_array_tls_ratio");
        assertThat(fields(blank(BenchResults.Nstream.class)))
                .containsExactly(
                        "benchmark",
                        "nodes",
                        "threads_per_node",
                        "length_per_node",
                        "length",
                        "iterations",
                        "seconds",
                        "gb_per_sec",
                        "shared_memory_gb_per_sec",
                        "ratio_to_shared_memory",
                        "element_gb_per_sec",
                        "element_ratio_to_shared_memory",
                        "verified",
                        "seconds_per_iteration",
                        "shared_memory_seconds_per_iteration",
                        "element_iterations",
                        "element_seconds_per_iteration",
                        "warmup_seconds",
                        "shared_memory_warmup_seconds",
                        "shared_memory_threads");
        assertThat(fields(blank(BenchResults.Stencil.class)))
                .containsExactly(
                        "benchmark",
                        "nodes",
                        "threads_per_node",
                        "n",
                        "radius",
                        "iterations",
                        "seconds",
                        "seconds_per_iteration",
                        "message_passing_seconds_per_iteration",
                        "shared_memory_seconds_per_iteration",
                        "ratio_to_message_passing",
                        "ratio_to_shared_memory",
                        "verified",
                        "warmup_iterations",
                        "shared_memory_warmup_iterations",
                        "shared_memory_threads");
        assertThat(fields(blank(BenchResults.GupsPoint.class)))
                .containsExactly(
                        "benchmark",
                        "sweep",
                        "nodes",
                        "threads_per_node",
                        "table_log2",
                        "seconds",
                        "updates_per_sec",
                        "shared_memory_updates_per_sec",
                        "ratio_to_shared_memory",
                        "verified");
    }

    @Test
    void shouldWriteAFigureNoProgramPrintedAsNull() {
        Map<String, Object> r = ResultCodec.decode(ResultCodec.encode(blank(BenchResults.Latency.class)));

        assertThat(r)
                .containsEntry("benchmark", "latency")
                .containsEntry("samples", null)
                .containsEntry("p50_us", null)
                .containsEntry("ratio_to_raw_tcp", null)
                .containsEntry("distribution_us", null)
                .containsEntry("verified", false);
    }

    @Test
    void shouldDivideMeldByTheBaselineOnlyWhenBothAreThere() {
        assertThat(BenchRunner.ratio(3, 2)).isEqualTo(1.5);
        assertThat(BenchRunner.ratio(Double.NaN, 2)).isNaN();
        assertThat(BenchRunner.ratio(3, Double.NaN)).isNaN();
        assertThat(BenchRunner.ratio(3, 0)).isNaN();
    }

    private static List<String> fields(BenchmarkResult result) {
        return List.copyOf(ResultCodec.decode(ResultCodec.encode(result)).keySet());
    }

    /**
     * @return a record of the type with every number NaN or 0, every flag false, every other component
     *     {@code null}, except components of the types of {@code groups}, which get those
     */
    private static <R extends Record> R blank(Class<R> type, Record... groups) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Class<?> t = components[i].getType();
            types[i] = t;
            values[i] = t == double.class
                    ? Double.NaN
                    : t == long.class
                            ? 0L
                            : t == int.class
                                    ? 0
                                    : t == boolean.class
                                            ? false
                                            : Arrays.stream(groups)
                                                    .filter(t::isInstance)
                                                    .findFirst()
                                                    .orElse(null);
        }
        try {
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot make a " + type.getName(), e);
        }
    }
}
