package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Global memory on three JVM processes, started by the launcher: every check of the program passes. */
@Tag("slow")
class GlobalMemoryProcessTest {
    private final Capture out = new Capture();
    private final Capture err = new Capture();
    private LocalLauncher launcher;

    @AfterEach
    void stopEverything() {
        if (launcher != null) {
            Reaper reaper = new Reaper();
            reaper.trackAll(launcher.children());
            reaper.killAll();
        }
    }

    @Test
    void shouldPassEveryMemoryCheckOnThreeProcesses() throws InterruptedException {
        launcher = LocalLauncher.builder(TestPrograms.GlobalMemory.class.getName())
                .nodes(3)
                .threads(2)
                .jvmOptions(TestPrograms.NODE_JVM_OPTIONS)
                .out(out)
                .err(err)
                .build();

        int status = launcher.run();

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isZero();
        for (int r = 0; r < 3; r++) {
            assertThat(out.lines()).contains("[" + r + "] node " + r + ": memory checks passed");
        }
    }
}
