package io.meld.bench;

import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.examples.Graph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * PageRank on Meld, written with the public API only: the SPMD program {@code bin/meld bench pagerank}
 * runs on every node.
 *
 * <h2>How it works</h2>
 *
 * The vertices are spread over the nodes by {@code BLOCK}; each node keeps the in-edges of the vertices
 * it holds (every node makes the same graph, {@link #graph}, and keeps its part), split by where their
 * source lives: <i>near</i> edges come from the node's own vertices, <i>far</i> edges from the other
 * nodes'. The vertices are numbered so that within each node's range those that other nodes read (those
 * with an out-edge to another node) come first ({@link BoundaryOrder}); the others' contributions never
 * leave their node. The contributions {@code rank(u) / outdeg(u)} live in two global {@code double} arrays, one
 * read and one written per iteration (so a node that is already writing the next iteration's never races
 * with one still reading this iteration's). An iteration on a node:
 *
 * <ol>
 *   <li>starts fetching the contributions it reads from the other nodes into a local replica, one bulk
 *       {@code get} per node of that node's first vertices, on a thread of its own, and meanwhile
 *   <li>sums the near edges of each vertex it holds from its own contributions, its threads splitting
 *       the vertices into ranges of equal work ({@link PageRankKernel#sum}, the baseline's loop); then,
 *       once the fetch is in,
 *   <li>adds the far edges and computes the new ranks ({@link PageRankKernel#finish});
 *   <li>writes the new contributions of its vertices that others read with one bulk {@code put} (local:
 *       owner computes) and sums the rank of dangling vertices over the nodes ({@code allReduce}). Every
 *       node enters the {@code allReduce} after its {@code put} and after its fetch of the array the
 *       others write next, so leaving it orders both: no barrier is needed.
 * </ol>
 *
 * The fetch thus overlaps the near half of the work; what the JSON calls {@code fetch} is only the wait
 * for it beyond that.
 *
 * After the timed iterations the ranks are gathered into a third global array and node 0 writes them to
 * a file, which {@code bin/meld bench pagerank} compares with the shared-memory baseline's ({@link
 * PageRankSharedMemory}). Node 0 prints one JSON line, {@code "benchmark":"pagerank_meld"}.
 */
public final class PageRank {
    private PageRank() {}

    /**
     * @param args {@code ITERATIONS OUT_FILE GRAPH...} where {@code GRAPH} is {@code rmat SCALE EDGE_FACTOR
     *     SEED} or {@code file PATH}
     */
    public static void main(String[] args) {
        int iterations = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            verified = run(meld, iterations, out, args);
        }
        System.exit(verified ? 0 : 1);
    }

    /**
     * Makes the graph that {@code args} from {@code at} describe.
     *
     * @param args {@code rmat SCALE EDGE_FACTOR SEED} or {@code file PATH} from {@code at}
     * @param at where the description starts
     * @param threads threads to generate with
     * @return the graph
     */
    static Graph graph(String[] args, int at, int threads) {
        return switch (args[at]) {
            case "rmat" ->
                Graph.rmat(
                        Integer.parseInt(args[at + 1]),
                        Integer.parseInt(args[at + 2]),
                        Long.parseLong(args[at + 3]),
                        threads);
            case "file" -> {
                try {
                    yield Graph.read(Path.of(args[at + 1]));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the graph " + args[at + 1], e);
                }
            }
            default -> throw new IllegalArgumentException("unknown graph kind " + args[at]);
        };
    }

    /**
     * Splits in-edges by their source: those from {@code [lo, hi)} and the others, each vertex's edges in
     * their order. The near edges' sources are numbered from {@code lo}, so they index the node's own
     * contributions as it computed them, with no copy into the replica; the far edges' keep their vertex
     * numbers, which index the replica.
     *
     * @return the near and the far edges
     */
    static Graph.InEdges[] bySource(Graph.InEdges in, int lo, int hi) {
        int[] offsets = in.offsets();
        int[] sources = in.sources();
        int n = in.vertices();
        int[] nearOffsets = new int[n + 1];
        int[] farOffsets = new int[n + 1];
        int nearCount = 0;
        for (int src : sources) {
            nearCount += src >= lo && src < hi ? 1 : 0;
        }
        int[] nearSources = new int[nearCount];
        int[] farSources = new int[sources.length - nearCount];
        int a = 0;
        int b = 0;
        for (int v = 0; v < n; v++) {
            for (int e = offsets[v]; e < offsets[v + 1]; e++) {
                int src = sources[e];
                if (src >= lo && src < hi) {
                    nearSources[a++] = src - lo;
                } else {
                    farSources[b++] = src;
                }
            }
            nearOffsets[v + 1] = a;
            farOffsets[v + 1] = b;
        }
        return new Graph.InEdges[] {
            new Graph.InEdges(in.lo(), nearOffsets, nearSources), new Graph.InEdges(in.lo(), farOffsets, farSources)
        };
    }

    /** @return how many contributions {@code node} fetches per iteration */
    private static long fetched(BoundaryOrder order, int nodes, int node) {
        long sum = 0;
        for (int r = 0; r < nodes; r++) {
            sum += r == node ? 0 : order.exported(r);
        }
        return sum;
    }

    private static boolean run(Meld meld, int iterations, Path out, String[] args) {
        int threads = meld.threads();
        long setupStart = System.nanoTime();
        Graph graph = graph(args, 2, threads);
        int n = graph.vertices();
        BoundaryOrder order = BoundaryOrder.of(graph, meld.size());
        graph = order.renumber(graph);
        try (GlobalDoubleArray c0 = meld.doubleArray("pagerank-contrib-0", n);
                GlobalDoubleArray c1 = meld.doubleArray("pagerank-contrib-1", n);
                GlobalDoubleArray ranks = meld.doubleArray("pagerank-ranks", n);
                Team team = new Team(threads, "pagerank-" + meld.rank());
                ExecutorService fetcher =
                        Executors.newSingleThreadExecutor(r -> new Thread(r, "pagerank-fetch-" + meld.rank()))) {
            GlobalDoubleArray[] contrib = {c0, c1};
            int local = (int) c0.localLength();
            int lo = local == 0 ? 0 : (int) c0.globalIndex(0);
            if (lo != order.first(meld.rank()) || lo + local != order.first(meld.rank() + 1)) {
                throw new IllegalStateException("node " + meld.rank() + " holds vertices [" + lo + ", "
                        + (lo + local) + ") where BLOCK was expected to place [" + order.first(meld.rank()) + ", "
                        + order.first(meld.rank() + 1) + ")");
            }
            Graph.InEdges in = graph.inEdges(lo, lo + local);
            int[] allDegrees = graph.outDegrees();
            int[] outDegree = new int[local];
            System.arraycopy(allDegrees, lo, outDegree, 0, local);
            int edges = graph.edges();
            graph = null; // the node keeps only its in-edges from here on
            int[] bounds = in.split(threads);
            Graph.InEdges[] parts = bySource(in, lo, lo + local);
            Graph.InEdges near = parts[0];
            Graph.InEdges far = parts[1];
            in = null;
            double[] replica = new double[n];
            // Each vertex's sum over its near edges goes where its new rank will: finish reads it there
            // just before it writes the rank, so the iteration streams one local array fewer.
            double[] rank = new double[local];
            // Other nodes read only this node's exported vertices, which BoundaryOrder numbered first.
            int exported = order.exported(meld.rank());
            double[] next = new double[local];
            double setup = meld.allReduce((System.nanoTime() - setupStart) / 1e9, DoubleOp.MAX);
            double elapsed = 0;
            long[] phases = new long[3]; // fetch wait, compute, write and allReduce: this node's nanoseconds
            Warmup warmup = PageRankKernel.warmup();
            for (boolean timed = false; ; timed = !warmup.another(v -> meld.allReduce(v, LongOp.MAX))) {
                Arrays.fill(phases, 0);
                // Warm-up rounds of a few iterations until the JIT is quiet, then the timed run.
                int count = timed ? iterations : PageRankKernel.WARMUP_ITERATIONS;
                double[] partial = new double[threads];
                team.execute(
                        t -> partial[t] = PageRankKernel.start(n, bounds[t], bounds[t + 1], outDegree, rank, next));
                contrib[0].put(lo, next, 0, exported);
                double dangling = meld.allReduce(PageRankKernel.sum(partial), DoubleOp.SUM);
                long begin = System.nanoTime();
                for (int it = 0; it < count; it++) {
                    GlobalDoubleArray current = contrib[it & 1];
                    GlobalDoubleArray following = contrib[(it + 1) & 1];
                    long t0 = System.nanoTime();
                    CompletableFuture<Void> fetch = CompletableFuture.runAsync(
                            () -> {
                                for (int r = 0; r < meld.size(); r++) {
                                    if (r != meld.rank()) {
                                        current.get(order.first(r), replica, order.first(r), order.exported(r));
                                    }
                                }
                            },
                            fetcher);
                    team.execute(t -> PageRankKernel.sum(near, bounds[t], bounds[t + 1], next, rank));
                    long t1 = System.nanoTime();
                    fetch.join();
                    long t2 = System.nanoTime();
                    double base = PageRankKernel.base(n, dangling);
                    team.execute(t -> partial[t] = PageRankKernel.finish(
                            far, bounds[t], bounds[t + 1], outDegree, replica, base, rank, rank, next));
                    long t3 = System.nanoTime();
                    following.put(lo, next, 0, exported);
                    dangling = meld.allReduce(PageRankKernel.sum(partial), DoubleOp.SUM);
                    phases[0] += t2 - t1;
                    phases[1] += (t1 - t0) + (t3 - t2);
                    phases[2] += System.nanoTime() - t3;
                }
                elapsed = meld.allReduce((System.nanoTime() - begin) / 1e9, DoubleOp.MAX);
                if (timed) {
                    break;
                }
            }
            ranks.put(lo, rank, 0, local);
            meld.barrier();
            if (meld.rank() == 0) {
                double[] byNumber = new double[n];
                ranks.get(0, byNumber, 0, n);
                double[] all = order.byVertex(byNumber);
                try {
                    PageRankKernel.write(out, all);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the ranks to " + out, e);
                }
                double total = PageRankKernel.sum(all);
                System.out.println(ResultCodec.encode(new Result(
                        meld.size(),
                        threads,
                        n,
                        edges,
                        iterations,
                        elapsed,
                        elapsed / iterations,
                        setup,
                        warmup.seconds(),
                        phases[0] / 1e9 / iterations,
                        phases[1] / 1e9 / iterations,
                        phases[2] / 1e9 / iterations,
                        fetched(order, meld.size(), 0),
                        total,
                        Math.abs(total - 1) < 1e-6)));
            }
            meld.barrier();
            return true;
        }
    }

    /**
     * Node 0's line.
     *
     * @param nodes the nodes
     * @param threadsPerNode the threads of each node
     * @param vertices the graph's vertices
     * @param edges the graph's edges
     * @param iterations the timed iterations
     * @param seconds how long they took
     * @param secondsPerIteration {@code seconds / iterations}
     * @param setupSeconds how long reading or generating the graph and laying it out took
     * @param warmupSeconds how long the warm-up took
     * @param fetchSecondsPerIteration node 0's wait for fetched contributions beyond what the near edges hid
     * @param computeSecondsPerIteration node 0's computing
     * @param syncSecondsPerIteration node 0's writing of its ranks and the reductions
     * @param fetchedVerticesPerIteration the contributions node 0 fetches from the others per iteration
     * @param rankSum the sum of the ranks, 1 when right
     * @param verified whether the ranks sum to 1
     */
    record Result(
            int nodes,
            int threadsPerNode,
            int vertices,
            int edges,
            int iterations,
            double seconds,
            double secondsPerIteration,
            double setupSeconds,
            double warmupSeconds,
            double fetchSecondsPerIteration,
            double computeSecondsPerIteration,
            double syncSecondsPerIteration,
            long fetchedVerticesPerIteration,
            double rankSum,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "pagerank_meld";
        }
    }
}
