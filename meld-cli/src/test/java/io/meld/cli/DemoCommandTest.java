package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code meld demo}: the collectives check, heat three ways, PageRank and a short random-increment
 * comparison, every result checked.
 */
@Tag("slow")
class DemoCommandTest {
    @Test
    void shouldPassEveryCheckOnEveryNode() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = MeldCli.execute(
                new String[] {"demo", "--seconds", "1", "--table-log2", "16", "--quick"},
                out.printStream(),
                err.printStream());

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isZero();
        assertThat(out.lines())
                .contains("[0] every check passed on every node", "demo passed: every check on every node");
        for (int r = 0; r < DemoCommand.DEFAULT_NODES; r++) {
            assertThat(out.lines()).contains("[" + r + "] node " + r + ": all 6 checks passed");
        }
        assertThat(out.lines())
                .anySatisfy(l -> assertThat(l).startsWith("  RESULT heat OK n=64 steps=20"))
                .anySatisfy(l -> assertThat(l).startsWith("  RESULT pagerank OK rmat=2^8"))
                .anySatisfy(l -> assertThat(l).startsWith("[0]   shared memory"))
                .anySatisfy(l -> assertThat(l).startsWith("[0]   global arrays"));
        assertThat(out.text())
                .containsPattern("Meld, 2 JVMs x 1 thread, add\\(indices\\) +[0-9.]+ M updates/s +verified")
                .containsPattern("Meld, 2 JVMs x 1 thread, one add each +[0-9.]+ M updates/s +verified")
                .containsPattern("shared memory, 1 JVM x 2 threads +[0-9.]+ M updates/s +verified")
                .containsPattern("ratio Meld / shared memory +[0-9.]+");
    }
}
