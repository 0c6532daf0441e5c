package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.LoopOptions;
import io.meld.Meld;
import java.util.Locale;

/**
 * Latency tolerance: a {@code forall} whose every iteration does one blocking remote {@code get}, run
 * twice on the same array: on the node's worker threads (one round trip in flight per worker) and on
 * virtual threads (many in flight, each iteration parking only its own virtual thread). Prints one
 * JSON line from node 0:
 *
 * <pre>{"benchmark":"latency_tolerance","nodes":2,"gets":N,"threads_gets_per_sec":..,
 * "virtual_gets_per_sec":..,"virtual_threads":..,"speedup":..,"verified":true}</pre>
 *
 * <p>Run: {@code bin/meld run --nodes 2 -- io.meld.bench.LatencyTolerance [GETS [VIRTUAL_THREADS]]}.
 */
public final class LatencyTolerance {
    private LatencyTolerance() {}

    /**
     * @param args {@code [GETS [VIRTUAL_THREADS]]}, defaults 20000 and 512
     */
    public static void main(String[] args) {
        long gets = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
        int virtual = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        try (Meld meld = Meld.join()) {
            String json = run(meld, gets, virtual);
            if (meld.rank() == 0) {
                System.out.println(json);
            }
        }
    }

    /**
     * The benchmark on one node; a collective.
     *
     * @param meld the node
     * @param gets how many remote reads, over all nodes
     * @param virtual how many virtual threads each node uses in the second run
     * @return the JSON line
     */
    public static String run(Meld meld, long gets, int virtual) {
        try (GlobalLongArray values = meld.longArray("values", gets);
                GlobalLongArray copy = meld.longArray("copy", gets)) {
            meld.forall(values, i -> values.set(i, i * 7));
            // Element i reads the element mirrored across the array, held by another node when it has
            // one: every read is a round trip.
            LoopOptions threads = LoopOptions.THREADS;
            meld.forall(copy, 0, gets, threads, i -> copy.set(i, values.get(gets - 1 - i))); // warm-up
            double threadsSeconds =
                    timed(meld, () -> meld.forall(copy, 0, gets, threads, i -> copy.set(i, values.get(gets - 1 - i))));
            LoopOptions vthreads = LoopOptions.virtualThreads(virtual);
            meld.forall(copy, 0, gets, vthreads, i -> copy.put(i, 0));
            double virtualSeconds =
                    timed(meld, () -> meld.forall(copy, 0, gets, vthreads, i -> copy.set(i, values.get(gets - 1 - i))));
            long wrong = 0;
            long[] got = new long[(int) Math.min(copy.localLength(), Integer.MAX_VALUE)];
            for (long j = 0; j < got.length; j++) {
                long i = copy.globalIndex(j);
                wrong += copy.get(i) == (gets - 1 - i) * 7 ? 0 : 1;
            }
            boolean verified = meld.allReduce(wrong, LongOp.SUM) == 0;
            return String.format(
                    Locale.ROOT,
                    "{\"benchmark\":\"latency_tolerance\",\"nodes\":%d,\"gets\":%d,\"threads_per_node\":%d,"
                            + "\"threads_gets_per_sec\":%.1f,\"virtual_threads\":%d,\"virtual_gets_per_sec\":%.1f,"
                            + "\"speedup\":%.2f,\"verified\":%b}",
                    meld.size(),
                    gets,
                    meld.threads(),
                    gets / threadsSeconds,
                    virtual,
                    gets / virtualSeconds,
                    threadsSeconds / virtualSeconds,
                    verified);
        }
    }

    private static double timed(Meld meld, Runnable loop) {
        meld.barrier();
        long t0 = System.nanoTime();
        loop.run();
        double mine = (System.nanoTime() - t0) / 1e9;
        return meld.allReduce(mine, (double a, double b) -> Math.max(a, b));
    }
}
