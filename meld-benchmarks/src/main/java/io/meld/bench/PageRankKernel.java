package io.meld.bench;

import io.meld.examples.Graph;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The PageRank both Meld's program and its shared-memory baseline run, in pull form: each vertex sums
 * the contributions ({@code rank / out-degree}) of its in-neighbours.
 *
 * <pre>
 *   rank'(v) = (1 - d) / n + d * (sum over edges u -> v of rank(u) / outdeg(u) + dangling / n)
 * </pre>
 *
 * with damping {@code d} = {@value #DAMPING} and {@code dangling} the rank held by vertices without
 * out-edges, spread evenly over all vertices. The ranks start at {@code 1 / n} and always sum to 1.
 */
public final class PageRankKernel {
    /** The damping factor. */
    public static final double DAMPING = 0.85;

    /** Iterations per warm-up round, of Meld's PageRank and of the baseline alike. */
    static final int WARMUP_ITERATIONS = 5;

    /**
     * The warm-up of Meld's PageRank and of the baseline alike: rounds of {@link #WARMUP_ITERATIONS}
     * (each from the first iteration's ranks, like the timed run), for at least 1 s and until the JIT is
     * quiet, at most 10 s.
     *
     * @return the warm-up, started
     */
    static Warmup warmup() {
        return new Warmup(1, 10);
    }

    private PageRankKernel() {}

    /**
     * One iteration for the local vertices {@code [from, to)} of {@code in}.
     *
     * @param in the in-edges of a range of vertices
     * @param from the first local vertex
     * @param to past the last local vertex
     * @param outDegree the out-degree of each local vertex (indexed like {@code in}'s local vertices)
     * @param contrib every vertex's contribution of this iteration, indexed by global vertex id
     * @param base {@code (1 - d) / n + d * dangling / n}
     * @param rank where each local vertex's new rank goes
     * @param nextContrib where each local vertex's next contribution goes
     * @return the new rank of the dangling vertices among {@code [from, to)}, summed
     */
    public static double iterate(
            Graph.InEdges in,
            int from,
            int to,
            int[] outDegree,
            double[] contrib,
            double base,
            double[] rank,
            double[] nextContrib) {
        return finish(in, from, to, outDegree, contrib, base, null, rank, nextContrib);
    }

    /**
     * The first half of an iteration split by the sources of the in-edges: sums, for each local vertex
     * of {@code [from, to)}, the contributions along its edges in {@code in} (a part of its in-edges).
     * {@link #finish} adds the rest and completes the iteration.
     *
     * @param in a part of the in-edges of a range of vertices
     * @param from the first local vertex
     * @param to past the last local vertex
     * @param contrib the contributions of the sources of {@code in}'s edges, indexed by global vertex id
     * @param sums where each local vertex's sum goes
     */
    public static void sum(Graph.InEdges in, int from, int to, double[] contrib, double[] sums) {
        int[] offsets = in.offsets();
        int[] sources = in.sources();
        for (int v = from; v < to; v++) {
            double sum = 0;
            for (int e = offsets[v], end = offsets[v + 1]; e < end; e++) {
                sum += contrib[sources[e]];
            }
            sums[v] = sum;
        }
    }

    /**
     * Completes an iteration for the local vertices {@code [from, to)}: like {@link #iterate}, with each
     * vertex's sum starting from {@code sums} (what {@link #sum} found along the other in-edges) instead
     * of 0.
     *
     * @param in the rest of the in-edges
     * @param sums the sums so far, or {@code null} for none ({@code in} holds every in-edge); may be
     *     {@code rank} itself, since each vertex's sum is read before its rank is written
     * @return the new rank of the dangling vertices among {@code [from, to)}, summed
     * @see #iterate the other parameters
     */
    public static double finish(
            Graph.InEdges in,
            int from,
            int to,
            int[] outDegree,
            double[] contrib,
            double base,
            double[] sums,
            double[] rank,
            double[] nextContrib) {
        int[] offsets = in.offsets();
        int[] sources = in.sources();
        double dangling = 0;
        for (int v = from; v < to; v++) {
            double sum = sums == null ? 0 : sums[v];
            for (int e = offsets[v], end = offsets[v + 1]; e < end; e++) {
                sum += contrib[sources[e]];
            }
            double r = base + DAMPING * sum;
            rank[v] = r;
            int degree = outDegree[v];
            if (degree == 0) {
                nextContrib[v] = 0;
                dangling += r;
            } else {
                nextContrib[v] = r / degree;
            }
        }
        return dangling;
    }

    /**
     * @param n the vertex count
     * @param dangling the rank of the dangling vertices
     * @return the rank every vertex gets before its in-edges' contributions
     */
    public static double base(int n, double dangling) {
        return (1 - DAMPING) / n + DAMPING * dangling / n;
    }

    /**
     * Sets the initial ranks ({@code 1 / n}) and contributions of local vertices {@code [from, to)}.
     *
     * @return the initial rank of the dangling vertices among them, summed
     */
    public static double start(int n, int from, int to, int[] outDegree, double[] rank, double[] contrib) {
        double r = 1.0 / n;
        double dangling = 0;
        for (int v = from; v < to; v++) {
            rank[v] = r;
            contrib[v] = outDegree[v] == 0 ? 0 : r / outDegree[v];
            dangling += outDegree[v] == 0 ? r : 0;
        }
        return dangling;
    }

    /**
     * Writes ranks as little-endian doubles, for the run to compare Meld's with the baseline's.
     *
     * @param file the file, replaced
     * @param rank the ranks
     * @throws IOException when it cannot be written
     */
    public static void write(Path file, double[] rank) throws IOException {
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (double r : rank) {
                if (!b.hasRemaining()) {
                    b.flip();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    b.clear();
                }
                b.putDouble(r);
            }
            b.flip();
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
    }

    /**
     * Reads ranks that {@link #write} wrote.
     *
     * @param file the file
     * @return the ranks
     * @throws IOException when it cannot be read
     */
    public static double[] read(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            if (size % 8 != 0 || size / 8 > Integer.MAX_VALUE - 8) {
                throw new IOException(file + " holds " + size + " bytes, not a rank vector");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && in.read(b) >= 0) {
                // reading
            }
            b.flip();
            double[] rank = new double[(int) (size / 8)];
            b.asDoubleBuffer().get(rank);
            return rank;
        }
    }

    /**
     * @param rank ranks
     * @return their sum
     */
    public static double sum(double[] rank) {
        double s = 0;
        for (double r : rank) {
            s += r;
        }
        return s;
    }
}
