package io.meld.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The graph options that {@code pagerank} and {@code bfs} share: a SNAP-style edge list ({@code --graph
 * FILE}) or an R-MAT graph with Graph500's parameters ({@code --scale}, {@code --edge-factor}, {@code
 * --seed}), the same whatever the node count. Every node reads or makes the whole graph and keeps its
 * part.
 */
final class GraphInput {
    private GraphInput() {}

    /** @return the options */
    static List<ExampleOption> options() {
        return List.of(
                ExampleOption.text(
                        "graph", "FILE", "read this edge list (src dst per line, # comments) instead of generating"),
                ExampleOption.number("scale", "S", 14, 1, 30, "R-MAT graph of 2^S vertices"),
                ExampleOption.number("edge-factor", "F", 16, 1, 1024, "R-MAT edges per vertex"),
                ExampleOption.number("seed", "SEED", 1, Long.MIN_VALUE, Long.MAX_VALUE, "R-MAT seed"));
    }

    /**
     * @param options the options
     * @throws IllegalArgumentException for a graph file that cannot be read, or a file given with R-MAT
     *     options
     */
    static void check(ExampleOptions options) {
        String file = options.getText("graph");
        if (file == null) {
            return;
        }
        for (String rmat : List.of("scale", "edge-factor", "seed")) {
            if (options.given(rmat)) {
                throw new IllegalArgumentException(
                        "--graph " + file + " and --" + rmat + " exclude each other: read a file or generate R-MAT");
            }
        }
        if (!Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException("--graph " + file + ": no such readable file");
        }
    }

    /**
     * @param options the options
     * @param threads threads to generate with
     * @return the graph they describe
     */
    static Graph load(ExampleOptions options, int threads) {
        String file = options.getText("graph");
        if (file != null) {
            try {
                return Graph.read(Path.of(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the graph " + file, e);
            }
        }
        int scale = options.getInt("scale");
        long m = options.getLong("edge-factor") << scale;
        if (m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "--edge-factor " + options.getLong("edge-factor") + " at --scale " + scale + " is too many edges");
        }
        return Graph.rmat(scale, options.getInt("edge-factor"), options.getLong("seed"), threads);
    }

    /** @return how the figures name the graph */
    static String describe(ExampleOptions options, Graph g) {
        String file = options.getText("graph");
        return (file != null ? "graph=" + Path.of(file).getFileName() : "rmat=2^" + options.getInt("scale"))
                + " vertices=" + g.vertices() + " edges=" + g.edges();
    }
}
