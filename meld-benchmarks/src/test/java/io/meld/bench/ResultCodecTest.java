package io.meld.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractMap;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultCodecTest {
    record Range(long first, long last) {}

    record Sample(
            int nodes,
            double p50Us,
            double whole,
            Long missing,
            Range range,
            String text,
            double[] distributionUs,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "sample";
        }
    }

    record Named(String benchmark, int threadsPerNode, double p999Us, long tableLog2) implements BenchmarkResult {}

    private static Sample sample(Range range) {
        return new Sample(
                2, 87.5, 3.0, null, range, "a \"quoted\"\\ line\n\tend", new double[] {1.5, 2, Double.NaN}, true);
    }

    @Test
    void shouldWriteTheBenchmarkThenEveryComponentInOrder() {
        assertThat(ResultCodec.encode(sample(new Range(4, 9))))
                .isEqualTo("{\"benchmark\":\"sample\",\"nodes\":2,\"p50_us\":87.5,\"whole\":3.0,\"missing\":null,"
                        + "\"first\":4,\"last\":9,\"text\":\"a \\\"quoted\\\"\\\\ line\\n\\tend\","
                        + "\"distribution_us\":[1.5,2.0,null],\"verified\":true}");
    }

    @Test
    void shouldLeaveOutTheFieldsOfANullGroup() {
        assertThat(ResultCodec.encode(sample(null)))
                .contains("\"missing\":null,\"text\":")
                .doesNotContain("first")
                .doesNotContain("last");
    }

    @Test
    void shouldWriteABenchmarkComponentOnceAndFirst() {
        assertThat(ResultCodec.encode(new Named("latency_meld", 1, 12.25, 20)))
                .isEqualTo(
                        "{\"benchmark\":\"latency_meld\",\"threads_per_node\":1,\"p999_us\":12.25,\"table_log2\":20}");
    }

    @Test
    void shouldWriteNonFiniteDoublesAsNullAndWholeOnesInFull() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("nan", Double.NaN);
        fields.put("infinite", Double.NEGATIVE_INFINITY);
        fields.put("big", 2.3e9);
        fields.put("huge", 1e15);
        fields.put("negative_zero", -0.0);
        fields.put("small", 1e-7);
        fields.put("none", null);

        assertThat(ResultCodec.encode(fields))
                .isEqualTo("{\"nan\":null,\"infinite\":null,\"big\":2300000000.0,\"huge\":1.0E15,"
                        + "\"negative_zero\":0.0,\"small\":1.0E-7,\"none\":null}");
    }

    @Test
    void shouldReadBackWhatItWrote() {
        String line = ResultCodec.encode(sample(new Range(4, 1L << 40)));

        Map<String, Object> f = ResultCodec.decode(line);

        assertThat(f)
                .containsExactly(
                        Map.entry("benchmark", "sample"),
                        Map.entry("nodes", 2L),
                        Map.entry("p50_us", 87.5),
                        Map.entry("whole", 3.0),
                        entry("missing", null),
                        Map.entry("first", 4L),
                        Map.entry("last", 1L << 40),
                        Map.entry("text", "a \"quoted\"\\ line\n\tend"),
                        Map.entry("distribution_us", Arrays.asList(1.5, 2.0, null)),
                        Map.entry("verified", true));
        assertThat(ResultCodec.numbers(f, "distribution_us")).containsExactly(1.5, 2.0, Double.NaN);
        assertThat(ResultCodec.numbers(f, "absent")).isEmpty();
        assertThat(ResultCodec.number(f, "p50_us")).isEqualTo(87.5);
        assertThat(ResultCodec.number(f, "missing")).isNaN();
        assertThat(ResultCodec.number(f, "absent")).isNaN();
        assertThat(ResultCodec.encode(f)).isEqualTo(line);
    }

    private static Map.Entry<String, Object> entry(String name, Object value) {
        return new AbstractMap.SimpleEntry<>(name, value);
    }

    @Test
    void shouldNameFieldsInSnakeCase() {
        assertThat(ResultCodec.snakeCase("threadsPerNode")).isEqualTo("threads_per_node");
        assertThat(ResultCodec.snakeCase("rawTcpP999Us")).isEqualTo("raw_tcp_p999_us");
        assertThat(ResultCodec.snakeCase("l1Difference")).isEqualTo("l1_difference");
        assertThat(ResultCodec.snakeCase("lengthLog2")).isEqualTo("length_log2");
        assertThat(ResultCodec.snakeCase("n")).isEqualTo("n");
    }

    @Test
    void shouldFindALineBehindANodePrefix() {
        String output = "[0] starting\n[0] {\"benchmark\":\"gups\",\"updates\":5}\n[1] done\n";

        assertThat(ResultCodec.find(output, "gups")).containsEntry("updates", 5L);
        assertThat(ResultCodec.find(output, "latency")).isNull();
    }

    @Test
    void shouldNameWhereALineIsMalformed() {
        assertThatThrownBy(() -> ResultCodec.decode("{\"a\":1,}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column: 8");
        assertThatThrownBy(() -> ResultCodec.decode("{\"a\":1} {}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text after the object at character 8");
        assertThatThrownBy(() -> ResultCodec.decode("[1]")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseValuesItCannotWrite() {
        record Odd(Object value) implements BenchmarkResult {
            @Override
            public String benchmark() {
                return "odd";
            }
        }

        assertThatThrownBy(() -> ResultCodec.encode(new Odd(new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot write");
    }
}
