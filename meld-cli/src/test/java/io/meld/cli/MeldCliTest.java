package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line, in this JVM: usage errors and the quick commands. */
class MeldCliTest {
    private final Capture out = new Capture();
    private final Capture err = new Capture();

    private int meld(String... args) {
        return MeldCli.execute(args, out.printStream(), err.printStream());
    }

    private static String hello() {
        return TestPrograms.Hello.class.getName();
    }

    @Test
    void shouldRefuseZeroNodesNamingTheValue() {
        assertThat(meld("run", "--nodes", "0", "--", hello())).isEqualTo(2);
        assertThat(err.text()).contains("[meld] --nodes must be from 1 to 1024 (JVMs on this machine), not 0");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void shouldRefuseNegativeThreadsNamingTheValue() {
        assertThat(meld("run", "--nodes", "2", "--threads", "-1", "--", hello()))
                .isEqualTo(2);
        assertThat(err.text()).contains("--threads must be from 1 to 4096 per node, not -1");
    }

    @Test
    void shouldRefuseANodeCountThatIsNotANumber() {
        assertThat(meld("run", "--nodes", "three", "--", hello())).isEqualTo(2);
        assertThat(err.text()).contains("'three'").contains("--nodes");
    }

    @Test
    void shouldRefuseARunWithoutNodes() {
        assertThat(meld("run", "--", hello())).isEqualTo(2);
        assertThat(err.text()).contains("--nodes");
    }

    @Test
    void shouldRefuseARunWithoutMainClass() {
        assertThat(meld("run", "--nodes", "2")).isEqualTo(2);
        assertThat(err.text()).contains("missing MAIN_CLASS").contains("Usage: meld run");
    }

    @Test
    void shouldRefuseAMainClassThatIsNotOnTheClassPath() {
        assertThat(meld("run", "--nodes", "2", "--classpath", "target/test-classes", "--", "com.example.NoSuchMain"))
                .isEqualTo(2);
        assertThat(err.text())
                .contains(
                        "main class 'com.example.NoSuchMain' is not on the class path --classpath target/test-classes");
    }

    @Test
    void shouldRefuseAJvmOptionThatOverridesTheLauncher() {
        assertThat(meld("run", "--nodes", "2", "--jvm-opt=-Dmeld.rank=1", "--", hello()))
                .isEqualTo(2);
        assertThat(err.text()).contains("-Dmeld.rank=1").contains("set by the launcher");
    }

    @Test
    void shouldRefuseAMissingOrUnknownCommand() {
        assertThat(meld()).isEqualTo(2);
        assertThat(err.text()).contains("missing command: choose one of [run, demo, bench, example, version, help]");
        assertThat(meld("launch")).isEqualTo(2);
        assertThat(err.text()).contains("'launch'");
    }

    @Test
    void shouldWarnAboutAClassPathEntryThatDoesNotExistAndRunAnyway() {
        assertThat(meld("run", "--nodes", "1", "--classpath", "no/such/dir:also-missing.jar", "--", hello()))
                .as("stderr:\n%s", err.text())
                .isZero();
        assertThat(err.lines())
                .contains(
                        "[meld] warning: class path entry 'no/such/dir' (--classpath) does not exist",
                        "[meld] warning: class path entry 'also-missing.jar' (--classpath) does not exist");
        assertThat(out.lines()).contains("[0] MELD_SIZE=1");
    }

    @Test
    void shouldPassEverythingAfterTheMainClassToTheProgram() {
        assertThat(meld("run", "--nodes", "1", hello(), "--nodes", "5", "@file", "--help"))
                .as("stderr:\n%s", err.text())
                .isZero();
        assertThat(out.lines()).contains("[0] args=[--nodes, 5, @file, --help]");
    }

    @Test
    void shouldPrintTheVersionAndTheJava() {
        assertThat(meld("version")).isZero();
        List<String> lines = out.lines();
        assertThat(lines.get(0)).matches("meld \\d+\\.\\d+\\.\\d+.*");
        assertThat(lines.get(1)).startsWith("java " + Runtime.version());
    }

    @Test
    void shouldPrintHelpForEveryCommand() {
        assertThat(meld("--help")).isZero();
        assertThat(out.text()).contains("run", "demo", "version");
        assertThat(meld("run", "--help")).isZero();
        assertThat(out.text()).contains("--nodes=N", "--threads=T", "--classpath=CP", "--jvm-opt=OPT", "MAIN_CLASS");
    }
}
