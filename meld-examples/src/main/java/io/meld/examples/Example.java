package io.meld.examples;

import io.meld.Meld;
import java.util.List;

/**
 * An application that checks its own answer. {@link #run} is SPMD: every node of the cluster calls it
 * with the same options, and every node returns the same {@link ExampleResult} (the check ends in a
 * collective, so that all nodes agree whether it passed).
 *
 * <p>Implementations are stateless: one instance serves any number of runs, also concurrent ones (the
 * nodes of an in-JVM cluster are threads of one JVM).
 */
public interface Example {
    /** @return the name {@code bin/meld example NAME} takes, lower case */
    String name();

    /** @return one line: what it computes and how it checks it */
    String description();

    /** @return its options (besides the launcher's {@code --nodes}, {@code --threads}, {@code --jvm-opt}) */
    List<ExampleOption> options();

    /**
     * Checks what {@link ExampleOptions#parse} cannot: files that must exist, options that exclude each
     * other. Called before any node starts, and again on every node.
     *
     * @param options the parsed options
     * @throws IllegalArgumentException naming the bad option and value
     */
    default void check(ExampleOptions options) {}

    /**
     * Runs the application on this node and checks the answer.
     *
     * @param meld this node
     * @param options the run's options, checked
     * @param log where rank 0 writes what a reader should see besides the result line (tables, progress);
     *     the other nodes should write nothing
     * @return the result, the same on every node
     * @throws Exception when the run cannot complete; the caller reports it as a failure
     */
    ExampleResult run(Meld meld, ExampleOptions options, Log log) throws Exception;

    /** Where an example writes lines for the reader. */
    @FunctionalInterface
    interface Log {
        /** A log that drops everything. */
        Log NONE = line -> {};

        /** @param line one line of text, without its newline */
        void println(String line);
    }
}
