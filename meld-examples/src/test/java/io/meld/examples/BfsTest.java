package io.meld.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Meld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class BfsTest {
    private final Example example = new Bfs();

    @TempDir
    Path dir;

    @Test
    void shouldFindAValidTreeOnAFileWithGapsAndTwoComponents() throws IOException {
        // 10-20-30 a path (directed edges, searched as undirected), 40 reaches 20, 77-88 apart, a self-loop
        Path graph = Files.writeString(dir.resolve("g.txt"), "20 10\n20 30\n40 20\n77 88\n30 30\n");
        Path out = dir.resolve("parents.txt");

        List<ExampleResult> results = run(2, "--graph", graph.toString(), "--root", "10", "--out", out.toString());

        assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
        assertThat(Files.readAllLines(out)).containsExactly("10\t10", "20\t10", "30\t20", "40\t20", "77\t-1", "88\t-1");
        assertThat(results.get(0).text()).contains("reached=4", "levels=2");
    }

    @Test
    void shouldFindAValidTreeOnAnRmatGraphOnThreeNodes() {
        assertThat(Meld.localResults(
                        3,
                        meld -> ExampleMain.runChecked(
                                example,
                                meld,
                                ExampleMain.options(example, "--scale", "9", "--edge-factor", "8"),
                                Example.Log.NONE)))
                .allSatisfy(r -> assertThat(r.ok()).as(r.text()).isTrue());
    }

    @Test
    void shouldCatchTreesThatBreakGraph500sRules() {
        // 0-1, 1-2, 0-2 (a triangle), 3 alone
        Graph g = new Graph(4, new int[] {0, 1, 0}, new int[] {1, 2, 2});
        assertThat(Bfs.validate(g, 0, new long[] {0, 0, 0, -1})).isNull();
        assertThat(Bfs.validate(g, 0, new long[] {0, 0, 1, -1})).contains("joins levels 0 and 2");
        assertThat(Bfs.validate(g, 0, new long[] {1, 0, 0, -1})).contains("root 0 is not its own parent");
        assertThat(Bfs.validate(g, 0, new long[] {0, 2, 1, -1})).contains("does not reach the root");
        assertThat(Bfs.validate(g, 0, new long[] {0, 0, -1, -1})).contains("reached and an unreached");
        assertThat(Bfs.validate(g, 0, new long[] {0, 0, 0, 0})).contains("vertex 3 and its parent 0 share no edge");
    }

    @Test
    void shouldReportACorruptedParentAsFail() {
        List<ExampleResult> results = run(2, "--scale", "7", "--edge-factor", "4", "--corrupt");
        assertThat(results).allSatisfy(r -> assertThat(r.ok()).isFalse());
        assertThat(results.get(0).text()).contains("does not reach the root");
    }

    @Test
    void shouldFailForARootThatIsNotAVertex() throws IOException {
        Path graph = Files.writeString(dir.resolve("g.txt"), "1 2\n");
        assertThat(run(2, "--graph", graph.toString(), "--root", "5"))
                .allSatisfy(r -> assertThat(r.text()).startsWith("--root 5 is not a vertex of the graph"));
    }

    private List<ExampleResult> run(int nodes, String... args) {
        ExampleOptions options = ExampleMain.options(example, args);
        return Meld.localResults(nodes, meld -> ExampleMain.runChecked(example, meld, options, Example.Log.NONE));
    }
}
