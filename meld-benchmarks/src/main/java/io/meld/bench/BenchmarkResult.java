package io.meld.bench;

/**
 * What a benchmark program, or {@code bin/meld bench}, prints as one JSON line: a record whose components
 * are the line's fields, in order, after {@code "benchmark"}. {@link ResultCodec#encode(BenchmarkResult)}
 * writes it.
 *
 * <p>A component's name, from camel case to snake case, is the field's name ({@code threadsPerNode} is
 * {@code "threads_per_node"}). A {@code double} that is NaN or infinite is written {@code null}: a figure
 * that could not be measured. A component whose type is itself a record is a group of fields written in
 * its place, or not at all when it is {@code null}: fields that only some lines have.
 */
public interface BenchmarkResult {
    /**
     * @return the line's {@code "benchmark"} field, which names what printed it; written first, and once
     *     even when it is also a component
     */
    String benchmark();
}
