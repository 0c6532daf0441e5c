package io.meld.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A directed graph as an edge list: {@code edges} pairs {@code (src[e], dst[e])} over the vertices {@code
 * 0..vertices-1}, duplicates and self-loops kept. Made the same way in every process that needs it, so
 * that Meld's nodes and the shared-memory baseline work on the same graph whatever the node count.
 *
 * @param vertices the vertex count
 * @param src the source of each edge
 * @param dst the destination of each edge
 */
public record Graph(int vertices, int[] src, int[] dst) {
    /** Graph500's R-MAT initiator: the probabilities of the four quadrants at every level. */
    public static final double A = 0.57;

    /** See {@link #A}. */
    public static final double B = 0.19;

    /** See {@link #A}. */
    public static final double C = 0.19;

    /** @return the edge count */
    public int edges() {
        return src.length;
    }

    /**
     * An R-MAT graph with Graph500's parameters: {@code 2^scale} vertices, {@code edgeFactor * 2^scale}
     * edges, each placed by descending {@code scale} levels of the adjacency matrix, choosing a quadrant
     * with probabilities A = 0.57, B = C = 0.19, D = 0.05; then the vertex labels are permuted at random,
     * as Graph500 does, so that the high-degree vertices are spread over the index space (and so over the
     * nodes). Graph500's per-level noise is left out. Edge {@code e} is drawn from its own random stream,
     * seeded by {@code seed} and {@code e}, so the graph does not depend on {@code threads}.
     *
     * @param scale log2 of the vertex count, 1 to 30
     * @param edgeFactor edges per vertex
     * @param seed the seed
     * @param threads threads to generate with
     * @return the graph
     */
    public static Graph rmat(int scale, int edgeFactor, long seed, int threads) {
        if (scale < 1 || scale > 30) {
            throw new IllegalArgumentException("scale must be from 1 to 30, not " + scale);
        }
        long m = (long) edgeFactor << scale;
        if (edgeFactor < 1 || m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "edge factor " + edgeFactor + " at scale " + scale + " gives " + m + " edges; at most 2^31 - 9");
        }
        int n = 1 << scale;
        int edges = (int) m;
        int[] src = new int[edges];
        int[] dst = new int[edges];
        int[] perm = permutation(n, seed);
        // Thresholds on 32-bit uniform draws: two levels per 64-bit draw.
        long ta = (long) (A * 4294967296.0);
        long tab = (long) ((A + B) * 4294967296.0);
        long tabc = (long) ((A + B + C) * 4294967296.0);
        Team.run(threads, t -> {
            int from = (int) ((long) edges * t / threads);
            int to = (int) ((long) edges * (t + 1) / threads);
            for (int e = from; e < to; e++) {
                long state = mix(seed ^ mix(e + 0x632BE59BD9B4E019L));
                int u = 0;
                int v = 0;
                long bits = 0;
                for (int level = 0; level < scale; level++) {
                    if ((level & 1) == 0) {
                        state += 0x9E3779B97F4A7C15L;
                        bits = mix(state);
                    }
                    long r = (level & 1) == 0 ? bits & 0xFFFF_FFFFL : bits >>> 32;
                    int i = r < ta ? 0 : r < tab ? 1 : r < tabc ? 2 : 3;
                    u = (u << 1) | (i >> 1);
                    v = (v << 1) | (i & 1);
                }
                src[e] = perm[u];
                dst[e] = perm[v];
            }
        });
        return new Graph(n, src, dst);
    }

    /**
     * Reads a SNAP-style edge list: lines of two non-negative integer ids, {@code src dst}, separated by
     * tabs or spaces; {@code #} starts a comment line; blank lines are skipped. The vertices are exactly
     * the ids that appear, numbered here in increasing id order (ids may have gaps); duplicate edges count
     * with their multiplicity.
     *
     * @param file the file
     * @return the graph
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException for a malformed line, naming it
     */
    public static Graph read(Path file) throws IOException {
        long[] pairs = new long[1 << 16];
        int count = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                String[] parts = s.split("\\s+");
                if (parts.length < 2) {
                    throw new IllegalArgumentException(
                            file + ":" + number + ": expected 'src dst', got '" + line + "'");
                }
                long a;
                long b;
                try {
                    a = Long.parseLong(parts[0]);
                    b = Long.parseLong(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + number + ": not two integer ids: '" + line + "'");
                }
                if (a < 0 || b < 0) {
                    throw new IllegalArgumentException(file + ":" + number + ": negative id in '" + line + "'");
                }
                if (2 * count + 2 > pairs.length) {
                    if (pairs.length >= Integer.MAX_VALUE / 2) {
                        throw new IllegalArgumentException(file + ": too many edges");
                    }
                    pairs = Arrays.copyOf(pairs, pairs.length * 2);
                }
                pairs[2 * count] = a;
                pairs[2 * count + 1] = b;
                count++;
            }
        }
        long[] ids = Arrays.copyOf(pairs, 2 * count);
        Arrays.sort(ids);
        int unique = 0;
        for (int i = 0; i < ids.length; i++) {
            if (i == 0 || ids[i] != ids[i - 1]) {
                ids[unique++] = ids[i];
            }
        }
        int[] src = new int[count];
        int[] dst = new int[count];
        for (int e = 0; e < count; e++) {
            src[e] = Arrays.binarySearch(ids, 0, unique, pairs[2 * e]);
            dst[e] = Arrays.binarySearch(ids, 0, unique, pairs[2 * e + 1]);
        }
        return new Graph(unique, src, dst);
    }

    /** @return every vertex's out-degree */
    public int[] outDegrees() {
        int[] degree = new int[vertices];
        for (int s : src) {
            degree[s]++;
        }
        return degree;
    }

    /**
     * The in-edges of the vertices {@code [lo, hi)}, grouped by destination (compressed sparse rows), each
     * vertex's sources in edge order: so every process sums a vertex's in-edges in the same order.
     *
     * @param lo the first vertex
     * @param hi past the last vertex
     * @return the rows
     */
    public InEdges inEdges(int lo, int hi) {
        int[] offsets = new int[hi - lo + 1];
        for (int d : dst) {
            if (d >= lo && d < hi) {
                offsets[d - lo + 1]++;
            }
        }
        for (int v = 0; v < hi - lo; v++) {
            offsets[v + 1] += offsets[v];
        }
        int[] fill = Arrays.copyOf(offsets, hi - lo);
        int[] sources = new int[offsets[hi - lo]];
        for (int e = 0; e < dst.length; e++) {
            int d = dst[e];
            if (d >= lo && d < hi) {
                sources[fill[d - lo]++] = src[e];
            }
        }
        return new InEdges(lo, offsets, sources);
    }

    /**
     * The in-edges of a range of vertices.
     *
     * @param lo the first vertex
     * @param offsets vertex {@code lo + i}'s sources are {@code sources[offsets[i] .. offsets[i + 1])}
     * @param sources the source vertices
     */
    public record InEdges(int lo, int[] offsets, int[] sources) {
        /** @return the vertex count */
        public int vertices() {
            return offsets.length - 1;
        }

        /**
         * Splits the vertices into {@code parts} consecutive ranges of about equal in-edges plus vertices
         * (the work of an iteration).
         *
         * @param parts how many ranges
         * @return {@code parts + 1} boundaries, local vertex indices from 0 to {@link #vertices()}
         */
        public int[] split(int parts) {
            int n = vertices();
            long total = (long) sources.length + n;
            int[] bounds = new int[parts + 1];
            int v = 0;
            for (int p = 1; p < parts; p++) {
                long target = total * p / parts;
                while (v < n && (long) offsets[v] + v < target) {
                    v++;
                }
                bounds[p] = v;
            }
            bounds[parts] = n;
            return bounds;
        }
    }

    /** A random permutation of {@code 0..n-1} (Fisher-Yates on a SplitMix64 stream). */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        long state = mix(seed ^ 0x5DEECE66DL);
        for (int i = n - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            int j = (int) Long.remainderUnsigned(mix(state), i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
