package io.meld.examples;

import io.meld.DoubleOp;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Breadth-first search, Graph500's kernel 2: the BFS tree (a parent for every vertex reached) from a root,
 * the edges taken as undirected, on the graphs of {@link GraphInput}.
 *
 * <p>Level-synchronous and owner-computes: each node holds the adjacency of its block of vertices and
 * their parents. For every vertex of its frontier and every neighbour, a node proposes the vertex as the
 * neighbour's parent, {@code MIN} on a global array of candidates, {@value #PROPOSALS} proposals per
 * fire-and-forget {@code accumulate(neighbours, MIN, vertices, ...)}: combined per destination node and
 * applied at the neighbour's home. After a barrier, each node adopts, for each of its unvisited vertices
 * that got a candidate, the smallest one as the parent, and those vertices are its next frontier. The
 * search ends when every frontier is empty.
 *
 * <p>The check follows Graph500's validation rules (parents are not unique, so the tree is validated,
 * never compared): the root is its own parent; following parents from every reached vertex ends at the
 * root (a tree, no cycle), which gives each its level; a vertex and its parent are joined by an input edge
 * and their levels differ by one; every input edge joins two vertices whose levels differ by at most one,
 * or two unreached vertices (so the tree spans the root's whole component). Node 0 validates the gathered
 * parents sequentially.
 */
final class Bfs implements Example {
    /** How many parent proposals a node gathers before it makes them in one call. */
    static final int PROPOSALS = 1024;

    private static final long NONE = Long.MAX_VALUE;

    @Override
    public String name() {
        return "bfs";
    }

    @Override
    public String description() {
        return "Graph500 kernel 2: breadth-first search tree from --root, edges undirected, on a SNAP edge list"
                + " or an R-MAT graph; validated by Graph500's rules";
    }

    @Override
    public List<ExampleOption> options() {
        List<ExampleOption> o = new ArrayList<>(GraphInput.options());
        o.add(ExampleOption.number(
                "root", "R", -1, -1, Long.MAX_VALUE, "the root's id; -1 picks the vertex with the most edges"));
        o.add(ExampleOption.text("out", "FILE", "write vertex<TAB>parent lines (-1: unreached), sorted by id"));
        o.add(ExampleOption.flag("corrupt", "break one parent before the check, to show it failing")
                .hide());
        return List.copyOf(o);
    }

    @Override
    public void check(ExampleOptions options) {
        GraphInput.check(options);
    }

    @Override
    public ExampleResult run(Meld meld, ExampleOptions options, Log log) throws Exception {
        Graph graph = GraphInput.load(options, meld.threads());
        int n = graph.vertices();
        int root = root(graph, options.getLong("root"));
        if (root < 0) {
            return ExampleResult.fail("--root " + options.getLong("root") + " is not a vertex of the graph");
        }
        try (GlobalLongArray candidates = meld.longArray("bfs.candidates", n);
                GlobalLongArray parents = meld.longArray("bfs.parents", n)) {
            int local = (int) candidates.localLength();
            int lo = local == 0 ? 0 : (int) candidates.globalIndex(0);
            int[][] adjacency = adjacency(graph, lo, lo + local);
            long[] parent = new long[local];
            Arrays.fill(parent, -1);
            // This node's candidates, in place (its share is one chunk): written and read plainly between
            // barriers, while no operation touches them.
            long[] mine = candidates.local().array();
            Arrays.fill(mine, NONE);
            meld.barrier();

            long start = System.nanoTime();
            int[] frontier = new int[0];
            if (root >= lo && root < lo + local) {
                parent[root - lo] = root;
                frontier = new int[] {root};
            }
            int levels = 0;
            long reached = 1;
            long[] proposed = new long[PROPOSALS];
            long[] proposers = new long[PROPOSALS];
            while (true) {
                int gathered = 0;
                for (int u : frontier) {
                    for (int w : adjacency[u - lo]) {
                        proposed[gathered] = w;
                        proposers[gathered++] = u;
                        if (gathered == PROPOSALS) {
                            candidates.accumulate(proposed, LongOp.MIN, proposers, 0, gathered);
                            gathered = 0;
                        }
                    }
                }
                candidates.accumulate(proposed, LongOp.MIN, proposers, 0, gathered);
                meld.barrier(); // every proposal of this level has landed
                int[] next = new int[16];
                int size = 0;
                for (int v = 0; v < local; v++) {
                    if (parent[v] == -1) {
                        long c = mine[v]; // the barrier completed every proposal: a plain read
                        if (c != NONE) {
                            parent[v] = c;
                            if (size == next.length) {
                                next = Arrays.copyOf(next, size * 2);
                            }
                            next[size++] = lo + v;
                        }
                    }
                }
                frontier = Arrays.copyOf(next, size);
                long found = meld.allReduce((long) size, LongOp.SUM);
                if (found == 0) {
                    break;
                }
                reached += found;
                levels++;
            }
            double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);

            System.arraycopy(parent, 0, parents.local().array(), 0, local);
            meld.barrier();
            long[] verdict = new long[2];
            String reason = null;
            if (meld.rank() == 0) {
                long[] all = new long[n];
                parents.get(0, all, 0, n);
                if (options.isSet("corrupt")) {
                    corrupt(all, root);
                }
                reason = validate(graph, root, all);
                verdict[0] = reason == null ? 1 : 0;
                verdict[1] = componentEdges(graph, all);
                String out = options.getText("out");
                if (out != null) {
                    write(Path.of(out), graph, all);
                }
            }
            verdict = meld.broadcast(verdict, 0);
            long edges = verdict[1];
            String figures = String.format(
                    Locale.ROOT,
                    "%s root=%d reached=%d levels=%d seconds=%.3f TEPS=%.4g nodes=%d",
                    GraphInput.describe(options, graph),
                    graph.id(root),
                    reached,
                    levels,
                    seconds,
                    edges / seconds,
                    meld.size());
            log.println(String.format(
                    Locale.ROOT,
                    "bfs: from vertex %d, %,d of %,d vertices reached in %d levels, %.3f s: %.3g traversed edges/s"
                            + " (input edges in the component / time) on %d nodes",
                    graph.id(root),
                    reached,
                    n,
                    levels,
                    seconds,
                    edges / seconds,
                    meld.size()));
            if (verdict[0] == 1) {
                return ExampleResult.ok(figures);
            }
            return ExampleResult.fail(
                    (reason != null ? reason : "node 0's validation failed (see its result line)") + "; " + figures);
        }
    }

    private static int root(Graph g, long id) {
        if (id >= 0) {
            return g.vertexOf(id);
        }
        int[] degree = new int[g.vertices()];
        for (int e = 0; e < g.edges(); e++) {
            degree[g.src()[e]]++;
            degree[g.dst()[e]]++;
        }
        int best = 0;
        for (int v = 1; v < degree.length; v++) {
            if (degree[v] > degree[best]) {
                best = v;
            }
        }
        return best;
    }

    /** @return the neighbours of each vertex in {@code [lo, hi)}, both directions of every edge, no self-loops */
    static int[][] adjacency(Graph g, int lo, int hi) {
        int[] count = new int[hi - lo];
        int[] src = g.src();
        int[] dst = g.dst();
        for (int e = 0; e < src.length; e++) {
            if (src[e] == dst[e]) {
                continue;
            }
            if (src[e] >= lo && src[e] < hi) {
                count[src[e] - lo]++;
            }
            if (dst[e] >= lo && dst[e] < hi) {
                count[dst[e] - lo]++;
            }
        }
        int[][] adj = new int[hi - lo][];
        for (int v = 0; v < adj.length; v++) {
            adj[v] = new int[count[v]];
        }
        Arrays.fill(count, 0);
        for (int e = 0; e < src.length; e++) {
            if (src[e] == dst[e]) {
                continue;
            }
            if (src[e] >= lo && src[e] < hi) {
                adj[src[e] - lo][count[src[e] - lo]++] = dst[e];
            }
            if (dst[e] >= lo && dst[e] < hi) {
                adj[dst[e] - lo][count[dst[e] - lo]++] = src[e];
            }
        }
        return adj;
    }

    /**
     * Graph500's validation of a BFS tree.
     *
     * @param g the graph, its edges taken as undirected
     * @param root the root
     * @param parent every vertex's parent, {@code -1} for unreached
     * @return {@code null} when the tree is valid, else the first rule it breaks
     */
    static String validate(Graph g, int root, long[] parent) {
        int n = g.vertices();
        if (parent[root] != root) {
            return "the root " + g.id(root) + " is not its own parent (" + parent[root] + ")";
        }
        // Levels by following parents; a chain longer than n is a cycle.
        int[] level = new int[n];
        Arrays.fill(level, -1);
        level[root] = 0;
        int[] path = new int[n];
        for (int v = 0; v < n; v++) {
            if (parent[v] == -1 || level[v] >= 0) {
                continue;
            }
            int len = 0;
            int x = v;
            while (level[x] < 0) {
                if (len == n || parent[x] < 0 || parent[x] >= n || parent[x] == x) {
                    return "following parents from vertex " + g.id(v) + " does not reach the root (at " + g.id(x)
                            + ", parent " + parent[x] + ")";
                }
                path[len++] = x;
                x = (int) parent[x];
            }
            for (int i = len - 1; i >= 0; i--) {
                level[path[i]] = level[x] + (len - i);
            }
        }
        // Edges: tree edges exist, levels differ by at most one, the tree spans the component.
        boolean[] parentEdge = new boolean[n];
        parentEdge[root] = true;
        for (int e = 0; e < g.edges(); e++) {
            int a = g.src()[e];
            int b = g.dst()[e];
            if ((level[a] < 0) != (level[b] < 0)) {
                return "edge " + g.id(a) + "-" + g.id(b) + " joins a reached and an unreached vertex";
            }
            if (level[a] >= 0 && Math.abs(level[a] - level[b]) > 1) {
                return "edge " + g.id(a) + "-" + g.id(b) + " joins levels " + level[a] + " and " + level[b];
            }
            if (parent[b] == a) {
                parentEdge[b] = true;
            }
            if (parent[a] == b) {
                parentEdge[a] = true;
            }
        }
        for (int v = 0; v < n; v++) {
            if (level[v] >= 0 && !parentEdge[v]) {
                return "vertex " + g.id(v) + " and its parent " + g.id((int) parent[v]) + " share no edge";
            }
            if (level[v] > 0 && level[(int) parent[v]] != level[v] - 1) {
                return "vertex " + g.id(v) + " is at level " + level[v] + " but its parent at "
                        + level[(int) parent[v]];
            }
        }
        return null;
    }

    /** @return the input edges whose source was reached: Graph500's count of traversed edges */
    private static long componentEdges(Graph g, long[] parent) {
        long m = 0;
        for (int e = 0; e < g.edges(); e++) {
            if (parent[g.src()[e]] != -1) {
                m++;
            }
        }
        return m;
    }

    /** Makes the reached vertex farthest from the root in index order its own parent. */
    private static void corrupt(long[] parent, int root) {
        for (int v = parent.length - 1; v >= 0; v--) {
            if (v != root && parent[v] != -1) {
                parent[v] = v;
                return;
            }
        }
        parent[root] = -1;
    }

    /** Writes {@code id<TAB>parent-id} lines in id order; {@code -1} for unreached vertices. */
    static void write(Path file, Graph g, long[] parent) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int v = 0; v < parent.length; v++) {
                w.write(Long.toString(g.id(v)));
                w.write('\t');
                w.write(Long.toString(parent[v] < 0 ? -1 : g.id((int) parent[v])));
                w.write('\n');
            }
        }
    }
}
