package io.meld.compute;

import io.meld.GlobalArray;
import io.meld.LocalSpan;
import io.meld.LongOp;
import io.meld.LoopOptions;
import io.meld.MeldException;
import io.meld.collective.CollectiveEngine;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.memory.LoopSpace;
import io.meld.memory.MemoryService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Owner-computes loops ({@code forall}): each node runs the iterations of the indices it holds, on its
 * worker threads with work stealing, or on virtual threads, and the loop ends on every node together.
 *
 * <h2>How a loop runs</h2>
 *
 * <ol>
 *   <li>The node's part of the index space is a run of local indices ({@link LoopSpace}).
 *   <li>Worker threads: a {@link ForkJoinPool} of {@code meld.threads} workers splits the run in halves
 *       recursively down to a grain (a sixteenth of a worker's share by default), and idle workers
 *       steal pending halves. Virtual threads: {@code concurrency} of them take {@code grain} iterations
 *       at a time from a shared cursor until the run is used up.
 *   <li>{@code forallLocal} splits the run the same way, into pieces of at least {@value #MIN_SPAN}
 *       elements, and hands each piece to the body as {@link io.meld.LocalSpan spans} of storage (one
 *       per chunk, or per block of a block-cyclic array): one call of the body per span, whose own loop
 *       over plain arrays is what the JIT compiles.
 *   <li>When the run is done, the buffers the loop's threads filled are sent ({@link
 *       MemoryService#flushFor}), the calling thread fences, and the nodes agree, in one reduction,
 *       whether any iteration anywhere failed. So when {@code forall} returns, every iteration on every
 *       node has ended and every operation it issued is complete: the loop is a barrier.
 * </ol>
 *
 * <p>While the body runs, the node's collectives refuse every call ({@link CollectiveEngine#beginLoop}):
 * a body that calls {@code barrier()} fails naming the loop, instead of being matched against the loop's
 * own closing reduction on the other nodes.
 *
 * <p>An iteration that throws stops the node from starting more (those under way finish); the first
 * exception is thrown on its node, with later ones suppressed, and every other node throws a {@link
 * MeldException} naming the lowest failing node.
 *
 * <p><b>Concurrency</b>: a loop is a collective, so one thread per node calls {@code forall} at a time;
 * the body runs on many threads at once. The pool is created with the node and shut down with it.
 */
public final class LoopRunner implements NodeService {
    private static final int SPLITS_PER_WORKER = 16;
    /** The fewest elements a worker of {@link #forallLocal} takes at a time (a span may still be shorter). */
    private static final long MIN_SPAN = 4096;

    private final int size;
    private final MemoryService memory;
    private final CollectiveEngine collectives;
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    // Set at start, before the node is handed to the program, which alone runs loops.
    private int rank = -1;
    private int threads;
    private ForkJoinPool pool;

    /**
     * @param size the number of nodes
     * @param memory the node's global memory
     * @param collectives the node's collectives
     */
    public LoopRunner(int size, MemoryService memory, CollectiveEngine collectives) {
        this.size = size;
        this.memory = memory;
        this.collectives = collectives;
    }

    /** Creates the pool of the node's worker threads ({@link NodeContext#threads()}). */
    @Override
    public void start(NodeContext node) {
        this.rank = node.rank();
        this.threads = node.threads();
        int rank = this.rank;
        this.pool = new ForkJoinPool(
                threads,
                p -> {
                    ForkJoinWorkerThread t = new ForkJoinWorkerThread(null, p, true) {
                        @Override
                        protected void onTermination(Throwable exception) {
                            workers.remove(this);
                        }
                    };
                    t.setName("meld-worker-" + rank + "-" + t.getPoolIndex());
                    t.setDaemon(true);
                    workers.add(t);
                    return t;
                },
                null,
                false);
    }

    /**
     * Runs {@code body} for the indices of {@code [from, to)} of {@code array} this node holds.
     *
     * @param array the array
     * @param from the first index
     * @param to the index after the last
     * @param options how to run
     * @param body the iteration
     */
    public void forall(GlobalArray array, long from, long to, LoopOptions options, LongConsumer body) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(body, "body");
        Supplier<String> loop = () -> describe("forall", array, from, to);
        collectives.checkCaller(loop);
        LoopSpace space = LoopSpace.of(array, from, to);
        run(space.first(), space.end(), space::global, options, body, loop);
    }

    /**
     * Runs {@code body} over the spans of this node's elements of {@code [from, to)} of {@code array}.
     *
     * @param array the array
     * @param from the first index
     * @param to the index after the last
     * @param body what to run for each span
     */
    public void forallLocal(GlobalArray array, long from, long to, Consumer<LocalSpan> body) {
        Objects.requireNonNull(body, "body");
        Supplier<String> loop = () -> describe("forallLocal", array, from, to);
        collectives.checkCaller(loop);
        LoopSpace space = LoopSpace.of(array, from, to);
        long lo = space.first();
        long hi = space.end();
        Failure failure = new Failure();
        if (lo < hi) {
            // Spans long enough that the body's own loop, not the call per span, is what costs.
            long grain = Math.max(MIN_SPAN, (hi - lo) / ((long) threads * SPLITS_PER_WORKER));
            collectives.beginLoop(loop);
            try {
                pool.invoke(new Range(lo, hi, grain, (a, b) -> space.spans(a, b, body), failure));
            } finally {
                collectives.endLoop();
            }
        }
        end(failure);
    }

    /**
     * Runs {@code body} for this node's block of {@code [from, to)}.
     *
     * @param from the first index
     * @param to the index after the last
     * @param options how to run
     * @param body the iteration
     */
    public void forall(long from, long to, LoopOptions options, LongConsumer body) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(body, "body");
        if (from > to) {
            throw new IllegalArgumentException("loop range [" + from + ", " + to + ") is empty backwards");
        }
        Supplier<String> loop = () -> "forall(...) over [" + from + ", " + to + ")";
        collectives.checkCaller(loop);
        long n = to - from;
        long q = n / size;
        long r = n % size;
        long start = from + rank * q + Math.min(rank, r);
        long length = q + (rank < r ? 1 : 0);
        run(start, start + length, local -> local, options, body, loop);
    }

    @Override
    public void close() {
        ForkJoinPool pool = this.pool;
        if (pool == null) {
            return;
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Maps a local index to the index the body gets. */
    @FunctionalInterface
    private interface IndexMap {
        long global(long local);
    }

    /** What a worker does with a run of local indices it took. */
    @FunctionalInterface
    private interface Leaf {
        void run(long lo, long hi);
    }

    private void run(long lo, long hi, IndexMap map, LoopOptions options, LongConsumer body, Supplier<String> loop) {
        Failure failure = new Failure();
        if (lo < hi) {
            collectives.beginLoop(loop);
            try {
                if (options.virtual()) {
                    runVirtual(lo, hi, map, options, body, failure);
                } else {
                    long grain = options.grain() > 0
                            ? options.grain()
                            : Math.max(1, (hi - lo) / ((long) threads * SPLITS_PER_WORKER));
                    pool.invoke(new Range(lo, hi, grain, (a, b) -> each(a, b, map, body), failure));
                }
            } finally {
                collectives.endLoop();
            }
        }
        end(failure);
    }

    /** A loop over an array, for a message: {@code forall(...) over global long array 'a'[, indices [1, 9)]}. */
    private static String describe(String loop, GlobalArray array, long from, long to) {
        return loop + "(...) over " + array
                + (from == 0 && to == array.length() ? "" : ", indices [" + from + ", " + to + ")");
    }

    /** Runs the body for each local index of {@code [lo, hi)}. */
    private static void each(long lo, long hi, IndexMap map, LongConsumer body) {
        for (long j = lo; j < hi; j++) {
            body.accept(map.global(j));
        }
    }

    /**
     * The end of every loop: sends what the loop's threads buffered, fences, and agrees with the other
     * nodes whether an iteration failed anywhere; throws when one did.
     */
    private void end(Failure failure) {
        List<Thread> loopThreads = new ArrayList<>(workers);
        memory.flushFor(loopThreads);
        memory.fence();
        Throwable mine = failure.first.get();
        long failed = collectives.allReduceLong(mine != null ? rank : Long.MAX_VALUE, LongOp.MIN);
        if (mine instanceof RuntimeException e) {
            throw e;
        }
        if (mine instanceof Error e) {
            throw e;
        }
        if (mine != null) {
            throw new MeldException("forall failed on node " + rank, mine);
        }
        if (failed != Long.MAX_VALUE) {
            throw new MeldException("forall failed on node " + failed + " (see that node's exception)");
        }
    }

    private void runVirtual(long lo, long hi, IndexMap map, LoopOptions options, LongConsumer body, Failure failure) {
        AtomicLong cursor = new AtomicLong(lo);
        long grain = Math.max(1, options.grain());
        long needed = (hi - lo + grain - 1) / grain;
        int count = (int) Math.min(options.concurrency(), needed);
        Thread[] started = new Thread[count];
        for (int i = 0; i < count; i++) {
            started[i] = Thread.ofVirtual()
                    .name("meld-virtual-" + rank + "-" + i)
                    .start(() -> {
                        long j;
                        while (!failure.stop && (j = cursor.getAndAdd(grain)) < hi) {
                            long end = Math.min(hi, j + grain);
                            try {
                                for (long k = j; k < end; k++) {
                                    body.accept(map.global(k));
                                }
                            } catch (Throwable t) {
                                failure.record(t);
                            }
                        }
                    });
        }
        boolean interrupted = false;
        for (Thread t : started) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.stop = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            failure.record(new MeldException("interrupted while a forall ran on node " + rank));
        }
    }

    /** The first exception of a loop, later ones suppressed in it; and whether to stop taking work. */
    private static final class Failure {
        final AtomicReference<Throwable> first = new AtomicReference<>();
        volatile boolean stop;

        void record(Throwable t) {
            stop = true;
            if (!first.compareAndSet(null, t)) {
                Throwable f = first.get();
                synchronized (f) {
                    f.addSuppressed(t);
                }
            }
        }
    }

    /** A run of local indices, split in halves until it is no larger than the grain. */
    private static final class Range extends RecursiveAction {
        private static final long serialVersionUID = 1L;

        private final long lo;
        private final long hi;
        private final long grain;
        private final transient Leaf leaf;
        private final transient Failure failure;

        Range(long lo, long hi, long grain, Leaf leaf, Failure failure) {
            this.lo = lo;
            this.hi = hi;
            this.grain = grain;
            this.leaf = leaf;
            this.failure = failure;
        }

        @Override
        protected void compute() {
            if (failure.stop) {
                return;
            }
            if (hi - lo <= grain) {
                try {
                    leaf.run(lo, hi);
                } catch (Throwable t) {
                    failure.record(t);
                }
                return;
            }
            long mid = lo + (hi - lo) / 2;
            Range right = new Range(mid, hi, grain, leaf, failure);
            right.fork();
            new Range(lo, mid, grain, leaf, failure).compute();
            right.join();
        }
    }
}
