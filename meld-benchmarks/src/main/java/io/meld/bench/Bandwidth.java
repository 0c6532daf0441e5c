package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.concurrent.locks.LockSupport;

/**
 * Bulk transfers between two nodes: node 0 reads node 1's whole share of an array ({@code BYTES} bytes)
 * into a local {@code long[]} with one bulk {@code get}, again and again for the given time; then writes
 * it back with bulk {@code put}s. Data moved per second, in GB (1e9 bytes), is the figure. The last get's
 * content and the last put's effect at the home are checked element by element.
 *
 * <p>Run by {@code bin/meld bench bandwidth} on 2 nodes; node 0 prints one JSON line, {@code
 * "benchmark":"bandwidth_meld"}. The baseline is {@link RawTcpStream}.
 */
public final class Bandwidth {
    private static final long MARK = 0x5555_5555_5555_5555L;

    private Bandwidth() {}

    /**
     * @param args {@code BYTES SECONDS}: the size of one transfer, and how long each of get and put runs
     */
    public static void main(String[] args) {
        long bytes = Long.parseLong(args[0]);
        double seconds = Double.parseDouble(args[1]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            if (meld.size() < 2) {
                throw new IllegalArgumentException("the bandwidth benchmark needs 2 nodes, not " + meld.size());
            }
            verified = run(meld, bytes, seconds);
        }
        System.exit(verified ? 0 : 1);
    }

    static long value(long i) {
        return i * 0x9E3779B97F4A7C15L + 1;
    }

    private static boolean run(Meld meld, long bytes, double seconds) {
        int share = (int) (bytes / 8);
        long length = (long) share * meld.size();
        try (GlobalLongArray a = meld.longArray("bandwidth", length)) {
            long first = share; // BLOCK with equal shares: node 1 holds [share, 2 * share)
            long[] buf = new long[share];
            if (meld.rank() == 1) {
                for (int j = 0; j < share; j++) {
                    buf[j] = value(first + j);
                }
                a.put(first, buf, 0, share);
            }
            meld.barrier();
            long wrong = 0;
            double getRate = 0;
            double putRate = 0;
            long gets = 0;
            long puts = 0;
            double getSeconds = 0;
            double putSeconds = 0;
            boolean measures = meld.rank() == 0;
            double getWarm = warmUp(meld, seconds, measures ? () -> a.get(first, buf, 0, share) : null);
            if (measures) {
                long[] t = timed(seconds, () -> a.get(first, buf, 0, share));
                gets = t[0];
                getSeconds = t[1] / 1e9;
                getRate = gets * (double) share * 8 / getSeconds / 1e9;
                for (int j = 0; j < share; j++) {
                    wrong += buf[j] == value(first + j) ? 0 : 1;
                }
                for (int j = 0; j < share; j++) {
                    buf[j] = value(first + j) ^ MARK;
                }
            }
            long[] round = {0};
            Runnable put = () -> {
                round[0]++;
                buf[0] = round[0];
                buf[share - 1] = round[0];
                a.put(first, buf, 0, share);
            };
            double putWarm = warmUp(meld, seconds, measures ? put : null);
            if (measures) {
                long[] t = timed(seconds, put);
                puts = t[0];
                putSeconds = t[1] / 1e9;
                putRate = puts * (double) share * 8 / putSeconds / 1e9;
                buf[0] = round[0];
            }
            long lastRound = meld.allReduce(meld.rank() == 0 ? buf[0] : 0, LongOp.MAX);
            meld.barrier();
            if (meld.rank() == 1) {
                a.get(first, buf, 0, share);
                for (int j = 1; j < share - 1; j++) {
                    wrong += buf[j] == (value(first + j) ^ MARK) ? 0 : 1;
                }
                wrong += buf[0] == lastRound ? 0 : 1;
                wrong += buf[share - 1] == lastRound ? 0 : 1;
            }
            long allWrong = meld.allReduce(wrong, LongOp.SUM);
            if (meld.rank() == 0) {
                System.out.println(ResultCodec.encode(new Result(
                        meld.size(),
                        (long) share * 8,
                        getSeconds + putSeconds,
                        getWarm + putWarm,
                        gets,
                        puts,
                        getRate,
                        putRate,
                        allWrong,
                        allWrong == 0 && gets > 0 && puts > 0)));
            }
            return allWrong == 0;
        }
    }

    /**
     * Runs {@code transfer} (on the node that serves, nothing) untimed until both nodes' JITs are quiet;
     * a collective.
     *
     * @return the seconds the warm-up took
     */
    private static double warmUp(Meld meld, double seconds, Runnable transfer) {
        Warmup warmup = Warmup.forRun(seconds);
        do {
            long end = System.nanoTime() + (long) (Warmup.ROUND_SECONDS * 1e9);
            do {
                if (transfer != null) {
                    transfer.run();
                } else {
                    LockSupport.parkNanos(end - System.nanoTime());
                }
            } while (System.nanoTime() < end);
        } while (warmup.another(v -> meld.allReduce(v, LongOp.MAX)));
        return warmup.seconds();
    }

    /** Runs {@code transfer} for {@code seconds}, at least once; returns the count and the nanoseconds. */
    private static long[] timed(double seconds, Runnable transfer) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long count = 0;
        long now;
        do {
            transfer.run();
            count++;
            now = System.nanoTime();
        } while (now < end);
        return new long[] {count, now - start};
    }

    /**
     * Node 0's line.
     *
     * @param nodes the nodes
     * @param bytes the bytes of one transfer
     * @param seconds how long the timed gets and puts took, together
     * @param warmupSeconds how long their warm-ups took
     * @param gets the timed bulk gets
     * @param puts the timed bulk puts
     * @param getGbPerSec GB (1e9 bytes) per second by get
     * @param putGbPerSec GB per second by put
     * @param wrongValues elements that were not the value expected
     * @param verified whether every element was right, with at least one get and one put
     */
    record Result(
            int nodes,
            long bytes,
            double seconds,
            double warmupSeconds,
            long gets,
            long puts,
            double getGbPerSec,
            double putGbPerSec,
            long wrongValues,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "bandwidth_meld";
        }
    }
}
