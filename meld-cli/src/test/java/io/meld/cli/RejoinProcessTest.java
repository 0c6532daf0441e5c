package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.testing.RealComponents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of a running three-process cluster is killed and started again with the same rank, cluster and
 * port, as a scheduler restarts a failed node (a Kubernetes StatefulSet does). Meld lets no node into a
 * running cluster: the new process fails at once with a {@code ClusterFormationException} that says so,
 * instead of taking the running nodes for a newly formed cluster and waiting on a data path nobody opens
 * to it. The two survivors never notice it: they go on updating each other's elements, and every update
 * arrives exactly once.
 */
@Tag(RealComponents.TAG)
@Timeout(120)
class RejoinProcessTest {
    @TempDir
    Path dir;

    /** The highest rank: it would wait for the survivors to open its connections. */
    @Test
    void shouldTurnAwayTheLastNodeStartedAgainAfterItFailed() throws Exception {
        rejoin(2);
    }

    /** Rank 0, the first coordinator: it would open connections to the survivors itself. */
    @Test
    void shouldTurnAwayNodeZeroStartedAgainAfterItFailed() throws Exception {
        rejoin(0);
    }

    private void rejoin(int victim) throws Exception {
        Path stop = dir.resolve("stop");
        try (NodeProcesses nodes = new NodeProcesses(
                3, TestPrograms.Rejoin.class, List.of(Integer.toString(victim), stop.toString()), Map.of())) {
            nodes.out.awaitLines(3, l -> l.matches("\\[\\d] READY \\d"), Duration.ofSeconds(60));
            nodes.process(victim).destroyForcibly().waitFor();
            nodes.out.awaitLines(2, l -> l.contains("FAILED node=" + victim), Duration.ofSeconds(30));

            Process again = nodes.restart(victim);
            assertThat(again.waitFor(60, TimeUnit.SECONDS))
                    .as("the node started again ended:%n%s", nodes.out.text())
                    .isTrue();
            String prefix = "[" + victim + "'] ";
            List<String> its =
                    nodes.out.lines().stream().filter(l -> l.startsWith(prefix)).toList();
            its.stream().filter(l -> !l.contains("\tat ")).forEach(System.out::println);
            assertThat(again.exitValue()).as("its exit status:%n%s", its).isNotZero();
            assertThat(its)
                    .as("what it printed")
                    .anySatisfy(l -> assertThat(l)
                            .contains("ClusterFormationException", "node " + victim + " (")
                            .contains("cannot join cluster 'meld-test-", "and is running")
                            .contains("Meld lets no node into a running cluster"))
                    .noneMatch(l -> l.contains("READY"));

            Files.createFile(stop);
            // A survivor whose elements did not get exactly the other's adds exits with status 1.
            nodes.assertSurvivorsEnded(victim);
        }
    }
}
