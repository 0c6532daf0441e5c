package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Remote tasks on JVM processes: a node that gets SIGINT (a user's Ctrl-C, a scheduler's interrupt) while
 * it runs another node's task fails that node's waiting {@code finish} with a clear exception naming it.
 * (That the launcher then stops the other nodes and passes on the signal's status is {@link
 * LauncherProcessTest}'s subject.)
 */
@Tag("slow")
class TaskProcessTest {
    private static final Duration READY = Duration.ofSeconds(60);

    @Test
    void shouldFailAWaitingFinishWhenTheNodeRunningItsTaskGetsSigint() throws Exception {
        try (LaunchedCluster cluster = new LaunchedCluster(TestPrograms.TaskVictim.class, 2, 1)) {
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
                try {
                    return cluster.launcher.run();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            cluster.out.awaitLines(1, "[1] task running"::equals, READY);
            ProcessHandle victim = cluster.launcher.children().get(1); // by rank

            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(victim.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

            int exit = status.get(60, TimeUnit.SECONDS);
            assertThat(cluster.out.lines())
                    .as(cluster.output())
                    .anyMatch(line -> line.startsWith("[0] finish failed on node 1: ") && line.contains("node 1"));
            assertThat(cluster.out.lines()).doesNotContain("[0] finish returned");
            assertThat(exit)
                    .as("node 0 closed normally; node 1 reported 0 on purpose")
                    .isZero();
        }
    }
}
