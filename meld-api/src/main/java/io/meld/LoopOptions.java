package io.meld;

/**
 * How a node runs its share of a {@code forall} loop.
 *
 * <ul>
 *   <li>{@link #threads()}: on the node's worker threads ({@link Meld#threads()} of them), with work
 *       stealing: the node's part of the index space is split recursively and idle workers steal
 *       halves. Right for loops that compute, or issue fire-and-forget and async operations.
 *   <li>{@link #virtualThreads(int)}: on up to {@code concurrency} virtual threads, each taking the next
 *       {@code grain} iterations when it is free. A blocking remote operation parks only its virtual
 *       thread, so the node keeps {@code concurrency} round trips in flight instead of one per worker:
 *       right for loops whose iterations block on remote elements (latency tolerance, as Grappa's
 *       hundreds of workers per core).
 * </ul>
 *
 * @param virtual whether iterations run on virtual threads
 * @param concurrency the most virtual threads of one node at once (ignored for worker threads)
 * @param grain iterations taken at a time; 0 chooses one from the loop's size
 */
public record LoopOptions(boolean virtual, int concurrency, long grain) {
    /** The default: the node's worker threads, with work stealing. */
    public static final LoopOptions THREADS = new LoopOptions(false, 0, 0);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a value is out of range
     */
    public LoopOptions {
        if (virtual && concurrency < 1) {
            throw new IllegalArgumentException("virtual-thread concurrency " + concurrency + " is less than 1");
        }
        if (grain < 0) {
            throw new IllegalArgumentException("grain " + grain + " is negative");
        }
    }

    /** @return the node's worker threads, with work stealing */
    public static LoopOptions threads() {
        return THREADS;
    }

    /**
     * @param concurrency the most virtual threads of one node at once, e.g. 512 per core
     * @return virtual threads, each taking one iteration at a time
     */
    public static LoopOptions virtualThreads(int concurrency) {
        return new LoopOptions(true, concurrency, 1);
    }

    /**
     * @param grain iterations a worker takes at a time (at least 1)
     * @return these options with that grain
     */
    public LoopOptions withGrain(long grain) {
        if (grain < 1) {
            throw new IllegalArgumentException("grain " + grain + " is less than 1");
        }
        return new LoopOptions(virtual, concurrency, grain);
    }
}
