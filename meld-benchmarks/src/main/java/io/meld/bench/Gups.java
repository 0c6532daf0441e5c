package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Random atomic increments (GUPS): every thread of every node adds 1 to uniformly random elements of
 * one global table for a fixed time, then the table's sum is checked against the number of updates.
 * Both Meld and the baseline first run the same work untimed for a while ({@link #warmupSeconds}), so
 * that the comparison is of compiled code, not of the JIT's warm-up.
 *
 * <p>{@link #main} is the SPMD program {@code bin/meld bench gups} runs on each node; {@link
 * #sharedMemory} is the baseline: the same increments by the same number of threads on one JVM's
 * {@code long[]} with plain Java atomics.
 */
public final class Gups {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int BATCH = 4096;

    private Gups() {}

    /**
     * Runs on one node of a cluster started by the launcher.
     *
     * @param args {@code TABLE_LOG2 SECONDS [--corrupt]}; {@code --corrupt} adds one increment that is not
     *     counted, to show that verification catches a wrong table
     */
    public static void main(String[] args) {
        int tableLog2 = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        boolean corrupt = args.length > 2 && args[2].equals("--corrupt");
        GupsResult result;
        try (Meld meld = Meld.join()) {
            result = run(meld, tableLog2, seconds, corrupt);
            if (meld.rank() == 0) {
                System.out.println(result.json());
            }
        }
        System.exit(result.verified() ? 0 : 1);
    }

    /**
     * The benchmark on one node: a collective.
     *
     * @param meld the node
     * @param tableLog2 log2 of the table length
     * @param seconds how long every thread updates
     * @param corrupt whether node 0 adds one uncounted increment (verification must then fail)
     * @return the result, the same on every node
     */
    public static GupsResult run(Meld meld, int tableLog2, double seconds, boolean corrupt) {
        long mask = (1L << tableLog2) - 1;
        int threads = meld.threads();
        try (GlobalLongArray table = meld.longArray("gups", 1L << tableLog2)) {
            long[] streams = new long[threads];
            for (int t = 0; t < threads; t++) {
                streams[t] = XorShift.seed(meld.rank(), t);
            }
            // Warm-up: the same work, untimed, so the JIT has compiled the paths before the clock runs.
            Batch batch = x -> {
                for (int i = 0; i < BATCH; i++) {
                    x = XorShift.next(x);
                    table.add(x & mask, 1);
                }
                return x;
            };
            String name = "gups-" + meld.rank();
            long warm = phase(streams, warmupSeconds(seconds), name, batch, meld::fence)[0];
            meld.barrier();
            long[] measured = phase(streams, seconds, name, batch, meld::fence);
            long updates = measured[0];
            double elapsed = measured[1] / 1e9;
            if (corrupt && meld.rank() == 0) {
                table.add(mask, 1);
            }
            meld.barrier();
            long localSum = 0;
            long[] part = new long[(int) Math.min(table.localLength(), 1 << 20)];
            for (long j = 0; j < table.localLength(); j += part.length) {
                int n = (int) Math.min(part.length, table.localLength() - j);
                long g = table.globalIndex(j);
                table.get(g, part, 0, n);
                for (int i = 0; i < n; i++) {
                    localSum += part[i];
                }
            }
            long total = meld.allReduce(updates, LongOp.SUM);
            long all = meld.allReduce(updates + warm, LongOp.SUM);
            long sum = meld.allReduce(localSum, LongOp.SUM);
            double slowest = meld.allReduce(elapsed, (double a, double b) -> Math.max(a, b));
            return new GupsResult(meld.size(), threads, tableLog2, total, slowest, sum == all);
        }
    }

    /** @return how long to warm up before a run of {@code seconds} */
    static double warmupSeconds(double seconds) {
        return Math.min(2, Math.max(0.2, seconds / 2));
    }

    /**
     * The baseline: the same increments by {@code threads} threads on one {@code long[]} in this JVM.
     *
     * @param threads how many threads
     * @param tableLog2 log2 of the table length
     * @param seconds how long every thread updates
     * @return the result
     */
    public static GupsResult sharedMemory(int threads, int tableLog2, double seconds) {
        long mask = (1L << tableLog2) - 1;
        long[] table = new long[1 << tableLog2];
        long[] streams = new long[threads];
        for (int t = 0; t < threads; t++) {
            streams[t] = XorShift.seed(0, t);
        }
        Batch batch = x -> {
            for (int i = 0; i < BATCH; i++) {
                x = XorShift.next(x);
                // Typed like the access mode (it returns the old value), so the JIT emits the atomic
                // instruction itself; a void call site does not.
                long ignored = (long) LONGS.getAndAdd(table, (int) (x & mask), 1L);
            }
            return x;
        };
        long warm = phase(streams, warmupSeconds(seconds), "gups-shared", batch, () -> {})[0];
        long[] measured = phase(streams, seconds, "gups-shared", batch, () -> {});
        long sum = 0;
        for (long v : table) {
            sum += v;
        }
        return new GupsResult(1, threads, tableLog2, measured[0], measured[1] / 1e9, sum == measured[0] + warm);
    }

    /** Makes {@link #BATCH} updates from the stream at {@code x}; returns where the stream is then. */
    @FunctionalInterface
    interface Batch {
        long run(long x);
    }

    /**
     * One thread per stream runs {@code batch} until {@code seconds} have passed, then {@code after}.
     *
     * @return the updates made and the nanoseconds the phase took
     */
    static long[] phase(long[] streams, double seconds, String name, Batch batch, Runnable after) {
        AtomicLong updates = new AtomicLong();
        Thread[] workers = new Thread[streams.length];
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (int t = 0; t < streams.length; t++) {
            int thread = t;
            workers[t] = new Thread(
                    () -> {
                        long x = streams[thread];
                        long count = 0;
                        do {
                            x = batch.run(x);
                            count += BATCH;
                        } while (System.nanoTime() < deadline);
                        after.run();
                        streams[thread] = x;
                        updates.addAndGet(count);
                    },
                    name + "-" + t);
            workers[t].start();
        }
        join(workers);
        return new long[] {updates.get(), System.nanoTime() - start};
    }

    private static void join(Thread[] threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + t.getName(), e);
            }
        }
    }
}
