package io.meld.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meld.examples.Graph;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageRankKernelTest {
    /** The textbook iteration, edge by edge, with dangling rank spread over all vertices. */
    private static double[] reference(Graph g, int iterations) {
        int n = g.vertices();
        int[] degree = g.outDegrees();
        double[] rank = new double[n];
        java.util.Arrays.fill(rank, 1.0 / n);
        for (int it = 0; it < iterations; it++) {
            double dangling = 0;
            for (int v = 0; v < n; v++) {
                dangling += degree[v] == 0 ? rank[v] : 0;
            }
            double[] next = new double[n];
            java.util.Arrays.fill(next, (1 - 0.85) / n + 0.85 * dangling / n);
            for (int e = 0; e < g.edges(); e++) {
                next[g.dst()[e]] += 0.85 * rank[g.src()[e]] / degree[g.src()[e]];
            }
            rank = next;
        }
        return rank;
    }

    /** The kernel as both benchmarks drive it, over {@code parts} ranges of vertices. */
    private static double[] kernel(Graph g, int iterations, int parts) {
        int n = g.vertices();
        Graph.InEdges in = g.inEdges(0, n);
        int[] degree = g.outDegrees();
        int[] bounds = in.split(parts);
        double[] rank = new double[n];
        double[][] contrib = {new double[n], new double[n]};
        double dangling = PageRankKernel.start(n, 0, n, degree, rank, contrib[0]);
        for (int it = 0; it < iterations; it++) {
            double base = PageRankKernel.base(n, dangling);
            dangling = 0;
            for (int p = 0; p < parts; p++) {
                dangling += PageRankKernel.iterate(
                        in, bounds[p], bounds[p + 1], degree, contrib[it & 1], base, rank, contrib[(it + 1) & 1]);
            }
        }
        return rank;
    }

    @Test
    void shouldAgreeWithTheTextbookIterationOnAGraphWithDanglingVerticesAndDuplicates() {
        // 0 -> 1 twice, 1 -> 2, 2 -> 0, 2 -> 3; 3 and 4 have no out-edges; 4 has no edge at all.
        Graph g = new Graph(5, new int[] {0, 0, 1, 2, 2}, new int[] {1, 1, 2, 0, 3});

        double[] expected = reference(g, 30);
        double[] actual = kernel(g, 30, 2);

        for (int v = 0; v < 5; v++) {
            assertThat(actual[v]).isCloseTo(expected[v], within(1e-15));
        }
        assertThat(PageRankKernel.sum(actual)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void shouldNotDependOnHowTheVerticesAreSplit() {
        Graph g = Graph.rmat(9, 8, 5, 1);

        double[] one = kernel(g, 10, 1);
        double[] four = kernel(g, 10, 4);
        double[] expected = reference(g, 10);

        double l1 = 0;
        for (int v = 0; v < one.length; v++) {
            assertThat(four[v]).isCloseTo(one[v], within(1e-15));
            l1 += Math.abs(one[v] - expected[v]);
        }
        assertThat(l1).isLessThan(1e-12);
    }

    @Test
    void shouldGiveTheSameRanksWhenTheNearAndFarEdgesAreSummedApart() {
        Graph g = Graph.rmat(9, 8, 7, 1);
        int n = g.vertices();
        int lo = n / 4;
        int hi = n / 2;
        Graph.InEdges in = g.inEdges(lo, hi);
        Graph.InEdges[] parts = PageRank.bySource(in, n / 3, 2 * n / 3);
        int[] degree = java.util.Arrays.copyOfRange(g.outDegrees(), lo, hi);
        double[] contrib = new double[n];
        for (int v = 0; v < n; v++) {
            contrib[v] = 1.0 / (v + 3);
        }
        double[] rank = new double[hi - lo];
        double[] next = new double[hi - lo];
        double dangling = PageRankKernel.iterate(in, 0, hi - lo, degree, contrib, 1e-3, rank, next);
        double[] sums = new double[hi - lo];
        double[] splitRank = new double[hi - lo];
        double[] splitNext = new double[hi - lo];

        // Near sources are numbered from the near range's first vertex: they index that range's own part.
        PageRankKernel.sum(parts[0], 0, hi - lo, java.util.Arrays.copyOfRange(contrib, n / 3, 2 * n / 3), sums);
        double splitDangling =
                PageRankKernel.finish(parts[1], 0, hi - lo, degree, contrib, 1e-3, sums, splitRank, splitNext);

        assertThat(parts[0].sources().length + parts[1].sources().length).isEqualTo(in.sources().length);
        assertThat(java.util.Arrays.stream(parts[0].sources()).boxed().toList())
                .as("near sources")
                .allMatch(u -> u >= 0 && u < 2 * n / 3 - n / 3);
        assertThat(java.util.Arrays.stream(parts[1].sources()).boxed().toList())
                .as("far sources")
                .noneMatch(u -> u >= n / 3 && u < 2 * n / 3);
        // The same sums in another order: equal up to rounding.
        for (int v = 0; v < hi - lo; v++) {
            assertThat(splitRank[v]).isCloseTo(rank[v], within(1e-12 * rank[v]));
            assertThat(splitNext[v]).isCloseTo(next[v], within(1e-12 * Math.abs(next[v])));
        }
        assertThat(splitDangling).isCloseTo(dangling, within(1e-12 * dangling));
    }

    @Test
    void shouldWriteAndReadRanksExactly(@TempDir Path dir) throws Exception {
        double[] ranks = {0.1, 1e-300, Math.PI, 0};
        Path file = dir.resolve("r");

        PageRankKernel.write(file, ranks);

        assertThat(PageRankKernel.read(file)).containsExactly(ranks);
    }

    @Test
    void shouldRunEveryMemberOfATeam() {
        int[] seen = new int[3];
        try (Team team = new Team(3, "test")) {
            for (int round = 0; round < 5; round++) {
                team.execute(t -> seen[t]++);
            }
        }
        assertThat(seen).containsExactly(5, 5, 5);
    }
}
