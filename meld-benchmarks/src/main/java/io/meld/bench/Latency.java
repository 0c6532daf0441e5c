package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.Arrays;

/**
 * Remote blocking get round trips: node 0 reads random elements that node 1 holds, one {@code get} at a
 * time, and records each round trip; node 1 (and any other node) only serves. Every value read is
 * checked against what its home wrote.
 *
 * <p>Then every node times back-to-back {@code barrier()} and {@code allReduce(long)} calls: {@value
 * #REPETITIONS} repetitions of {@value #CALLS} calls each, after {@value #WARMUP_CALLS} to warm up (the
 * JIT compiles a collective's path only after thousands of calls), the mean per call of each repetition,
 * and their median. The counts are fixed, not timed, since every node must make the
 * same calls.
 *
 * <p>Run by {@code bin/meld bench latency} on 2 nodes; node 0 prints two JSON lines: {@code
 * "benchmark":"latency_meld"}, with the fields of {@link LatencyStats}, and {@code
 * "benchmark":"latency_collectives"} ({@link Collectives}). The baselines are {@link RawTcpPingPong} and
 * {@link BusyPollPingPong}.
 */
public final class Latency {
    /** Elements of the array; node 1's share is what node 0 reads. */
    static final int LENGTH = 1 << 16;

    /** Back-to-back calls of a collective per repetition. */
    static final int CALLS = 2000;

    /** Calls of a collective before the timed ones. */
    static final int WARMUP_CALLS = 20_000;

    /** Repetitions of {@link #CALLS} calls; the figure is their median. */
    static final int REPETITIONS = 5;

    private Latency() {}

    /**
     * @param args {@code SECONDS}
     */
    public static void main(String[] args) {
        double seconds = Double.parseDouble(args[0]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            if (meld.size() < 2) {
                throw new IllegalArgumentException("the latency benchmark needs 2 nodes, not " + meld.size());
            }
            verified = run(meld, seconds);
        }
        System.exit(verified ? 0 : 1);
    }

    static long expected(long i) {
        return i * 0x9E3779B97F4A7C15L + 7;
    }

    private static boolean run(Meld meld, double seconds) {
        try (GlobalLongArray a = meld.longArray("latency", LENGTH)) {
            for (long j = 0; j < a.localLength(); j++) {
                long i = a.globalIndex(j);
                a.set(i, expected(i));
            }
            meld.barrier();
            long wrong = 0;
            LatencyStats stats = new LatencyStats();
            double elapsed = 0;
            if (meld.rank() == 0) {
                long first = LENGTH / meld.size(); // BLOCK: node 1 holds [first, 2 * first) (LENGTH divides)
                long x = XorShift.seed(0, 0);
                Warmup.warmingUp();
                long end = System.nanoTime() + (long) (Warmup.fixedSeconds(seconds) * 1e9);
                while (System.nanoTime() < end) {
                    x = XorShift.next(x);
                    long i = first + (x & (first - 1));
                    wrong += a.get(i) == expected(i) ? 0 : 1;
                }
                Warmup.measuring();
                long start = System.nanoTime();
                end = start + (long) (seconds * 1e9);
                long now = start;
                while (now < end) {
                    x = XorShift.next(x);
                    long i = first + (x & (first - 1));
                    long v = a.get(i);
                    long after = System.nanoTime();
                    stats.record(after - now);
                    now = after;
                    wrong += v == expected(i) ? 0 : 1;
                }
                elapsed = (now - start) / 1e9;
            }
            meld.barrier();
            double[] barriers = repetitions(meld::barrier);
            long[] sum = new long[1];
            double[] allReduces = repetitions(() -> sum[0] += meld.allReduce(1L, LongOp.SUM));
            long allWrong = meld.allReduce(wrong, LongOp.SUM);
            long expectedSum = (long) meld.size() * (WARMUP_CALLS + (long) CALLS * REPETITIONS);
            if (meld.rank() == 0) {
                System.out.println(ResultCodec.encode(new LatencyStats.Result(
                        "latency_meld",
                        meld.size(),
                        elapsed,
                        stats.summary(),
                        allWrong,
                        allWrong == 0 && stats.count() > 0)));
                System.out.println(ResultCodec.encode(new Collectives(
                        "latency_collectives",
                        meld.size(),
                        CALLS,
                        REPETITIONS,
                        median(barriers),
                        median(allReduces),
                        barriers,
                        allReduces,
                        sum[0] == expectedSum)));
            }
            return allWrong == 0 && sum[0] == expectedSum;
        }
    }

    /**
     * Warms up with {@link #WARMUP_CALLS} calls, then times {@link #REPETITIONS} runs of {@link #CALLS}.
     *
     * @return the mean microseconds per call of each run
     */
    private static double[] repetitions(Runnable call) {
        for (int i = 0; i < WARMUP_CALLS; i++) {
            call.run();
        }
        double[] means = new double[REPETITIONS];
        for (int r = 0; r < REPETITIONS; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                call.run();
            }
            means[r] = (System.nanoTime() - start) / 1e3 / CALLS;
        }
        return means;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Back-to-back collectives: the median of the repetitions' mean microseconds per call.
     *
     * @param verified whether every allReduce gave the sum it should
     */
    record Collectives(
            String benchmark,
            int nodes,
            int calls,
            int repetitions,
            double barrierUs,
            double allreduceUs,
            double[] barrierRepetitionsUs,
            double[] allreduceRepetitionsUs,
            boolean verified)
            implements BenchmarkResult {}
}
