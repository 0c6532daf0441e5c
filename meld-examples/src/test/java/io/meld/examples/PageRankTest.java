package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PageRankTest {
    private final Example example = new PageRank();

    @TempDir
    Path dir;

    @Test
    void shouldMatchTheSequentialReferenceWithGapsDuplicatesAndDanglingVertices() throws IOException {
        // ids 3, 7, 100, 101, 5000 (gaps); 3->7 twice (a duplicate counts twice); 5000 and 101 dangle.
        assertMatchesReference("# a comment\n3\t7\n3 7\n7\t100\n100\t3\n100 101\n3   5000\n", 3, 5);
        // a self-loop, one vertex only reached, a pair apart from the rest
        assertMatchesReference("1 1\n1 2\n2 3\n3 1\n4 2\n8 9\n9 8\n", 1, 6);
        // a star into one dangling sink
        assertMatchesReference("10 0\n11 0\n12 0\n13 0\n", 0, 5);
    }

    @Test
    void shouldMatchTheReferenceOnAnRmatGraphWhateverTheNodes() throws IOException {
        Path out2 = dir.resolve("two.txt");
        Path out3 = dir.resolve("three.txt");
        assertThat(run(2, "--scale", "8", "--edge-factor", "4", "--tolerance", "1e-12", "--out", out2.toString()))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        Meld.localResults(
                3,
                meld -> ExampleMain.runChecked(
                        example,
                        meld,
                        ExampleMain.options(
                                example,
                                "--scale",
                                "8",
                                "--edge-factor",
                                "4",
                                "--tolerance",
                                "1e-12",
                                "--out",
                                out3.toString()),
                        Example.Log.NONE));
        double[] reference = PageRank.reference(Graph.rmat(8, 4, 1, 1), 1e-14);
        assertThat(ranks(out2)).containsExactly(reference, within(1e-10));
        assertThat(ranks(out3)).containsExactly(reference, within(1e-10));
    }

    @Test
    void shouldGiveTheSameRanksWithSeveralThreadsPerNode() throws IOException {
        Path out = dir.resolve("threads.txt");
        ExampleOptions options = ExampleMain.options(
                example, "--scale", "8", "--edge-factor", "4", "--tolerance", "1e-12", "--out", out.toString());
        List<ExampleResult> results = Meld.localResults(
                2,
                MeldConfig.defaults().with("meld.threads", "3"),
                meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
        assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        assertThat(ranks(out)).containsExactly(PageRank.reference(Graph.rmat(8, 4, 1, 1), 1e-14), within(1e-10));
    }

    @Test
    void shouldReportACorruptedRankAsFail() {
        List<ExampleResult> results = run(2, "--scale", "7", "--edge-factor", "4", "--corrupt");
        assertThat(results.get(0).ok()).isFalse();
        assertThat(results.get(0).text()).startsWith("one more sequential iteration moves the ranks by");
        assertThat(results.get(1).ok()).isFalse();
    }

    @Test
    void shouldRefuseAMissingFileAndAFileWithRmatOptions() {
        assertThatThrownBy(() -> ExampleMain.options(
                        example, "--graph", dir.resolve("none.txt").toString()))
                .hasMessageContaining("none.txt: no such readable file");
        assertThatThrownBy(() -> ExampleMain.options(example, "--graph", dir.toString(), "--scale", "3"))
                .hasMessageContaining("exclude each other");
    }

    private void assertMatchesReference(String edges, long someId, int vertices) throws IOException {
        Path graph = Files.writeString(dir.resolve("g.txt"), edges);
        Path out = dir.resolve("ranks.txt");
        assertThat(run(2, "--graph", graph.toString(), "--tolerance", "1e-13", "--out", out.toString()))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(vertices);
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(someId + "\t"));
        List<Long> ids =
                lines.stream().map(l -> Long.parseLong(l.split("\t")[0])).toList();
        assertThat(ids).isSorted();
        double[] reference = PageRank.reference(Graph.read(graph), 1e-15);
        assertThat(ranks(out)).containsExactly(reference, within(1e-11));
    }

    private static double[] ranks(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .mapToDouble(l -> Double.parseDouble(l.split("\t")[1]))
                .toArray();
    }

    private List<ExampleResult> run(int nodes, String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(nodes, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }
}
