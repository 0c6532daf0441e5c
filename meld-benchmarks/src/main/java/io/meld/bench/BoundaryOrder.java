package io.meld.bench;

import io.meld.examples.Graph;
import java.util.Arrays;

/**
 * A numbering of a graph's vertices for {@link PageRank} on several nodes: each node still holds the same
 * range of vertex numbers ({@code BLOCK}), but within its range come first the vertices that another
 * node reads (those with an out-edge to a vertex of another node), then those only its own node reads,
 * then those nobody reads (no out-edge). A node then needs of another node's contributions only that
 * node's first {@link #exported} values: one contiguous bulk {@code get} of just them, not of the whole
 * range. This is how distributed graph and sparse-matrix codes lay out their boundary (ghost) vertices.
 * On the benchmark's R-MAT graph (scale 20, edge factor 16), where most vertices have no out-edge or
 * only a few, a node of 2 fetches 223,117 of the other's 524,288 contributions (43%).
 *
 * <p>The order also makes the iteration itself faster, on any number of threads: the vertices that are
 * read at all sit together, so the contributions an iteration reads fill fewer cache lines. On one node
 * the order is just that, read vertices first, and {@link PageRankSharedMemory} uses it: the baseline
 * gets the layout best for it, not the generator's numbering.
 *
 * <p>Within each group the vertices keep their order; every node computes the same numbering from the
 * same graph.
 */
final class BoundaryOrder {
    private static final byte NOBODY = 0;
    private static final byte OWN = 1;
    private static final byte OTHERS = 2;

    /** {@code number[v]}: vertex {@code v}'s number in this order. */
    private final int[] number;
    /** Node {@code r}'s first vertex; {@code first[nodes]} is the vertex count. */
    private final int[] first;
    /** How many of node {@code r}'s vertices, from its first on, other nodes read. */
    private final int[] exported;

    private BoundaryOrder(int[] number, int[] first, int[] exported) {
        this.number = number;
        this.first = first;
        this.exported = exported;
    }

    /**
     * @param graph the graph
     * @param nodes how many nodes hold its vertices, by {@code BLOCK} (the first {@code n % nodes} nodes
     *     one more than the others)
     * @return the order
     * @throws IllegalArgumentException naming {@code nodes} when it is below 1
     */
    static BoundaryOrder of(Graph graph, int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a graph's vertices need at least 1 node, not " + nodes);
        }
        int n = graph.vertices();
        int[] first = new int[nodes + 1];
        for (int r = 0; r <= nodes; r++) {
            first[r] = r * (n / nodes) + Math.min(r, n % nodes);
        }
        int[] owner = new int[n];
        for (int r = 0; r < nodes; r++) {
            Arrays.fill(owner, first[r], first[r + 1], r);
        }
        // Who reads each vertex's contribution: other nodes, only its own node, or nobody.
        byte[] readers = new byte[n];
        int[] src = graph.src();
        int[] dst = graph.dst();
        for (int e = 0; e < src.length; e++) {
            int u = src[e];
            readers[u] = (byte) Math.max(readers[u], owner[u] != owner[dst[e]] ? OTHERS : OWN);
        }
        int[] number = new int[n];
        int[] exported = new int[nodes];
        for (int r = 0; r < nodes; r++) {
            int next = first[r];
            for (byte group = OTHERS; group >= NOBODY; group--) {
                for (int v = first[r]; v < first[r + 1]; v++) {
                    if (readers[v] == group) {
                        number[v] = next++;
                    }
                }
                if (group == OTHERS) {
                    exported[r] = next - first[r];
                }
            }
        }
        return new BoundaryOrder(number, first, exported);
    }

    /**
     * Renumbers the graph's edges in place.
     *
     * @param graph the graph this order was made from; its edge arrays are overwritten
     * @return the graph in this order (the same arrays; without the file's vertex ids, which name the
     *     vertices in the original order)
     */
    Graph renumber(Graph graph) {
        int[] src = graph.src();
        int[] dst = graph.dst();
        for (int e = 0; e < src.length; e++) {
            src[e] = number[src[e]];
            dst[e] = number[dst[e]];
        }
        return new Graph(graph.vertices(), src, dst);
    }

    /**
     * @param node a node
     * @return its first vertex number
     */
    int first(int node) {
        return first[node];
    }

    /**
     * @param node a node
     * @return how many of its vertices, from its first on, other nodes read
     */
    int exported(int node) {
        return exported[node];
    }

    /**
     * @param byNumber one value per vertex, indexed by number in this order
     * @return the same values indexed by vertex
     */
    double[] byVertex(double[] byNumber) {
        double[] out = new double[byNumber.length];
        for (int v = 0; v < out.length; v++) {
            out[v] = byNumber[number[v]];
        }
        return out;
    }
}
