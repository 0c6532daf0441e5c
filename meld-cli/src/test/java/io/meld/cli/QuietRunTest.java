package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A normal run prints the program's output and nothing else: no JDK warnings about the flags, no INFO
 * from Meld or JGroups, no WARN or ERROR from nodes shutting down, on the launcher's nodes and in a
 * program that runs {@code Meld.local} clusters. The nodes log at INFO with JGroups' loggers at their
 * default, as a user's program does (this module's test logging config silences JGroups; the options
 * below undo that).
 */
class QuietRunTest {
    /** slf4j-simple's system properties win over the test's simplelogger.properties. */
    private static final List<String> DEFAULT_LOGGING = List.of(
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            "-Dorg.slf4j.simpleLogger.log.org.jgroups=info",
            "-Dorg.slf4j.simpleLogger.log.org.jgroups.protocols.TCP=info");

    private final Capture out = new Capture();
    private final Capture err = new Capture();

    private int run(Class<?> program, int nodes, String... args) throws InterruptedException {
        List<String> options = new ArrayList<>(TestPrograms.NODE_JVM_OPTIONS);
        options.addAll(DEFAULT_LOGGING);
        return LocalLauncher.builder(program.getName())
                .nodes(nodes)
                .jvmOptions(options)
                .args(List.of(args))
                .out(out)
                .err(err)
                .build()
                .run();
    }

    @Test
    @Timeout(180)
    void shouldPrintOnlyTheProgramsOutputOnAClusterOfThreeJvms() throws Exception {
        assertThat(run(TestPrograms.Collectives.class, 3))
                .as("exit status; stderr:\n%s", err.text())
                .isZero();

        assertThat(err.lines()).as("stderr").isEmpty();
        assertThat(out.lines()).hasSize(6).allMatch(line -> line.matches("\\[[012]] rank [012] .*"));
    }

    @Test
    @Timeout(180)
    void shouldShutDownLocalClustersWithoutAWord() throws Exception {
        assertThat(run(TestPrograms.LocalClusters.class, 1, "10"))
                .as("exit status; stderr:\n%s", err.text())
                .isZero();

        assertThat(err.lines()).as("stderr").isEmpty();
        assertThat(out.lines()).hasSize(10).allMatch(line -> line.matches("\\[0] cluster \\d ok"));
    }
}
