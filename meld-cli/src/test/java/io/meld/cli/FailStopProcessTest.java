package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.testing.RealComponents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A launched node whose flusher dies of an {@link OutOfMemoryError} stops its process with status 70,
 * saying which thread died of what, and the other nodes' barrier ends with a {@code NodeFailedException}
 * naming it; they then close and exit normally. Without fail-stop the node would live on without its
 * flusher, and the others would wait for it.
 */
@Tag(RealComponents.TAG)
@Timeout(120)
class FailStopProcessTest {
    @Test
    void shouldStopTheProcessOfANodeWhoseThreadDiedAndTellTheOthers() throws Exception {
        int victim = 1;
        try (NodeProcesses nodes =
                new NodeProcesses(3, TestPrograms.DyingThread.class, List.of(Integer.toString(victim)), Map.of())) {
            nodes.out.awaitLines(3, l -> l.matches("\\[\\d] READY \\d"), Duration.ofSeconds(60));
            Process dying = nodes.process(victim);
            assertThat(dying.waitFor(30, TimeUnit.SECONDS))
                    .as("the node whose thread died ended:%n%s", nodes.out.text())
                    .isTrue();
            assertThat(dying.exitValue())
                    .as("its exit status:%n%s", nodes.out.text())
                    .isEqualTo(70);
            assertThat(nodes.out.lines())
                    .anySatisfy(l -> assertThat(l)
                            .startsWith("[" + victim + "]")
                            .contains("node " + victim + " failed: its thread meld-flusher-" + victim
                                    + " died of java.lang.OutOfMemoryError: injected by the test"));
            nodes.out.awaitLines(2, l -> l.endsWith("FAILED node=" + victim), Duration.ofSeconds(30));
            nodes.assertSurvivorsEnded(victim);
            // For docs/reliability.md: how long the others took to learn of the failure (not asserted).
            long injected = micros(nodes.out.lines(), "INJECTED");
            for (String l : nodes.out.lines()) {
                if (l.contains(" SEEN at_us=")) {
                    System.out.printf(
                            "%s saw the failure %.1f ms after the error%n",
                            l.substring(0, 3), (micros(List.of(l), "SEEN") - injected) / 1000.0);
                }
            }
        }
    }

    private static long micros(List<String> lines, String what) {
        return lines.stream()
                .filter(l -> l.contains(" " + what + " at_us="))
                .map(l -> Long.parseLong(
                        l.substring(l.indexOf("at_us=") + "at_us=".length()).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + what + " line in " + lines));
    }
}
