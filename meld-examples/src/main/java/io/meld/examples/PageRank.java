package io.meld.examples;

import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.Meld;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PageRank by power iteration on a directed graph ({@link GraphInput}): damping {@link #DAMPING}, the rank
 * of dangling vertices (no out-edge) spread evenly over all vertices, until the L1 change of an iteration
 * is below {@code --tolerance}.
 *
 * <p>The vertices are spread over the nodes in blocks; each node keeps the in-edges of its vertices. The
 * contributions {@code rank(u) / outdeg(u)} live in two global arrays, read in one iteration and written in
 * the next. An iteration on a node: one bulk {@code get} of all contributions (its own part is a local
 * copy), the new ranks of its vertices from their in-edges (its threads splitting them into ranges of
 * equal work), whose contributions its threads write straight into their elements of the other array
 * through its {@linkplain GlobalDoubleArray#local() local view}, {@code allReduce}s of the dangling rank
 * and of the L1 change, and a {@code barrier}, after which every node reads them.
 *
 * <p>The check: the ranks sum to 1, and node 0 applies one more iteration to the gathered ranks with plain
 * sequential code over the edge list (not the nodes' in-edge code): the result must move by less than the
 * tolerance in L1, which holds for a fixed point reached as the stopping rule says.
 */
final class PageRank implements Example {
    /** The damping factor. */
    static final double DAMPING = 0.85;

    @Override
    public String name() {
        return "pagerank";
    }

    @Override
    public String description() {
        return "PageRank (damping 0.85, dangling rank spread evenly) to an L1 tolerance on a SNAP edge list or"
                + " an R-MAT graph; checked by a sequential iteration of the result";
    }

    @Override
    public List<ExampleOption> options() {
        List<ExampleOption> o = new ArrayList<>(GraphInput.options());
        o.add(ExampleOption.decimal("tolerance", "T", 1e-10, 1e-15, 1, "stop when the L1 change is below T"));
        o.add(ExampleOption.number("max-iterations", "I", 1000, 1, 1_000_000, "give up (FAIL) after I iterations"));
        o.add(ExampleOption.text("out", "FILE", "write vertex<TAB>rank lines, sorted by vertex id"));
        o.add(ExampleOption.flag("corrupt", "move rank between two vertices before the check, to show it failing")
                .hide());
        o.addAll(Checkpointing.options("iterations"));
        return List.copyOf(o);
    }

    @Override
    public void check(ExampleOptions options) {
        GraphInput.check(options);
        Checkpointing.check(options);
    }

    @Override
    public ExampleResult run(Meld meld, ExampleOptions options, Log log) throws Exception {
        double tolerance = options.getDouble("tolerance");
        int maxIterations = options.getInt("max-iterations");
        Graph graph = GraphInput.load(options, meld.threads());
        int n = graph.vertices();
        if (n == 0) {
            return ExampleResult.fail("the graph has no vertices");
        }
        try (GlobalDoubleArray c0 = meld.doubleArray("pagerank.contrib.0", n);
                GlobalDoubleArray c1 = meld.doubleArray("pagerank.contrib.1", n);
                GlobalDoubleArray all = meld.doubleArray("pagerank.ranks", n)) {
            GlobalDoubleArray[] contrib = {c0, c1};
            Checkpointing checkpoints = Checkpointing.of(options);
            // A checkpoint holds the ranks (in `all`) and [iterations, L1 change, dangling rank]: the whole
            // state of an iteration's end, from which the contributions follow bit for bit.
            GlobalDoubleArray progress =
                    checkpoints.writes() || checkpoints.restores() ? meld.doubleArray("pagerank.progress", 3) : null;
            int local = (int) c0.localLength();
            int lo = local == 0 ? 0 : (int) c0.globalIndex(0);
            Graph.InEdges in = graph.inEdges(lo, lo + local);
            int[] degree = graph.outDegrees();
            double[] rank = new double[local];
            // This node's contributions, in place: the local views of the two arrays (one chunk each).
            double[][] mine = {c0.local().array(), c1.local().array()};
            double[] replica = new double[n];
            java.util.Arrays.fill(rank, 1.0 / n);
            double dangling = 0;
            int iterations = 0;
            double l1Change = Double.POSITIVE_INFINITY;
            if (checkpoints.restores()) {
                checkpoints.restore(meld, all, progress);
                System.arraycopy(all.local().array(), 0, rank, 0, local);
                iterations = (int) progress.get(0);
                l1Change = progress.get(1);
                dangling = progress.get(2);
                for (int v = 0; v < local; v++) {
                    mine[iterations & 1][v] = degree[lo + v] == 0 ? 0 : rank[v] / degree[lo + v];
                }
            } else {
                for (int v = 0; v < local; v++) {
                    mine[0][v] = degree[lo + v] == 0 ? 0 : rank[v] / degree[lo + v];
                    dangling += degree[lo + v] == 0 ? rank[v] : 0;
                }
                dangling = meld.allReduce(dangling, DoubleOp.SUM);
            }
            meld.barrier();

            long start = System.nanoTime();
            int threads = Math.max(1, Math.min(meld.threads(), local));
            int[] bounds = in.split(threads);
            double[] change = new double[threads];
            double[] danglingOf = new double[threads];
            while (l1Change >= tolerance && iterations < maxIterations) {
                contrib[iterations & 1].get(0, replica, 0, n);
                double base = (1 - DAMPING) / n + DAMPING * dangling / n;
                // The node's threads split its vertices into ranges of equal work; their sums are added in
                // thread order, so the result does not depend on which thread finishes first.
                double[] next = mine[(iterations + 1) & 1];
                Team.run(threads, "pagerank", t -> {
                    double[] sums = iterate(in, bounds[t], bounds[t + 1], lo, degree, replica, base, rank, next);
                    change[t] = sums[0];
                    danglingOf[t] = sums[1];
                });
                double localChange = 0;
                double localDangling = 0;
                for (int t = 0; t < threads; t++) {
                    localChange += change[t];
                    localDangling += danglingOf[t];
                }
                dangling = meld.allReduce(localDangling, DoubleOp.SUM);
                l1Change = meld.allReduce(localChange, DoubleOp.SUM);
                meld.barrier();
                iterations++;
                if (checkpoints.due(iterations, Integer.MIN_VALUE)) {
                    save(meld, checkpoints, all, progress, rank, iterations, l1Change, dangling);
                }
            }
            if (checkpoints.writes() && !checkpoints.due(iterations, Integer.MIN_VALUE)) {
                save(meld, checkpoints, all, progress, rank, iterations, l1Change, dangling); // after the last
            }
            if (progress != null) {
                progress.close();
            }
            double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);

            System.arraycopy(rank, 0, all.local().array(), 0, local);
            meld.barrier();
            // Node 0 checks and writes; the others learn the verdict from its broadcast.
            long[] verdict = new long[1];
            String reason = "";
            double residual = 0;
            double total = 0;
            if (meld.rank() == 0) {
                double[] ranks = new double[n];
                all.get(0, ranks, 0, n);
                if (options.isSet("corrupt") && n > 1) {
                    // Moves rank between two vertices: the sum still holds, the fixed point does not.
                    ranks[n / 2] += 1e-6;
                    ranks[(n / 2 + 1) % n] -= 1e-6;
                }
                total = sum(ranks);
                residual = l1(iterate(graph, ranks), ranks);
                if (l1Change >= tolerance) {
                    reason = "did not converge in " + iterations + " iterations (L1 change " + l1Change + ")";
                } else if (!(Math.abs(total - 1) <= 1e-9)) {
                    reason = "the ranks sum to " + total + ", not 1";
                } else if (!(residual < tolerance + 1e-14)) {
                    reason = String.format(
                            Locale.ROOT,
                            "one more sequential iteration moves the ranks by %.3g in L1, not below the tolerance %.3g",
                            residual,
                            tolerance);
                }
                verdict[0] = reason.isEmpty() ? 1 : 0;
                String out = options.getText("out");
                if (out != null) {
                    write(Path.of(out), graph, ranks);
                }
            }
            verdict = meld.broadcast(verdict, 0);
            total = meld.allReduce(total, DoubleOp.SUM); // only node 0's is non-zero
            residual = meld.allReduce(residual, DoubleOp.SUM);
            String figures = String.format(
                    Locale.ROOT,
                    "%s iterations=%d seconds=%.3f l1-change=%.3g residual=%.3g rank-sum=%.15f nodes=%d",
                    GraphInput.describe(options, graph),
                    iterations,
                    seconds,
                    l1Change,
                    residual,
                    total,
                    meld.size());
            log.println(String.format(
                    Locale.ROOT,
                    "pagerank: %,d vertices, %,d edges: %d iterations to an L1 change of %.3g in %.3f s (%.2f ms per"
                            + " iteration) on %d nodes",
                    n,
                    graph.edges(),
                    iterations,
                    l1Change,
                    seconds,
                    iterations == 0 ? 0 : seconds * 1e3 / iterations,
                    meld.size()));
            if (verdict[0] == 1) {
                return ExampleResult.ok(figures);
            }
            String why = meld.rank() == 0 ? reason : "node 0's check failed (see its result line)";
            return ExampleResult.fail(why + "; " + figures);
        }
    }

    /** Writes a checkpoint of the state at the end of an iteration; a collective. */
    private static void save(
            Meld meld,
            Checkpointing checkpoints,
            GlobalDoubleArray all,
            GlobalDoubleArray progress,
            double[] rank,
            int iterations,
            double l1Change,
            double dangling) {
        System.arraycopy(rank, 0, all.local().array(), 0, rank.length);
        if (meld.rank() == 0) {
            progress.set(0, iterations);
            progress.set(1, l1Change);
            progress.set(2, dangling);
        }
        checkpoints.write(meld, iterations, all, progress);
    }

    /**
     * The new ranks of the node's vertices {@code [from, to)} (local indices) from their in-edges.
     *
     * @return the L1 change of those ranks and the rank of those of them that dangle
     */
    private static double[] iterate(
            Graph.InEdges in,
            int from,
            int to,
            int lo,
            int[] degree,
            double[] replica,
            double base,
            double[] rank,
            double[] next) {
        int[] offsets = in.offsets();
        int[] sources = in.sources();
        double change = 0;
        double dangling = 0;
        for (int v = from; v < to; v++) {
            double sum = 0;
            for (int e = offsets[v]; e < offsets[v + 1]; e++) {
                sum += replica[sources[e]];
            }
            double r = base + DAMPING * sum;
            change += Math.abs(r - rank[v]);
            rank[v] = r;
            int d = degree[lo + v];
            next[v] = d == 0 ? 0 : r / d;
            dangling += d == 0 ? r : 0;
        }
        return new double[] {change, dangling};
    }

    /**
     * One PageRank iteration, sequentially over the edge list.
     *
     * @param g the graph
     * @param rank the ranks
     * @return the next ranks
     */
    static double[] iterate(Graph g, double[] rank) {
        int n = g.vertices();
        int[] degree = g.outDegrees();
        double dangling = 0;
        for (int v = 0; v < n; v++) {
            if (degree[v] == 0) {
                dangling += rank[v];
            }
        }
        double[] next = new double[n];
        java.util.Arrays.fill(next, (1 - DAMPING) / n + DAMPING * dangling / n);
        for (int e = 0; e < g.edges(); e++) {
            int u = g.src()[e];
            next[g.dst()[e]] += DAMPING * rank[u] / degree[u];
        }
        return next;
    }

    /**
     * The sequential reference: iterations from the uniform vector until the L1 change is below {@code
     * tolerance}.
     *
     * @param g the graph
     * @param tolerance the stopping rule
     * @return the ranks
     */
    static double[] reference(Graph g, double tolerance) {
        double[] rank = new double[g.vertices()];
        java.util.Arrays.fill(rank, 1.0 / g.vertices());
        while (true) {
            double[] next = iterate(g, rank);
            double change = l1(next, rank);
            rank = next;
            if (change < tolerance) {
                return rank;
            }
        }
    }

    /** @return the L1 distance */
    static double l1(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    /** Writes {@code id<TAB>rank} lines in vertex order, which is id order, each rank in full precision. */
    static void write(Path file, Graph g, double[] ranks) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int v = 0; v < ranks.length; v++) {
                w.write(Long.toString(g.id(v)));
                w.write('\t');
                w.write(Double.toString(ranks[v]));
                w.write('\n');
            }
        }
    }
}
