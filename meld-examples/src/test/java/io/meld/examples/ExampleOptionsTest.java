package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExampleOptionsTest {
    private final Example example = new RandomAccess();

    @Test
    void shouldUseDefaultsAndReadBothForms() {
        assertThat(ExampleMain.options(example).getInt("table-log2")).isEqualTo(20);
        assertThat(ExampleMain.options(example, "--table-log2", "12").getInt("table-log2"))
                .isEqualTo(12);
        assertThat(ExampleMain.options(example, "--table-log2=13").getInt("table-log2"))
                .isEqualTo(13);
        assertThat(ExampleMain.options(example, "--corrupt").isSet("corrupt")).isTrue();
    }

    @Test
    void shouldRoundTripThroughArgs() {
        ExampleOptions o = ExampleMain.options(example, "--table-log2", "9", "--corrupt");
        ExampleOptions back = ExampleOptions.parse(example, o.toArgs());
        assertThat(back.getInt("table-log2")).isEqualTo(9);
        assertThat(back.isSet("corrupt")).isTrue();
    }

    @Test
    void shouldNameTheBadValue() {
        assertThatThrownBy(() -> ExampleMain.options(example, "--table-log2", "99"))
                .hasMessage("--table-log2 must be from 4 to 34, not 99");
        assertThatThrownBy(() -> ExampleMain.options(example, "--table-log2", "big"))
                .hasMessageContaining("--table-log2 must be a whole number")
                .hasMessageContaining("'big'");
        assertThatThrownBy(() -> ExampleMain.options(example, "--tabel-log2", "9"))
                .hasMessageContaining("has no option --tabel-log2")
                .hasMessageContaining("--table-log2");
        assertThatThrownBy(() -> ExampleMain.options(example, "--table-log2"))
                .hasMessageContaining("--table-log2 needs a value");
        assertThatThrownBy(() -> ExampleMain.options(example, "stray"))
                .hasMessageContaining("unexpected argument 'stray'");
    }

    @Test
    void shouldAcceptUnitSuffixes() {
        ExampleOption keys = ExampleOption.number("keys", "N", 1, 1, 1L << 40, "keys");
        Example e = new Example() {
            @Override
            public String name() {
                return "t";
            }

            @Override
            public String description() {
                return "t";
            }

            @Override
            public List<ExampleOption> options() {
                return List.of(keys);
            }

            @Override
            public ExampleResult run(io.meld.Meld meld, ExampleOptions options, Log log) {
                return ExampleResult.ok("");
            }
        };
        assertThat(ExampleMain.options(e, "--keys", "64k").getLong("keys")).isEqualTo(64_000);
        assertThat(ExampleMain.options(e, "--keys", "2M").getLong("keys")).isEqualTo(2_000_000);
    }
}
