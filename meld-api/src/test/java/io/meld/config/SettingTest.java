package io.meld.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingTest {
    enum Mode {
        FAST,
        VERY_SAFE
    }

    private static final Setting<Integer> INT = Setting.intSetting("meld.test.count", 5, -3, 100, "an int");
    private static final Setting<Integer> FULL_INT = Setting.intSetting(
            "meld.test.full-int", 0, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int over its whole range");
    private static final Setting<Long> LONG =
            Setting.longSetting("meld.test.big", 0, Long.MIN_VALUE, Long.MAX_VALUE, "a long over its whole range");
    private static final Setting<Long> SIZE =
            Setting.sizeSetting("meld.test.size", 1L << 20, 0, Long.MAX_VALUE, "a size over its whole range");
    private static final Setting<Long> BOUNDED_SIZE =
            Setting.sizeSetting("meld.test.bounded-size", 1L << 20, 64L << 10, 64L << 20, "a bounded size");
    private static final Setting<Duration> DURATION = Setting.durationSetting(
            "meld.test.timeout",
            Duration.ofSeconds(30),
            Duration.ZERO,
            Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            "a duration over the whole range of Duration");
    private static final Setting<Duration> BOUNDED_DURATION = Setting.durationSetting(
            "meld.test.bounded-timeout",
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            Duration.ofHours(1),
            "a bounded duration");
    private static final Setting<Boolean> BOOL = Setting.booleanSetting("meld.test.enabled", true, "a boolean");
    private static final Setting<String> STRING = Setting.stringSetting("meld.test.name", "meld", "a string");
    private static final Setting<Mode> ENUM = Setting.enumSetting("meld.test.mode", Mode.class, Mode.FAST, "an enum");
    private static final Setting<List<String>> LIST = Setting.listSetting("meld.test.hosts", "a list");

    @Test
    void shouldParseIntegersWithinTheirRangeIncludingBothEnds() {
        assertThat(INT.parse("-3")).isEqualTo(-3);
        assertThat(INT.parse("100")).isEqualTo(100);
        assertThat(INT.parse(" 42 ")).isEqualTo(42);
        assertThat(INT.parse("+7")).isEqualTo(7);
        assertThat(FULL_INT.parse("-2147483648")).isEqualTo(Integer.MIN_VALUE);
        assertThat(FULL_INT.parse("2147483647")).isEqualTo(Integer.MAX_VALUE);
        assertThat(LONG.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(LONG.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-4", "101", "2147483648", "-2147483649"})
    void shouldRejectAnIntegerOutsideItsRangeNamingTheRange(String raw) {
        assertThatThrownBy(() -> INT.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("out of range: must be from -3 to 100");
    }

    @Test
    void shouldRejectAnIntegerBeyondTheIntTypeNamingTheIntRange() {
        assertThatThrownBy(() -> FULL_INT.parse("2147483648"))
                .hasMessage("out of range: must be from -2147483648 to 2147483647");
        assertThatThrownBy(() -> LONG.parse("9223372036854775808")).hasMessage("not a whole number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "abc", "1.5", "1e3", "0x10", "5_000", "12 34"})
    void shouldRejectTextThatIsNotAWholeNumber(String raw) {
        assertThatThrownBy(() -> INT.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a whole number");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "65536, 65536",
        "1b, 1",
        "64KiB, 65536",
        "64kib, 65536",
        "64k, 65536",
        "64 KiB, 65536",
        "1MiB, 1048576",
        "1m, 1048576",
        "2GiB, 2147483648",
        "2g, 2147483648",
        "8589934591GiB, 9223372035781033984"
    })
    void shouldParseSizesInBytesOrBinaryUnits(String raw, long bytes) {
        assertThat(SIZE.parse(raw)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KiB", "-1", "1.5MiB", "MiB1", "1 2KiB"})
    void shouldRejectTextThatIsNotASizeSayingHowToWriteOne(String raw) {
        assertThatThrownBy(() -> SIZE.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a size: use bytes, or a number with KiB, MiB or GiB, e.g. 1MiB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"64KB", "1MB", "1TiB", "3x"})
    void shouldRejectAnUnknownSizeUnitNamingIt(String raw) {
        String unit = raw.replaceAll("\\d", "");
        assertThatThrownBy(() -> SIZE.parse(raw))
                .hasMessage("unknown size unit '" + unit + "': use KiB, MiB or GiB (powers of 1024), e.g. 64KiB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8589934592GiB", "9223372036854775808", "99999999999999999999999KiB"})
    void shouldRejectASizeThatOverflowsALong(String raw) {
        assertThatThrownBy(() -> SIZE.parse(raw)).hasMessage("size too large");
    }

    @Test
    void shouldRejectASizeOutsideItsRangeNamingTheRangeInUnits() {
        assertThat(BOUNDED_SIZE.parse("64KiB")).isEqualTo(64L << 10);
        assertThat(BOUNDED_SIZE.parse("64MiB")).isEqualTo(64L << 20);
        assertThatThrownBy(() -> BOUNDED_SIZE.parse("65535")).hasMessage("out of range: must be from 64KiB to 64MiB");
        assertThatThrownBy(() -> BOUNDED_SIZE.parse("65537KiB"))
                .hasMessage("out of range: must be from 64KiB to 64MiB");
    }

    @ParameterizedTest
    @CsvSource({
        "0, PT0S",
        "0ms, PT0S",
        "200us, PT0.0002S",
        "250ms, PT0.25S",
        "30s, PT30S",
        "30 s, PT30S",
        "2m, PT2M",
        "1h, PT1H",
        "PT30S, PT30S",
        "pt1.5s, PT1.5S",
        "9223372036854775807s, PT2562047788015215H30M7S",
        "9223372036854775807ms, PT2562047788015H12M55.807S"
    })
    void shouldParseDurationsWithAUnitOrInIso8601(String raw, String iso) {
        assertThat(DURATION.parse(raw)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "1d", "30S", "-5s", "5 sec", "s", "1.5s"})
    void shouldRejectTextThatIsNotADurationSayingHowToWriteOne(String raw) {
        assertThatThrownBy(() -> DURATION.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a duration: use a number with us, ms, s, m or h (e.g. 30s), or ISO-8601 (e.g. PT30S)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999s", "3000000000000000h", "200000000000000000m"})
    void shouldRejectADurationThatOverflowsAsTooLongRatherThanWithAnArithmeticError(String raw) {
        assertThatThrownBy(() -> DURATION.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duration too long");
    }

    @Test
    void shouldRejectADurationOutsideItsRangeNamingTheRangeInUnits() {
        assertThat(BOUNDED_DURATION.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(BOUNDED_DURATION.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> BOUNDED_DURATION.parse("99ms")).hasMessage("out of range: must be from 100ms to 1h");
        assertThatThrownBy(() -> BOUNDED_DURATION.parse("0")).hasMessage("out of range: must be from 100ms to 1h");
        assertThatThrownBy(() -> BOUNDED_DURATION.parse("PT-1S")).hasMessage("out of range: must be from 100ms to 1h");
        assertThatThrownBy(() -> BOUNDED_DURATION.parse("61m")).hasMessage("out of range: must be from 100ms to 1h");
    }

    @ParameterizedTest
    @CsvSource({"true, true", "TRUE, true", "False, false", " false , false"})
    void shouldParseBooleansIgnoringCase(String raw, boolean value) {
        assertThat(BOOL.parse(raw)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yes", "1", "on", "t"})
    void shouldRejectAnythingButTrueOrFalseAsABoolean(String raw) {
        assertThatThrownBy(() -> BOOL.parse(raw)).hasMessage("not a boolean: use true or false");
    }

    @Test
    void shouldTakeABlankStringAsTheDefaultAndTrimOthers() {
        assertThat(STRING.parse("")).isEqualTo("meld");
        assertThat(STRING.parse("   ")).isEqualTo("meld");
        assertThat(STRING.parse(" lab-1 ")).isEqualTo("lab-1");
        assertThat(Setting.stringSetting("meld.test.empty", "", "empty default").defaultText())
                .isEqualTo("(empty)");
    }

    @ParameterizedTest
    @CsvSource({"fast, FAST", "FAST, FAST", "very-safe, VERY_SAFE", "Very_Safe, VERY_SAFE", " very-safe , VERY_SAFE"})
    void shouldParseEnumsIgnoringCaseWithDashesOrUnderscores(String raw, Mode mode) {
        assertThat(ENUM.parse(raw)).isEqualTo(mode);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "slow", "very safe", "verysafe"})
    void shouldRejectAnUnknownEnumConstantListingTheKnownOnes(String raw) {
        assertThatThrownBy(() -> ENUM.parse(raw)).hasMessage("not one of fast, very-safe");
        assertThat(ENUM.type()).isEqualTo("one of fast, very-safe");
    }

    @Test
    void shouldSplitListsOnCommasDroppingBlankItems() {
        assertThat(LIST.parse("a:1, b:2 ,c:3")).containsExactly("a:1", "b:2", "c:3");
        assertThat(LIST.parse("")).isEmpty();
        assertThat(LIST.parse(" , ,")).isEmpty();
        assertThat(LIST.parse("only")).containsExactly("only");
        assertThat(LIST.parse("a,,b,")).containsExactly("a", "b");
        assertThat(LIST.defaultValue()).isEmpty();
    }

    @Test
    void shouldFormatEveryTypeSoThatParsingGivesTheValueBack() {
        Random random = new Random(20_240_601L);
        for (int i = 0; i < 1000; i++) {
            int n = random.nextInt();
            assertThat(FULL_INT.parse(FULL_INT.format(n))).isEqualTo(n);
            long l = random.nextLong();
            assertThat(LONG.parse(LONG.format(l))).isEqualTo(l);
            long size = random.nextLong() >>> (1 + random.nextInt(63));
            if (random.nextBoolean()) {
                size &= -(1L << (10 * (1 + random.nextInt(3))));
            }
            assertThat(SIZE.parse(SIZE.format(size))).isEqualTo(size);
            Duration d = Duration.ofNanos(random.nextLong() >>> (1 + random.nextInt(63)));
            if (random.nextBoolean()) {
                d = Duration.ofMillis(d.toMillis());
            }
            assertThat(DURATION.parse(DURATION.format(d)))
                    .as("%s formatted as %s", d, DURATION.format(d))
                    .isEqualTo(d);
        }
        assertThat(DURATION.parse(DURATION.format(Duration.ZERO))).isEqualTo(Duration.ZERO);
        assertThat(BOOL.parse(BOOL.format(false))).isFalse();
        assertThat(ENUM.parse(ENUM.format(Mode.VERY_SAFE))).isEqualTo(Mode.VERY_SAFE);
        assertThat(LIST.parse(LIST.format(List.of("h1:7800", "h2:7800")))).containsExactly("h1:7800", "h2:7800");
        assertThat(LIST.parse(LIST.format(List.of()))).isEmpty();
        assertThat(STRING.parse(STRING.format("x y"))).isEqualTo("x y");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "1000, 1000",
        "1024, 1KiB",
        "65536, 64KiB",
        "1048576, 1MiB",
        "1049600, 1025KiB",
        "3221225472, 3GiB"
    })
    void shouldFormatSizesInTheLargestUnitThatDividesThem(long bytes, String text) {
        assertThat(Setting.formatSize(bytes)).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({
        "PT0S, 0",
        "PT0.0002S, 200us",
        "PT0.25S, 250ms",
        "PT30S, 30s",
        "PT90S, 90s",
        "PT2M, 2m",
        "PT1H, 1h",
        "PT61M, 61m"
    })
    void shouldFormatDurationsInTheLargestUnitThatDividesThem(String iso, String text) {
        assertThat(Setting.formatDuration(Duration.parse(iso))).isEqualTo(text);
    }

    @Test
    void shouldDocumentTypeRangeAndDefault() {
        assertThat(INT.type()).isEqualTo("int -3..100");
        assertThat(LONG.type()).isEqualTo("long");
        assertThat(BOUNDED_SIZE.type()).isEqualTo("size 64KiB..64MiB");
        assertThat(BOUNDED_SIZE.defaultText()).isEqualTo("1MiB");
        assertThat(BOUNDED_DURATION.type()).isEqualTo("duration 100ms..1h");
        assertThat(BOUNDED_DURATION.defaultText()).isEqualTo("1s");
        assertThat(BOOL.type()).isEqualTo("boolean");
        assertThat(ENUM.defaultText()).isEqualTo("fast");
        assertThat(LIST.defaultText()).isEqualTo("(empty)");
        assertThat(INT.withDefaultText("computed").defaultText()).isEqualTo("computed");
        assertThat(INT.withDefaultText("computed").parse("7")).isEqualTo(7);
        assertThat(INT.description()).isEqualTo("an int");
        assertThat(INT).hasToString("meld.test.count");
    }

    @ParameterizedTest
    @CsvSource({
        "meld.size, MELD_SIZE",
        "meld.config-file, MELD_CONFIG_FILE",
        "meld.transport.max-frame-size, MELD_TRANSPORT_MAX_FRAME_SIZE"
    })
    void shouldNameTheEnvironmentVariableByUpperCasingWithUnderscores(String name, String env) {
        assertThat(Setting.intSetting(name, 0, 0, 1, "x").envName()).isEqualTo(env);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "size",
                "meld",
                "meld.",
                "meld.Size",
                "meld.max_frame",
                "meld..x",
                "meld.x-",
                "other.x",
                "meld.1x"
            })
    void shouldRefuseASettingNameNotOfTheMeldForm(String name) {
        assertThatThrownBy(() -> Setting.booleanSetting(name, true, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting name '" + name + "' is not of the form meld.component.lower-case-words");
    }
}
