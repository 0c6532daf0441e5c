package io.meld.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.examples.Graph;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundaryOrderTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void shouldNumberFirstInEachNodesRangeTheVerticesOtherNodesRead(int nodes) {
        Graph graph = Graph.rmat(10, 4, 7, 1);
        int n = graph.vertices();
        int[] src = graph.src().clone();
        int[] dst = graph.dst().clone();
        BoundaryOrder order = BoundaryOrder.of(graph, nodes);

        Graph renumbered = order.renumber(graph);

        // BLOCK's ranges, the first n % nodes one vertex longer
        assertThat(order.first(0)).isZero();
        assertThat(order.first(nodes)).isEqualTo(n);
        for (int r = 0; r < nodes; r++) {
            assertThat(order.first(r + 1) - order.first(r)).isEqualTo(n / nodes + (r < n % nodes ? 1 : 0));
        }
        // a permutation that keeps every vertex in its node's range
        int[] number = new int[n];
        Arrays.fill(number, -1);
        for (int e = 0; e < src.length; e++) {
            number[src[e]] = renumbered.src()[e];
            number[dst[e]] = renumbered.dst()[e];
        }
        double[] byNumber = new double[n];
        for (int v = 0; v < n; v++) {
            byNumber[v] = v;
        }
        double[] back = order.byVertex(byNumber);
        for (int v = 0; v < n; v++) {
            int w = (int) back[v];
            assertThat(number[v]).as("vertex %d", v).isIn(-1, w); // -1: a vertex without edges
            assertThat(node(order, nodes, w)).as("vertex %d", v).isEqualTo(node(order, nodes, v));
        }
        assertThat(Arrays.stream(back).distinct().count()).isEqualTo(n);
        // exported: exactly the vertices with an out-edge to another node, numbered first
        boolean[] read = new boolean[n];
        for (int e = 0; e < src.length; e++) {
            read[src[e]] |= node(order, nodes, src[e]) != node(order, nodes, dst[e]);
        }
        int total = 0;
        for (int v = 0; v < n; v++) {
            int r = node(order, nodes, v);
            boolean first = (int) back[v] < order.first(r) + order.exported(r);
            assertThat(first).as("vertex %d of node %d", v, r).isEqualTo(read[v]);
            total += read[v] ? 1 : 0;
        }
        assertThat(total).isEqualTo(sumExported(order, nodes));
        // then the vertices only their own node reads, then those nobody reads
        boolean[] readAtAll = new boolean[n];
        for (int s : src) {
            readAtAll[s] = true;
        }
        int[] group = new int[n]; // by number: 2 read by others, 1 by its own node only, 0 by nobody
        for (int v = 0; v < n; v++) {
            group[(int) back[v]] = read[v] ? 2 : readAtAll[v] ? 1 : 0;
        }
        for (int r = 0; r < nodes; r++) {
            for (int k = order.first(r) + 1; k < order.first(r + 1); k++) {
                assertThat(group[k]).as("number %d of node %d", k, r).isLessThanOrEqualTo(group[k - 1]);
            }
        }
        if (nodes == 1) {
            assertThat(total).isZero();
            assertThat(group[0]).isEqualTo(1);
        } else {
            assertThat(total).isPositive().isLessThan(n);
        }
    }

    private static int node(BoundaryOrder order, int nodes, int v) {
        int r = 0;
        while (v >= order.first(r + 1)) {
            r++;
        }
        assert r < nodes;
        return r;
    }

    private static int sumExported(BoundaryOrder order, int nodes) {
        int sum = 0;
        for (int r = 0; r < nodes; r++) {
            sum += order.exported(r);
        }
        return sum;
    }

    @Test
    void shouldRefuseFewerThanOneNode() {
        Graph graph = Graph.rmat(4, 2, 1, 1);

        assertThatThrownBy(() -> BoundaryOrder.of(graph, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not 0");
    }

    @Test
    void shouldGiveBackTheValuesOfEachVertex() {
        Graph graph = Graph.rmat(8, 8, 3, 1);
        int[] src = graph.src().clone();
        BoundaryOrder order = BoundaryOrder.of(graph, 2);
        Graph renumbered = order.renumber(graph);

        // a value per vertex, stored by number: byVertex finds it under the vertex again
        double[] byNumber = new double[graph.vertices()];
        for (int e = 0; e < src.length; e++) {
            byNumber[renumbered.src()[e]] = src[e] + 0.5;
        }
        double[] byVertex = order.byVertex(byNumber);
        for (int v : src) {
            assertThat(byVertex[v]).isEqualTo(v + 0.5);
        }
    }
}
