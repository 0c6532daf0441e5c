package io.meld.bench;

import io.meld.examples.Graph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The shared-memory PageRank: the same pull iteration as Meld's ({@link PageRankKernel}), by a team of
 * threads in one JVM over one graph in compressed rows, each thread a fixed range of vertices of about
 * equal work, contributions double-buffered so no thread waits inside an iteration. One barrier per
 * iteration, as in Meld's. The vertices are numbered with those that are read (that have an out-edge)
 * first ({@link BoundaryOrder} on one node), so the contributions an iteration reads fill fewer cache
 * lines. The order alone changes how fast the iteration is (in the generator's numbering an iteration
 * of the default R-MAT graph takes over half as long again; {@link PageRankComputeOnly} shows it), so
 * the baseline gets the quickest order, not the generator's nor the one Meld's program uses on 2 nodes.
 *
 * <p>Run by {@code bin/meld bench pagerank}; prints one JSON line, {@code
 * "benchmark":"pagerank_shared_memory"}, and writes the final ranks to a file to compare with Meld's.
 */
public final class PageRankSharedMemory {
    private PageRankSharedMemory() {}

    /**
     * @param args {@code THREADS ITERATIONS OUT_FILE NODES GRAPH...} where {@code NODES} is the number
     *     of nodes whose {@link BoundaryOrder} to use ({@code bin/meld bench} passes 1, the quickest here;
     *     Meld's node count gives Meld's layout) and {@code GRAPH} is {@code rmat SCALE
     *     EDGE_FACTOR SEED} or {@code file PATH}; the ranks are written by vertex, in the graph's own
     *     numbering
     * @throws IOException when the graph or the output cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        int threads = Integer.parseInt(args[0]);
        int iterations = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        long setupStart = System.nanoTime();
        int nodes = Integer.parseInt(args[3]);
        Graph graph = PageRank.graph(args, 4, threads);
        int n = graph.vertices();
        BoundaryOrder order = BoundaryOrder.of(graph, nodes);
        graph = order.renumber(graph);
        Graph.InEdges in = graph.inEdges(0, n);
        int[] outDegree = graph.outDegrees();
        int[] bounds = in.split(threads);
        double setup = (System.nanoTime() - setupStart) / 1e9;
        double[] rank = new double[n];
        double[][] contrib = {new double[n], new double[n]};
        double[] elapsed = new double[1];
        Warmup warmup = PageRankKernel.warmup();
        try (Team team = new Team(threads, "pagerank")) {
            for (boolean timed = false; ; timed = !warmup.another(v -> v)) {
                // Warm-up rounds of a few iterations until the JIT is quiet, then the timed run.
                int count = timed ? iterations : PageRankKernel.WARMUP_ITERATIONS;
                DoubleAdder start = new DoubleAdder();
                team.execute(
                        t -> start.add(PageRankKernel.start(n, bounds[t], bounds[t + 1], outDegree, rank, contrib[0])));
                double dangling = start.sum();
                long begin = System.nanoTime();
                for (int it = 0; it < count; it++) {
                    double[] current = contrib[it & 1];
                    double[] next = contrib[(it + 1) & 1];
                    double base = PageRankKernel.base(n, dangling);
                    double[] partial = new double[threads];
                    team.execute(t -> partial[t] =
                            PageRankKernel.iterate(in, bounds[t], bounds[t + 1], outDegree, current, base, rank, next));
                    dangling = 0;
                    for (double p : partial) {
                        dangling += p;
                    }
                }
                elapsed[0] = (System.nanoTime() - begin) / 1e9;
                if (timed) {
                    break;
                }
            }
        }
        PageRankKernel.write(out, order.byVertex(rank));
        double sum = PageRankKernel.sum(rank);
        System.out.println(ResultCodec.encode(new Result(
                threads,
                nodes,
                n,
                graph.edges(),
                iterations,
                elapsed[0],
                elapsed[0] / iterations,
                setup,
                warmup.seconds(),
                sum,
                Math.abs(sum - 1) < 1e-6)));
    }

    /**
     * The line.
     *
     * @param threads the threads
     * @param numberedForNodes the nodes whose {@link BoundaryOrder} numbered the vertices
     * @param vertices the graph's vertices
     * @param edges the graph's edges
     * @param iterations the timed iterations
     * @param seconds how long they took
     * @param secondsPerIteration {@code seconds / iterations}
     * @param setupSeconds how long reading or generating the graph and laying it out took
     * @param warmupSeconds how long the warm-up took
     * @param rankSum the sum of the ranks, 1 when right
     * @param verified whether the ranks sum to 1
     */
    record Result(
            int threads,
            int numberedForNodes,
            int vertices,
            int edges,
            int iterations,
            double seconds,
            double secondsPerIteration,
            double setupSeconds,
            double warmupSeconds,
            double rankSum,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "pagerank_shared_memory";
        }
    }
}
