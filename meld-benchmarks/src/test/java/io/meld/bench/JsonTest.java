package io.meld.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void shouldReadBackWhatItWrote() {
        String line = new Json()
                .put("benchmark", "latency")
                .put("nodes", 2)
                .put("p50_us", 87.5)
                .put("whole", 3.0)
                .put("verified", true)
                .put("missing", null)
                .put("text", "a \"quoted\"\\ line\n\tend")
                .put("distribution_us", new double[] {1.5, 2, Double.NaN})
                .toString();

        Map<String, Object> f = Json.parse(line);

        assertThat(f)
                .containsEntry("benchmark", "latency")
                .containsEntry("nodes", 2L)
                .containsEntry("p50_us", 87.5)
                .containsEntry("whole", 3.0)
                .containsEntry("verified", true)
                .containsEntry("missing", null)
                .containsEntry("text", "a \"quoted\"\\ line\n\tend");
        assertThat(f.get("distribution_us")).isEqualTo(java.util.Arrays.asList(1.5, 2.0, null));
        assertThat(Json.numbers(f, "distribution_us")).containsExactly(1.5, 2.0, Double.NaN);
        assertThat(Json.number(f, "absent")).isNaN();
        assertThat(line).doesNotContain("\n").startsWith("{\"benchmark\":\"latency\",\"nodes\":2,");
    }

    @Test
    void shouldFindALineBehindANodePrefix() {
        String output = "[0] starting\n[0] {\"benchmark\":\"gups\",\"updates\":5}\n[1] done\n";

        assertThat(Json.find(output, "gups")).containsEntry("updates", 5L);
        assertThat(Json.find(output, "latency")).isNull();
    }

    @Test
    void shouldNameWhereALineIsMalformed() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at character");
        assertThatThrownBy(() -> Json.parse("{\"a\":1} x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("text after the object");
    }

    @Test
    void shouldRefuseValuesItCannotWrite() {
        assertThatThrownBy(() -> new Json().put("x", new Object()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("field x");
    }
}
