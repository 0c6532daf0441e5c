package io.meld.bench;

import io.meld.examples.Graph;
import java.util.Arrays;

/**
 * What one node of {@link PageRank} computes, without Meld and without any communication: the node's
 * part of the in-edges split into near and far ones, summed from a local replica of the contributions
 * ({@link PageRankKernel#sum}, then {@link PageRankKernel#finish}), iteration after iteration. Started
 * once per node at the same time, each in its own JVM, it shows what the compute costs when every node
 * holds its own replica and the nodes share the machine's cores and last-level cache, but nothing is
 * exchanged; the gap to {@code bench pagerank}'s compute figure is then the exchange's.
 *
 * <p>Run (2 nodes, R-MAT scale 20, edge factor 16, seed 1, as {@code bin/meld bench pagerank}):
 *
 * <pre>
 * CP="$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes"
 * for r in 0 1; do "$(bin/find-jdk)/bin/java" -Xmx3g -XX:+UseParallelGC -cp "$CP" \
 *     io.meld.bench.PageRankComputeOnly $r 2 &amp; done; wait
 * </pre>
 *
 * Each prints milliseconds per iteration, 10 iterations at a time, 8 times (the first rounds include
 * the JIT's warm-up). The ranks it computes are not checked: the replica's remote part keeps its first
 * values. The vertices are numbered as {@link PageRank} numbers them ({@link BoundaryOrder}); a fifth
 * argument {@code original} keeps the graph's own numbering instead, to show what the order alone does
 * to the compute.
 */
public final class PageRankComputeOnly {
    private static final int ROUNDS = 8;
    private static final int ITERATIONS = 10;

    private PageRankComputeOnly() {}

    /**
     * @param args {@code RANK NODES [SCALE EDGE_FACTOR [boundary|original]]}: which node's part, of how
     *     many, and the numbering of the vertices
     */
    public static void main(String[] args) {
        if (args.length < 2 || args.length > 5 || args.length == 5 && !args[4].matches("boundary|original")) {
            throw new IllegalArgumentException(
                    "usage: PageRankComputeOnly RANK NODES [SCALE EDGE_FACTOR [boundary|original]], not "
                            + Arrays.toString(args));
        }
        int rank = Integer.parseInt(args[0]);
        int nodes = Integer.parseInt(args[1]);
        int scale = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int edgeFactor = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        if (nodes < 1 || rank < 0 || rank >= nodes) {
            throw new IllegalArgumentException("rank " + rank + " is not a node of " + nodes);
        }
        Graph graph = Graph.rmat(scale, edgeFactor, 1, 1);
        int n = graph.vertices();
        BoundaryOrder order = BoundaryOrder.of(graph, nodes);
        if (args.length < 5 || args[4].equals("boundary")) {
            graph = order.renumber(graph);
        }
        // BLOCK over the nodes, as Meld's global arrays place the vertices.
        int lo = order.first(rank);
        int hi = order.first(rank + 1);
        int local = hi - lo;
        Graph.InEdges[] parts = PageRank.bySource(graph.inEdges(lo, hi), lo, hi);
        int[] outDegree = new int[local];
        System.arraycopy(graph.outDegrees(), lo, outDegree, 0, local);
        graph = null; // like a node, keep only this part's edges
        double[] replica = new double[n];
        Arrays.fill(replica, 1.0 / n);
        double[] rankOf = new double[local];
        double[] next = new double[local];
        double base = PageRankKernel.base(n, 0);
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            for (int it = 0; it < ITERATIONS; it++) {
                PageRankKernel.sum(parts[0], 0, local, next, rankOf);
                PageRankKernel.finish(parts[1], 0, local, outDegree, replica, base, rankOf, rankOf, next);
            }
            System.out.printf(
                    "node %d of %d: %.2f ms per iteration%n",
                    rank, nodes, (System.nanoTime() - start) / 1e6 / ITERATIONS);
        }
    }
}
