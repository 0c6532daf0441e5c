package io.meld.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeldConfigTest {
    enum Discovery {
        STATIC,
        JVM
    }

    private static final Setting<Integer> PORT = Setting.intSetting("meld.test.port", 7800, 0, 65535, "a port");
    private static final Setting<Duration> TIMEOUT = Setting.durationSetting(
            "meld.test.formation-timeout", Duration.ofSeconds(60), Duration.ofMillis(100), Duration.ofHours(24), "t");
    private static final Setting<Long> FRAME =
            Setting.sizeSetting("meld.test.max-frame-size", 1L << 20, 64L << 10, 64L << 20, "a size");
    private static final Setting<Boolean> NATIVE = Setting.booleanSetting("meld.test.native", true, "a boolean");
    private static final Setting<String> NAME = Setting.stringSetting("meld.test.name", "meld", "a string");
    private static final Setting<Discovery> DISCOVERY =
            Setting.enumSetting("meld.test.discovery", Discovery.class, Discovery.STATIC, "an enum");
    private static final Setting<List<String>> HOSTS = Setting.listSetting("meld.test.hosts", "a list");
    private static final List<Setting<?>> KNOWN = List.of(PORT, TIMEOUT, FRAME, NATIVE, NAME, DISCOVERY, HOSTS);

    @TempDir
    Path dir;

    @Test
    void shouldTakeEachValueFromTheFirstOfCodePropertyEnvironmentFileAndDefault() throws IOException {
        Path file = write("meld.properties", "meld.test.port=5\n");
        Map<String, String> props = new HashMap<>(Map.of("meld.test.port", "3", "meld.config-file", file.toString()));
        Map<String, String> env = new HashMap<>(Map.of("MELD_TEST_PORT", "4"));

        MeldConfig all = MeldConfig.load(props, env).with("meld.test.port", "2");
        assertThat(all.get(PORT)).isEqualTo(2);
        assertThat(all.source(PORT)).isEqualTo("set in code");

        MeldConfig noCode = MeldConfig.load(props, env);
        assertThat(noCode.get(PORT)).isEqualTo(3);
        assertThat(noCode.source(PORT)).isEqualTo("system property meld.test.port");

        props.remove("meld.test.port");
        MeldConfig noProperty = MeldConfig.load(props, env);
        assertThat(noProperty.get(PORT)).isEqualTo(4);
        assertThat(noProperty.source(PORT)).isEqualTo("environment variable MELD_TEST_PORT");

        env.clear();
        MeldConfig fileOnly = MeldConfig.load(props, env);
        assertThat(fileOnly.get(PORT)).isEqualTo(5);
        assertThat(fileOnly.source(PORT)).isEqualTo("file " + file);
        assertThat(fileOnly.isSet(PORT)).isTrue();

        MeldConfig none = MeldConfig.load(Map.of(), Map.of());
        assertThat(none.get(PORT)).isEqualTo(7800);
        assertThat(none.source(PORT)).isEqualTo("default");
        assertThat(none.isSet(PORT)).isFalse();
    }

    @Test
    void shouldLetEachSourceWinOnlyForTheSettingsItSets() throws IOException {
        Path file = write("meld.properties", "meld.test.native=false\nmeld.test.name=from-file\n");
        MeldConfig config = MeldConfig.load(
                        Map.of("meld.config-file", file.toString(), "meld.test.max-frame-size", "64KiB"),
                        Map.of("MELD_TEST_FORMATION_TIMEOUT", "5s", "MELD_TEST_NAME", "from-env"))
                .with(PORT, 9);

        assertThat(config.get(PORT)).isEqualTo(9);
        assertThat(config.get(FRAME)).isEqualTo(64L << 10);
        assertThat(config.get(TIMEOUT)).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.get(NAME)).isEqualTo("from-env");
        assertThat(config.get(NATIVE)).isFalse();
        assertThat(config.get(DISCOVERY)).isEqualTo(Discovery.STATIC);
        assertThat(config.explicitValues(KNOWN))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "meld.test.port", "9",
                        "meld.test.max-frame-size", "64KiB",
                        "meld.test.formation-timeout", "5s",
                        "meld.test.name", "from-env",
                        "meld.test.native", "false"));
    }

    @Test
    void shouldKeepOnlyMeldPropertiesAndMeldEnvironmentVariables() {
        MeldConfig config = MeldConfig.load(
                Map.of("java.version", "25", "meldx.test.port", "1", "MELD_TEST_PORT", "2"),
                Map.of("PATH", "/bin", "meld.test.port", "3", "MELDTEST_PORT", "4"));

        assertThat(config.get(PORT)).isEqualTo(7800);
        assertThat(config.check(KNOWN)).isEmpty();
    }

    @Test
    void shouldFindTheFileNamedByTheEnvironmentWhenNoPropertyNamesOne() throws IOException {
        Path file = write("cluster.properties", "meld.test.port=11\n");

        MeldConfig config = MeldConfig.load(Map.of(), Map.of("MELD_CONFIG_FILE", file.toString()));

        assertThat(config.get(PORT)).isEqualTo(11);
        assertThat(config.source(PORT)).isEqualTo("file " + file);
    }

    @Test
    void shouldPreferTheFileNamedByThePropertyOverTheOneNamedByTheEnvironment() throws IOException {
        Path byProperty = write("a.properties", "meld.test.port=21\n");
        Path byEnvironment = write("b.properties", "meld.test.port=22\n");

        MeldConfig config = MeldConfig.load(
                Map.of("meld.config-file", byProperty.toString()),
                Map.of("MELD_CONFIG_FILE", byEnvironment.toString()));

        assertThat(config.get(PORT)).isEqualTo(21);
    }

    @Test
    void shouldReadMeldPropertiesInTheWorkingDirectoryWhenNoFileIsNamed() throws IOException {
        Path local = Path.of("meld.properties");
        assumeThat(Files.exists(local))
                .as("a meld.properties in the working directory")
                .isFalse();
        try {
            Files.writeString(local, "meld.test.port=31\n");

            MeldConfig config = MeldConfig.load(Map.of(), Map.of());

            assertThat(config.get(PORT)).isEqualTo(31);
            assertThat(config.source(PORT)).isEqualTo("file " + local.toAbsolutePath());
        } finally {
            Files.deleteIfExists(local);
        }
    }

    @Test
    void shouldFailClearlyWhenTheNamedFileIsMissing() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> MeldConfig.load(Map.of("meld.config-file", missing.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.config-file=" + missing + " (from system property meld.config-file): no such file");
        assertThatThrownBy(() -> MeldConfig.load(Map.of(), Map.of("MELD_CONFIG_FILE", missing.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "meld.config-file=" + missing + " (from environment variable MELD_CONFIG_FILE): no such file");
    }

    @Test
    void shouldFailClearlyWhenTheNamedFileIsADirectory() {
        assertThatThrownBy(() -> MeldConfig.load(Map.of("meld.config-file", dir.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("meld.config-file=" + dir)
                .hasMessageContaining("system property meld.config-file");
    }

    @Test
    void shouldFailClearlyWhenTheFileIsNotAPropertiesFile() throws IOException {
        Path bad = write("bad.properties", "meld.test.name=\\u12\n");

        assertThatThrownBy(() -> MeldConfig.load(Map.of("meld.config-file", bad.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cannot read configuration file " + bad + ": ");
    }

    @Test
    void shouldReadTheFileAsUtf8AndTrimItsNamesAndValues() throws IOException {
        Path file = write("meld.properties", "  meld.test.name =  caf\u00e9-\u03bb  \n# meld.test.port=1\n");

        MeldConfig config = MeldConfig.load(Map.of("meld.config-file", file.toString()), Map.of());

        assertThat(config.get(NAME)).isEqualTo("caf\u00e9-\u03bb");
        assertThat(config.isSet(PORT)).isFalse();
        assertThat(config.check(KNOWN)).isEmpty();
    }

    @Test
    void shouldNameSettingValueAndSourceOfABadValue() throws IOException {
        Path file = write("meld.properties", "meld.test.native=maybe\n");

        assertThatThrownBy(() ->
                        MeldConfig.defaults().with("meld.test.port", "70000").get(PORT))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.port=70000 (from set in code): out of range: must be from 0 to 65535");
        assertThatThrownBy(() -> MeldConfig.load(Map.of("meld.test.formation-timeout", "soon"), Map.of())
                        .get(TIMEOUT))
                .hasMessage("meld.test.formation-timeout=soon (from system property meld.test.formation-timeout):"
                        + " not a duration: use a number with us, ms, s, m or h (e.g. 30s), or ISO-8601 (e.g. PT30S)");
        assertThatThrownBy(() -> MeldConfig.load(Map.of(), Map.of("MELD_TEST_MAX_FRAME_SIZE", "1KB"))
                        .get(FRAME))
                .hasMessage("meld.test.max-frame-size=1KB (from environment variable MELD_TEST_MAX_FRAME_SIZE):"
                        + " unknown size unit 'KB': use KiB, MiB or GiB (powers of 1024), e.g. 64KiB");
        assertThatThrownBy(() -> MeldConfig.load(Map.of("meld.config-file", file.toString()), Map.of())
                        .get(NATIVE))
                .hasMessage("meld.test.native=maybe (from file " + file + "): not a boolean: use true or false");
    }

    @Test
    void shouldCheckEveryKnownValueEagerly() {
        MeldConfig config = MeldConfig.load(Map.of(), Map.of("MELD_TEST_DISCOVERY", "multicast"));

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.discovery=multicast (from environment variable MELD_TEST_DISCOVERY):"
                        + " not one of static, jvm");
    }

    @Test
    void shouldRejectAnUnknownNameSetInCodeSuggestingTheClosestSetting() {
        MeldConfig config = MeldConfig.defaults().with("meld.test.formation-timout", "3s");

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.formation-timout (set in code) is not a Meld setting (did you mean"
                        + " meld.test.formation-timeout?); docs/configuration.md lists them all");
    }

    @Test
    void shouldRejectAnUnknownSystemPropertySuggestingTheClosestSetting() {
        MeldConfig config = MeldConfig.load(Map.of("meld.test.prot", "1"), Map.of());

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.prot (system property) is not a Meld setting (did you mean meld.test.port?);"
                        + " docs/configuration.md lists them all");
    }

    @Test
    void shouldRejectAnUnknownNameInTheFileNamingTheFile() throws IOException {
        Path file = write("meld.properties", "meld.test.hostz=a:1\n");
        MeldConfig config = MeldConfig.load(Map.of("meld.config-file", file.toString()), Map.of());

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.hostz (file " + file + ") is not a Meld setting (did you mean meld.test.hosts?);"
                        + " docs/configuration.md lists them all");
    }

    @Test
    void shouldNotSuggestASettingThatIsFarFromTheUnknownName() {
        MeldConfig config = MeldConfig.defaults().with("meld.something.else-entirely", "1");

        assertThatThrownBy(() -> config.check(KNOWN))
                .hasMessage("meld.something.else-entirely (set in code) is not a Meld setting;"
                        + " docs/configuration.md lists them all");
    }

    @Test
    void shouldOnlyWarnAboutAnUnknownMeldEnvironmentVariable() {
        MeldConfig config = MeldConfig.load(
                Map.of(), Map.of("MELD_HOME", "/opt/meld", "MELD_TEST_PORT", "1", "MELD_CONFIG_FILE", ""));

        assertThat(config.check(KNOWN))
                .containsExactly("environment variable MELD_HOME is not a Meld setting; ignored");
        assertThat(config.get(PORT)).isEqualTo(1);
    }

    @Test
    void shouldAcceptTheConfigFileNameItselfAsASetting() throws IOException {
        Path file = write("meld.properties", "meld.test.port=1\n");

        MeldConfig config = MeldConfig.load(Map.of("meld.config-file", file.toString()), Map.of());

        assertThat(config.check(KNOWN)).isEmpty();
    }

    @Test
    void shouldGiveBackEveryTypedValueSetInCode() {
        MeldConfig config = MeldConfig.load(Map.of("meld.test.port", "1"), Map.of("MELD_TEST_NAME", "env"))
                .with(PORT, 65535)
                .with(TIMEOUT, Duration.ofMillis(250))
                .with(FRAME, 64L << 10)
                .with(NATIVE, false)
                .with(NAME, "lab")
                .with(DISCOVERY, Discovery.JVM)
                .with(HOSTS, List.of("h1:7800", "h2:7801"));

        assertThat(config.get(PORT)).isEqualTo(65535);
        assertThat(config.get(TIMEOUT)).isEqualTo(Duration.ofMillis(250));
        assertThat(config.get(FRAME)).isEqualTo(64L << 10);
        assertThat(config.get(NATIVE)).isFalse();
        assertThat(config.get(NAME)).isEqualTo("lab");
        assertThat(config.get(DISCOVERY)).isEqualTo(Discovery.JVM);
        assertThat(config.get(HOSTS)).containsExactly("h1:7800", "h2:7801");
        for (Setting<?> s : KNOWN) {
            assertThat(config.source(s)).as(s.name()).isEqualTo("set in code");
        }
        assertThat(config.explicitValues(KNOWN))
                .containsEntry("meld.test.formation-timeout", "250ms")
                .containsEntry("meld.test.max-frame-size", "64KiB")
                .containsEntry("meld.test.discovery", "jvm")
                .containsEntry("meld.test.hosts", "h1:7800,h2:7801");
        assertThat(config.check(KNOWN)).isEmpty();
    }

    @Test
    void shouldLeaveTheOriginalUnchangedWhenAValueIsSet() {
        MeldConfig original = MeldConfig.defaults().with(PORT, 1);

        MeldConfig changed = original.with(PORT, 2).with(NATIVE, false);

        assertThat(original.get(PORT)).isEqualTo(1);
        assertThat(original.isSet(NATIVE)).isFalse();
        assertThat(changed.get(PORT)).isEqualTo(2);
        assertThat(changed.toString()).contains("meld.test.port=2", "meld.test.native=false");
    }

    @Test
    void shouldLetADerivedValueWinAndReportWhereItWasDerivedFrom() {
        MeldConfig config = MeldConfig.load(Map.of("meld.test.port", "3"), Map.of())
                .with("meld.test.name", "mine")
                .withDerived("meld.test.port", "7801", "Slurm: SLURM_LOCALID=1");

        assertThat(config.get(PORT)).isEqualTo(7801);
        assertThat(config.source(PORT)).isEqualTo("Slurm: SLURM_LOCALID=1");
        assertThat(config.isSet(PORT)).isTrue();
        assertThat(config.get(NAME)).isEqualTo("mine");
        assertThat(config.explicitValues(KNOWN)).containsEntry("meld.test.port", "7801");
    }

    @Test
    void shouldNameTheDerivedSourceOfABadDerivedValue() {
        MeldConfig config = MeldConfig.defaults().withDerived("meld.test.port", "70000", "Slurm: SLURM_PROCID=70000");

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.test.port=70000 (from Slurm: SLURM_PROCID=70000): out of range: must be from 0 to"
                        + " 65535");
    }

    @Test
    void shouldRejectADerivedNameThatIsNotASetting() {
        MeldConfig config = MeldConfig.defaults().withDerived("meld.test.prot", "1", "somewhere");

        assertThatThrownBy(() -> config.check(KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.test.prot (derived from the launch environment) is not a Meld setting");
        assertThatThrownBy(() -> MeldConfig.defaults().withDerived("other.name", "1", "somewhere"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting name 'other.name' does not start with 'meld.'");
    }

    @Test
    void shouldRefuseToSetANameOutsideMeldOrANullValue() {
        assertThatThrownBy(() -> MeldConfig.defaults().with("cluster.port", "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting name 'cluster.port' does not start with 'meld.'");
        assertThatThrownBy(() -> MeldConfig.defaults().with("meld.test.port", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("value");
    }

    @Test
    void shouldIgnoreThisProcessInDefaults() {
        MeldConfig config = MeldConfig.defaults();

        for (Setting<?> s : KNOWN) {
            assertThat(config.isSet(s)).isFalse();
            assertThat(config.get(s)).isEqualTo(s.defaultValue());
        }
        assertThat(config.check(KNOWN)).isEmpty();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}
