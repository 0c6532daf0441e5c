package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Random atomic increments (GUPS): every thread of every node adds 1 to uniformly random elements of
 * one global table for a fixed time, then the table's sum is checked against the number of updates.
 * Both Meld and the baseline first run the same work untimed until the JIT is quiet ({@link Warmup}), so
 * that the comparison is of compiled code, not of the JIT's warm-up.
 *
 * <p>Meld's threads issue the increments in one of two {@linkplain Form forms}: one {@code add} per
 * update, or {@code add(indices, ...)} of {@value #BLOCK} random indices at a time (the look-ahead
 * HPCC RandomAccess allows). {@link #main} is the SPMD program {@code bin/meld bench gups} runs on each
 * node; {@link #sharedMemory} is the baseline: the same increments by the same number of threads on one
 * JVM's {@code long[]} with plain Java atomics, one at a time (on plain memory a block of precomputed
 * indices, then their atomics, is slower than the loop: {@code LocalUpdateBenchmark.plainAtomicAddBlock}).
 */
public final class Gups {
    /** How many indices a thread of the block form gathers before it adds 1 to all of them in one call. */
    public static final int BLOCK = 1024;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Updates per {@link Batch#run} call: a multiple of {@link #BLOCK}. */
    private static final int BATCH = 4096;

    /** How Meld's threads issue their increments. */
    public enum Form {
        /** One {@code table.add(index, 1)} per update. */
        ELEMENT,
        /** {@code table.add(indices, 0, BLOCK, 1)}: {@value Gups#BLOCK} random indices per call. */
        BLOCK;

        /** @return the form's name in JSON and on the command line: {@code element} or {@code block} */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param label {@code element} or {@code block}
         * @return the form
         * @throws IllegalArgumentException naming the label when it is neither
         */
        public static Form of(String label) {
            for (Form f : values()) {
                if (f.label().equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("GUPS form '" + label + "' is neither element nor block");
        }
    }

    private Gups() {}

    /**
     * Runs on one node of a cluster started by the launcher; node 0 prints one JSON line per form.
     *
     * @param args {@code TABLE_LOG2 SECONDS [--forms F,...] [--corrupt]}: the forms to run in turn
     *     ({@code element}, {@code block}; {@code block} alone by default); {@code --corrupt} adds one
     *     increment that is not counted, to show that verification catches a wrong table
     */
    public static void main(String[] args) {
        int tableLog2 = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        boolean corrupt = false;
        List<Form> forms = List.of(Form.BLOCK);
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--corrupt" -> corrupt = true;
                case "--forms" -> {
                    if (++i == args.length) {
                        throw new IllegalArgumentException("--forms needs a value: element, block or element,block");
                    }
                    forms = Arrays.stream(args[i].split(",")).map(Form::of).toList();
                }
                default -> throw new IllegalArgumentException("unknown GUPS argument '" + args[i] + "'");
            }
        }
        boolean verified = true;
        try (Meld meld = Meld.join()) {
            for (Form form : forms) {
                GupsResult result = run(meld, tableLog2, seconds, corrupt, form);
                if (meld.rank() == 0) {
                    System.out.println(ResultCodec.encode(result));
                }
                verified &= result.verified();
            }
        }
        System.exit(verified ? 0 : 1);
    }

    /**
     * The benchmark on one node: a collective.
     *
     * @param meld the node
     * @param tableLog2 log2 of the table length
     * @param seconds how long every thread updates
     * @param corrupt whether node 0 adds one uncounted increment (verification must then fail)
     * @param form how the threads issue their increments
     * @return the result, the same on every node
     */
    public static GupsResult run(Meld meld, int tableLog2, double seconds, boolean corrupt, Form form) {
        long mask = (1L << tableLog2) - 1;
        int threads = meld.threads();
        try (GlobalLongArray table = meld.longArray("gups", 1L << tableLog2)) {
            long[] streams = new long[threads];
            for (int t = 0; t < threads; t++) {
                streams[t] = XorShift.seed(meld.rank(), t);
            }
            // Warm-up: the same work, untimed, so the JIT has compiled the paths before the clock runs.
            Batch batch = form == Form.ELEMENT
                    ? (x, indices) -> {
                        for (int i = 0; i < BATCH; i++) {
                            x = XorShift.next(x);
                            table.add(x & mask, 1);
                        }
                        return x;
                    }
                    : (x, indices) -> {
                        for (int b = 0; b < BATCH; b += BLOCK) {
                            for (int i = 0; i < BLOCK; i++) {
                                x = XorShift.next(x);
                                indices[i] = x & mask;
                            }
                            table.add(indices, 0, BLOCK, 1);
                        }
                        return x;
                    };
            String name = "gups-" + meld.rank();
            Warmup warmup = Warmup.forRun(seconds);
            long warm = 0;
            do {
                warm += phase(streams, Warmup.ROUND_SECONDS, name, batch, meld::fence)[0];
            } while (warmup.another(v -> meld.allReduce(v, LongOp.MAX)));
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
            return new GupsResult(
                    meld.size(),
                    threads,
                    tableLog2,
                    form.label(),
                    total,
                    slowest,
                    warmup.seconds(),
                    total / slowest,
                    sum == all);
        }
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
        Batch batch = (x, indices) -> {
            for (int i = 0; i < BATCH; i++) {
                x = XorShift.next(x);
                // Typed like the access mode (it returns the old value), so the JIT emits the atomic
                // instruction itself; a void call site does not.
                long ignored = (long) LONGS.getAndAdd(table, (int) (x & mask), 1L);
            }
            return x;
        };
        Warmup warmup = Warmup.forRun(seconds);
        long warm = 0;
        do {
            warm += phase(streams, Warmup.ROUND_SECONDS, "gups-shared", batch, () -> {})[0];
        } while (warmup.another(v -> v));
        long[] measured = phase(streams, seconds, "gups-shared", batch, () -> {});
        long sum = 0;
        for (long v : table) {
            sum += v;
        }
        double elapsed = measured[1] / 1e9;
        return new GupsResult(
                1,
                threads,
                tableLog2,
                Form.ELEMENT.label(),
                measured[0],
                elapsed,
                warmup.seconds(),
                measured[0] / elapsed,
                sum == measured[0] + warm);
    }

    /**
     * Makes {@link #BATCH} updates from the stream at {@code x}; returns where the stream is then. {@code
     * indices} is the calling thread's own array of {@link #BLOCK} elements, for the block form.
     */
    @FunctionalInterface
    interface Batch {
        long run(long x, long[] indices);
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
                        long[] indices = new long[BLOCK];
                        long count = 0;
                        do {
                            x = batch.run(x, indices);
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
