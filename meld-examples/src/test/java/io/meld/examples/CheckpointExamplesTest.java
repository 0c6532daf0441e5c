package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Meld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --checkpoint DIR --every K} and {@code --restore DIR}: a run stopped early and restored, on the
 * same or another number of nodes, ends with the answer of a run that was never stopped.
 */
@Timeout(180)
class CheckpointExamplesTest {
    private static List<ExampleResult> run(Example example, int nodes, String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(nodes, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }

    private static String figure(ExampleResult r, String name) {
        Matcher m = Pattern.compile(name + "=(\\S+)").matcher(r.text());
        assertThat(m.find()).as(r.text()).isTrue();
        return m.group(1);
    }

    @Test
    void shouldResumeHeatToTheAnswerOfARunThatWasNeverStopped(@TempDir Path dir) throws Exception {
        Heat heat = new Heat();
        Path checkpoints = dir.resolve("heat");
        List<ExampleResult> stopped = run(
                heat,
                2,
                "--n",
                "24",
                "--steps",
                "30",
                "--warmup",
                "0",
                "--checkpoint",
                checkpoints.toString(),
                "--every",
                "10");
        assertThat(stopped).allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        try (Stream<Path> kept = Files.list(checkpoints)) {
            // Each checkpoint replaced the one before once it was complete.
            assertThat(kept.map(p -> p.getFileName().toString())).containsExactly("step-000000030");
        }
        List<ExampleResult> whole = run(heat, 2, "--n", "24", "--steps", "50", "--warmup", "0");
        for (int nodes : new int[] {2, 3}) {
            List<ExampleResult> resumed = run(
                    heat, nodes, "--n", "24", "--steps", "50", "--warmup", "0", "--restore", checkpoints.toString());
            assertThat(resumed).allSatisfy(r -> {
                assertThat(r.ok()).as(r.text()).isTrue(); // its own check: the shared-memory plate of 50 steps
                assertThat(figure(r, "heat")).isEqualTo(figure(whole.get(0), "heat"));
            });
        }
    }

    @Test
    void shouldResumePageRankToTheSameRanks(@TempDir Path dir) throws Exception {
        PageRank pagerank = new PageRank();
        Path checkpoints = dir.resolve("pagerank");
        String[] graph = {"--scale", "9", "--edge-factor", "8"};
        Path wholeRanks = dir.resolve("whole.tsv");
        List<ExampleResult> whole = run(pagerank, 2, concat(graph, "--out", wholeRanks.toString()));
        assertThat(whole.get(0).ok()).as(whole.get(0).text()).isTrue();
        // Stopped after 10 iterations, before converging: its result is a FAIL, with checkpoints left.
        List<ExampleResult> stopped = run(
                pagerank,
                2,
                concat(graph, "--max-iterations", "10", "--checkpoint", checkpoints.toString(), "--every", "4"));
        assertThat(stopped.get(0).text()).startsWith("did not converge in 10 iterations");
        assertThat(Checkpointing.latest(checkpoints).getFileName()).hasToString("step-000000010");
        Path resumedRanks = dir.resolve("resumed.tsv");
        List<ExampleResult> resumed =
                run(pagerank, 2, concat(graph, "--restore", checkpoints.toString(), "--out", resumedRanks.toString()));
        assertThat(resumed.get(0).ok()).as(resumed.get(0).text()).isTrue();
        assertThat(figure(resumed.get(0), "iterations")).isEqualTo(figure(whole.get(0), "iterations"));
        assertThat(resumedRanks).hasSameBinaryContentAs(wholeRanks); // bit for bit, on the same cluster
        // On 3 nodes the sums go in another order: the same fixed point, to the tolerance.
        List<ExampleResult> onThree = run(pagerank, 3, concat(graph, "--restore", checkpoints.toString()));
        assertThat(onThree).allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
    }

    @Test
    void shouldRefuseEveryWithoutCheckpoint() {
        assertThatThrownBy(() -> new Heat().check(ExampleMain.options(new Heat(), "--every", "5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--every 5 needs --checkpoint DIR");
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
