package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class HeatTest {
    private final Example example = new Heat();

    @Test
    void shouldMatchANaiveJacobiOnTwoDimensionalArrays() throws Exception {
        int n = 7;
        int steps = 13;
        double[][] u = new double[n + 2][n + 2];
        for (int c = 1; c <= n; c++) {
            u[0][c] = Heat.HOT;
        }
        for (int s = 0; s < steps; s++) {
            double[][] v = new double[n + 2][n + 2];
            v[0] = u[0].clone();
            for (int r = 1; r <= n; r++) {
                for (int c = 1; c <= n; c++) {
                    v[r][c] = (u[r - 1][c] + u[r + 1][c] + u[r][c - 1] + u[r][c + 1]) / 4;
                }
            }
            u = v;
        }
        for (int threads : new int[] {1, 3}) {
            double[] grid = Heat.sharedMemory(n, steps, threads);
            for (int r = 1; r <= n; r++) {
                for (int c = 1; c <= n; c++) {
                    assertThat(grid[r * (n + 2) + c]).isCloseTo(u[r][c], org.assertj.core.data.Offset.offset(1e-15));
                }
            }
        }
    }

    @Test
    void shouldAgreeThreeWaysOnTwoNodes() {
        List<ExampleResult> results = run("--n", "24", "--steps", "30");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.ok()).as(r.text()).isTrue();
            assertThat(r.text())
                    .contains("n=24 steps=30", "shared-memory=", "global-arrays=", "message-passing=", "nodes=2");
        });
    }

    @Test
    void shouldAgreeWithSeveralThreadsPerNode() {
        ExampleOptions options = ExampleMain.options(example, "--n", "30", "--steps", "25");
        assertThat(Meld.localResults(
                        2,
                        MeldConfig.defaults().with("meld.threads", "3"),
                        meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE)))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
    }

    @Test
    void shouldHandleRowsThatDoNotDivideAmongTheNodes() {
        assertThat(Meld.localResults(
                        3,
                        meld -> ExampleMain.runChecked(
                                example,
                                meld,
                                ExampleMain.options(example, "--n", "4", "--steps", "5"),
                                Example.Log.NONE)))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
    }

    @Test
    void shouldReportACorruptedPointAsFail() {
        List<ExampleResult> results = run("--n", "24", "--steps", "30", "--corrupt");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.ok()).isFalse();
            assertThat(r.text()).startsWith("global arrays differs from shared memory by 1.00e-06");
        });
    }

    private List<ExampleResult> run(String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(2, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }
}
