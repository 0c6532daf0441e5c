package io.meld.cli.demo;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The collectives of the runtime skeleton at work: every node joins, says who it is, and then all take
 * part in a barrier, reductions and broadcasts larger than a transport frame, checking every result.
 * Node 0 prints a report; every node exits with {@code 0} only when every check passed on every node
 * (the count of failed checks is itself reduced across the nodes).
 *
 * <p>Run it with {@code bin/meld demo}, or {@code bin/meld run --nodes 3 -- io.meld.cli.demo.CollectivesDemo}.
 */
public final class CollectivesDemo {
    /** Longs broadcast from node 0: 8 MiB, several transport frames (1 MiB by default). */
    static final int LONGS = 1 << 20;

    /** Bytes broadcast from the last node: 3 MiB and a bit, not a multiple of anything. */
    static final int BYTES = (3 << 20) + 12345;

    private static final long SEED = 0x6d656c64L;

    private final Meld meld;
    private final List<String> report = new ArrayList<>();
    private int failures;

    private CollectivesDemo(Meld meld) {
        this.meld = meld;
    }

    /**
     * @param args none
     */
    public static void main(String[] args) {
        int failures;
        try (Meld meld = Meld.join()) {
            failures = new CollectivesDemo(meld).run();
        }
        if (failures > 0) {
            System.exit(1);
        }
    }

    private int run() {
        int rank = meld.rank();
        int size = meld.size();
        System.out.println("node " + rank + " of " + size + " joined (pid "
                + ProcessHandle.current().pid() + ", " + meld.threads() + (meld.threads() == 1 ? " thread" : " threads")
                + ")");

        long t0 = System.nanoTime();
        meld.barrier();
        pass("barrier", "every node arrived", t0);

        t0 = System.nanoTime();
        long sum = meld.allReduce(rank + 1L, LongOp.SUM);
        check("allReduce SUM of rank + 1", sum, (long) size * (size + 1) / 2, t0);

        t0 = System.nanoTime();
        long max = meld.allReduce((long) rank * rank, LongOp.MAX);
        check("allReduce MAX of rank^2", max, (long) (size - 1) * (size - 1), t0);

        t0 = System.nanoTime();
        double halves = meld.allReduce(rank + 0.5, DoubleOp.SUM);
        check("allReduce SUM of rank + 0.5", halves, size * (size - 1) / 2.0 + size * 0.5, t0);

        long[] longs = rank == 0 ? longs() : null;
        t0 = System.nanoTime();
        long[] gotLongs = meld.broadcast(longs, 0);
        long took = System.nanoTime() - t0;
        check("broadcast 8 MiB long[] from node 0", Arrays.equals(gotLongs, longs()), LONGS * 8L, took);

        int root = size - 1;
        byte[] bytes = rank == root ? bytes() : null;
        t0 = System.nanoTime();
        byte[] gotBytes = meld.broadcast(bytes, root);
        took = System.nanoTime() - t0;
        check("broadcast 3 MiB byte[] from node " + root, Arrays.equals(gotBytes, bytes()), BYTES, took);

        int total = (int) meld.allReduce(failures, LongOp.SUM);
        System.out.println("node " + rank + ": "
                + (failures == 0 ? "all " + report.size() + " checks passed" : failures + " checks FAILED"));
        if (rank == 0) {
            System.out.println("report of node 0, cluster of " + size + " nodes:");
            report.forEach(line -> System.out.println("  " + line));
            System.out.println(
                    total == 0 ? "every check passed on every node" : total + " checks failed across the nodes");
        }
        return total;
    }

    private void pass(String what, String result, long startNanos) {
        record(true, what, result, System.nanoTime() - startNanos);
    }

    private void check(String what, long got, long expected, long startNanos) {
        long took = System.nanoTime() - startNanos;
        record(got == expected, what, got == expected ? "= " + got : "= " + got + ", expected " + expected, took);
    }

    private void check(String what, double got, double expected, long startNanos) {
        long took = System.nanoTime() - startNanos;
        record(got == expected, what, got == expected ? "= " + got : "= " + got + ", expected " + expected, took);
    }

    private void check(String what, boolean equal, long bytes, long tookNanos) {
        String result = equal
                ? String.format(Locale.ROOT, "arrived intact, %.0f MB/s", bytes * 1e3 / Math.max(1, tookNanos))
                : "arrived DIFFERENT from what was sent";
        record(equal, what, result, tookNanos);
    }

    private void record(boolean ok, String what, String result, long tookNanos) {
        double millis = tookNanos / 1e6;
        if (!ok) {
            failures++;
            System.err.println("node " + meld.rank() + ": check failed: " + what + " " + result);
        }
        report.add(String.format(Locale.ROOT, "%-4s %-40s %-36s %8.1f ms", ok ? "ok" : "FAIL", what, result, millis));
    }

    /** The same pseudo-random longs on every node, so that each can check what it received. */
    private static long[] longs() {
        return new SplittableRandom(SEED).longs(LONGS).toArray();
    }

    private static byte[] bytes() {
        byte[] b = new byte[BYTES];
        SplittableRandom random = new SplittableRandom(SEED + 1);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) random.nextInt();
        }
        return b;
    }
}
