package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.cluster.ClusterSettings;
import io.meld.config.MeldConfig;
import io.meld.testing.RealComponents;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node of a running three-process cluster dies ({@code kill -9}) or freezes ({@code SIGSTOP}, so its
 * connections stay open and only the heartbeats can tell): every other node reports it within five times
 * the configured detection time, in every wait a program can be in (a blocking get, a fence, a flood of
 * adds on a full link, a barrier), each failing with {@code NodeFailedException} naming the node; and then
 * closes without waiting for it. Detection times are printed (the test's output file).
 */
@Tag(RealComponents.TAG)
@Timeout(120)
class NodeFailureProcessTest {
    private static final Duration INTERVAL = Duration.ofMillis(500);
    private static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SUSPECT_TIMEOUT = Duration.ofSeconds(1);
    private static final List<String> WAITS = List.of("get", "fence", "flood", "barrier");
    private static final Pattern FAILED =
            Pattern.compile("\\[(\\d+)] FAILED op=(\\w+) at=(\\d+) type=(\\w+) node=(-?\\d+) message=(.*)");

    /** Short detection; every other timeout long, so that only failure detection can end a wait. */
    private static final Map<String, String> SETTINGS = Map.of(
            ClusterSettings.HEARTBEAT_INTERVAL.envName(),
            "500ms",
            ClusterSettings.FAILURE_TIMEOUT.envName(),
            "2s",
            ClusterSettings.SUSPECT_TIMEOUT.envName(),
            "1s",
            "MELD_MEMORY_TIMEOUT",
            "10m",
            "MELD_SHUTDOWN_TIMEOUT",
            "10m",
            "MELD_TRANSPORT_SEND_BUFFER",
            "64KiB",
            "MELD_TRANSPORT_IO_THREADS",
            "1");

    private static final Duration DETECTION = ClusterSettings.detectionTime(MeldConfig.defaults()
            .with(ClusterSettings.HEARTBEAT_INTERVAL, INTERVAL)
            .with(ClusterSettings.FAILURE_TIMEOUT, FAILURE_TIMEOUT)
            .with(ClusterSettings.SUSPECT_TIMEOUT, SUSPECT_TIMEOUT));
    private static final Duration BOUND = DETECTION.multipliedBy(5);

    @Test
    void shouldReportANodeKilledWithSigkillToEveryOtherNodeInEveryWait() throws Exception {
        run(2, "kill -9", nodes -> nodes.process(2).destroyForcibly());
    }

    @Test
    void shouldReportAFrozenNodeThroughTheViewInEveryWait() throws Exception {
        run(1, "SIGSTOP", nodes -> signal("STOP", nodes.process(1)));
    }

    @Test
    void shouldReportAFrozenCoordinatorThroughTheViewInEveryWait() throws Exception {
        run(0, "SIGSTOP of the coordinator", nodes -> signal("STOP", nodes.process(0)));
    }

    /**
     * A frozen node woken up after the others counted it as failed and went on must not go on as well: it
     * reads its peers' notice (its kernel kept it while the process was stopped) and fails, with the fail-stop
     * status, while the others finish their work without it.
     */
    @Test
    void shouldTurnAwayAFrozenNodeThatWakesUpWhileTheOthersGoOn() throws Exception {
        int victim = 2;
        try (NodeProcesses nodes =
                new NodeProcesses(3, TestPrograms.LeftBehindProbe.class, List.of(Integer.toString(victim)), SETTINGS)) {
            try {
                nodes.out.awaitLines(3, l -> l.matches("\\[\\d] READY \\d"), Duration.ofSeconds(60));
                Thread.sleep(300); // every node is in the barrier
                signal("STOP", nodes.process(victim));
                nodes.out.awaitLines(2, l -> l.endsWith("DETECTED node=" + victim), BOUND);
                signal("CONT", nodes.process(victim));

                Process woken = nodes.process(victim);
                assertThat(woken.waitFor(30, TimeUnit.SECONDS))
                        .as("the woken node ended:%n%s", nodes.out.text())
                        .isTrue();
                assertThat(woken.exitValue())
                        .as("the woken node's exit status (the fail-stop's):%n%s", nodes.out.text())
                        .isEqualTo(70);
                assertThat(nodes.out.lines())
                        .as("the woken node says why")
                        .anyMatch(l -> l.startsWith("[" + victim + "]") && l.contains("turned away"))
                        .noneMatch(l -> l.contains("VICTIM WENT ON"));
                nodes.assertSurvivorsEnded(victim);
                assertThat(nodes.out.lines())
                        .as("the others went on without it, and read right")
                        .filteredOn(l -> l.endsWith("WENT ON wrong=0"))
                        .hasSize(2);
            } finally {
                signal("CONT", nodes.process(victim));
            }
        }
    }

    private interface Fault {
        void inflict(NodeProcesses nodes) throws Exception;
    }

    private static void run(int victim, String fault, Fault inflict) throws Exception {
        try (NodeProcesses nodes =
                new NodeProcesses(3, TestPrograms.FailureProbe.class, List.of(Integer.toString(victim)), SETTINGS)) {
            try {
                nodes.out.awaitLines(3, l -> l.matches("\\[\\d] READY \\d"), Duration.ofSeconds(60));
                Thread.sleep(500); // the survivors' waits are under way, the flood fills the link

                long inflictedAt = System.currentTimeMillis();
                inflict.inflict(nodes);

                nodes.out.awaitLines(2 * WAITS.size(), l -> l.contains(" FAILED ") || l.contains(" RETURNED "), BOUND);
                nodes.out.awaitLines(2, l -> l.contains(" CLOSED ms="), Duration.ofSeconds(30));
                List<Long> latencies = new ArrayList<>();
                for (String line : nodes.out.lines()) {
                    Matcher m = FAILED.matcher(line);
                    if (m.matches()) {
                        assertThat(m.group(4)).as(line).isEqualTo("NodeFailedException");
                        assertThat(Integer.parseInt(m.group(5))).as(line).isEqualTo(victim);
                        assertThat(m.group(6)).as(line).contains("node " + victim);
                        latencies.add(Long.parseLong(m.group(3)) - inflictedAt);
                    }
                }
                assertThat(nodes.out.lines())
                        .as("every wait of both survivors failed:%n%s", nodes.out.text())
                        .filteredOn(l -> l.contains(" FAILED op="))
                        .hasSize(2 * WAITS.size());
                long first = latencies.stream().mapToLong(Long::longValue).min().orElseThrow();
                long last = latencies.stream().mapToLong(Long::longValue).max().orElseThrow();
                System.out.printf(
                        "%s of node %d: first wait failed after %d ms, every wait after %d ms (detection time %d ms,"
                                + " bound %d ms); closing took %s%n",
                        fault,
                        victim,
                        first,
                        last,
                        DETECTION.toMillis(),
                        BOUND.toMillis(),
                        nodes.out.lines().stream()
                                .filter(l -> l.contains(" CLOSED ms="))
                                .map(l -> l.substring(l.indexOf("ms=") + 3) + " ms")
                                .toList());
                assertThat(last)
                        .as("ms from the fault to the last wait failing")
                        .isLessThan(BOUND.toMillis());
                nodes.assertSurvivorsEnded(victim);
            } finally {
                signal("CONT", nodes.process(victim)); // a frozen process is killed either way; woken, it goes at once
            }
        }
    }

    /** Sends a signal through the shell's kill, which every Linux has; Java sends only TERM and KILL. */
    private static void signal(String name, Process p) throws IOException, InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -" + name + " " + p.pid())
                .redirectErrorStream(true)
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS))
                .as("kill -%s finished", name)
                .isTrue();
        assertThat(kill.exitValue())
                .as(
                        "kill -%s %d: %s",
                        name, p.pid(), new String(kill.getInputStream().readAllBytes()))
                .isZero();
    }
}
