package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Global memory on three JVM processes, started by the launcher: every check of the program passes. */
@Tag("slow")
class GlobalMemoryProcessTest {
    @Test
    void shouldPassEveryMemoryCheckOnThreeProcesses() throws InterruptedException {
        try (LaunchedCluster cluster = new LaunchedCluster(TestPrograms.GlobalMemory.class, 3, 2)) {
            int status = cluster.launcher.run();

            assertThat(status).as(cluster.output()).isZero();
            for (int r = 0; r < 3; r++) {
                assertThat(cluster.out.lines()).contains("[" + r + "] node " + r + ": memory checks passed");
            }
        }
    }
}
