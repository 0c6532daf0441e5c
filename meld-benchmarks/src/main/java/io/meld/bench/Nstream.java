package io.meld.bench;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.LongOp;
import io.meld.Meld;

/**
 * The Parallel Research Kernels' nstream (STREAM's triad, {@code A[i] += B[i] + s * C[i]}) on three
 * global {@code double} arrays distributed alike, written two ways:
 *
 * <ul>
 *   <li><b>idiomatic</b>: {@code meld.forallLocal}, whose body runs the triad over each span's plain
 *       arrays ({@link #triad}, the same method the shared-memory baseline runs);
 *   <li><b>element</b>: {@code meld.forall} with {@code a.set(i, a.get(i) + b.get(i) + s * c.get(i))},
 *       the way a program written before local views reads: every access an operation.
 * </ul>
 *
 * <p>As in PRK, {@code A} starts at 0 and {@code B} and {@code C} at 2, an iteration moves {@code 4 x 8}
 * bytes per element (reads of A, B and C, the write of A), and the result is checked against the sum
 * PRK's validation computes for the number of iterations run. Every iteration is a {@code forallLocal}
 * (or {@code forall}), a collective that ends when every node's part is done, so node 0's clock times
 * the whole cluster's iteration. The first iterations, until the JIT is quiet ({@link Warmup}), are not
 * timed.
 *
 * <p>{@link #main} is the SPMD program {@code bin/meld bench nstream} runs on each node; {@link
 * NstreamSharedMemory} is the baseline.
 */
public final class Nstream {
    /** PRK's scalar. */
    static final double SCALAR = 3.0;

    /** PRK's tolerance of the relative error of the checksum. */
    static final double EPSILON = 1.0e-8;

    private Nstream() {}

    /**
     * The triad over {@code [from, to)} of three arrays: the loop both Meld's idiomatic form and the
     * shared-memory baseline run.
     */
    static void triad(double[] a, double[] b, double[] c, int from, int to) {
        for (int j = from; j < to; j++) {
            a[j] += b[j] + SCALAR * c[j];
        }
    }

    /**
     * Runs on one node of a cluster started by the launcher; node 0 prints one JSON line, {@code
     * "benchmark":"nstream_meld"}.
     *
     * @param args {@code LENGTH_PER_NODE ITERATIONS ELEMENT_ITERATIONS}
     */
    public static void main(String[] args) {
        long perNode = Long.parseLong(args[0]);
        int iterations = Integer.parseInt(args[1]);
        int elementIterations = Integer.parseInt(args[2]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            long length = perNode * meld.size();
            try (GlobalDoubleArray a = meld.doubleArray("nstream.a", length, Distribution.BLOCK);
                    GlobalDoubleArray b = meld.doubleArray("nstream.b", length, Distribution.BLOCK);
                    GlobalDoubleArray c = meld.doubleArray("nstream.c", length, Distribution.BLOCK)) {
                meld.forallLocal(a, span -> {
                    double[] y = span.of(b);
                    double[] z = span.of(c);
                    for (int j = span.start(); j < span.end(); j++) {
                        y[j] = 2.0;
                        z[j] = 2.0;
                    }
                });
                Warmup warmup = new Warmup(0.5, 10);
                int done = warmup.iterate(
                        () -> idiomatic(meld, a, b, c),
                        v -> meld.allReduce(v, DoubleOp.MAX),
                        v -> meld.allReduce(v, LongOp.MAX));
                long start = System.nanoTime();
                for (int it = 0; it < iterations; it++) {
                    idiomatic(meld, a, b, c);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                done += iterations;
                // The element form: the same triad, one operation per access (a warm-up iteration first).
                element(meld, a, b, c);
                done++;
                start = System.nanoTime();
                for (int it = 0; it < elementIterations; it++) {
                    element(meld, a, b, c);
                }
                double elementSeconds = (System.nanoTime() - start) / 1e9;
                done += elementIterations;
                double checksum = meld.allReduce(localAbsSum(a), DoubleOp.SUM);
                double expected = expected(done) * length;
                verified = Math.abs(checksum - expected) / expected < EPSILON;
                if (meld.rank() == 0) {
                    double bytes = 4.0 * Double.BYTES * length;
                    System.out.println(ResultCodec.encode(new Result(
                            meld.size(),
                            meld.threads(),
                            length,
                            iterations,
                            seconds / iterations,
                            bytes * iterations / seconds / 1e9,
                            elementIterations,
                            elementSeconds / elementIterations,
                            bytes * elementIterations / elementSeconds / 1e9,
                            warmup.seconds(),
                            checksum,
                            verified)));
                }
            }
        }
        System.exit(verified ? 0 : 1);
    }

    private static void idiomatic(Meld meld, GlobalDoubleArray a, GlobalDoubleArray b, GlobalDoubleArray c) {
        meld.forallLocal(a, span -> triad(span.of(a), span.of(b), span.of(c), span.start(), span.end()));
    }

    private static void element(Meld meld, GlobalDoubleArray a, GlobalDoubleArray b, GlobalDoubleArray c) {
        meld.forall(a, i -> a.set(i, a.get(i) + b.get(i) + SCALAR * c.get(i)));
    }

    private static double localAbsSum(GlobalDoubleArray a) {
        double sum = 0;
        for (io.meld.LocalSpan span : a.local().spans()) {
            double[] x = span.of(a);
            for (int j = span.start(); j < span.end(); j++) {
                sum += Math.abs(x[j]);
            }
        }
        return sum;
    }

    /**
     * PRK's validation: the value every element of {@code A} holds after {@code iterations} triads from
     * {@code A = 0, B = C = 2}.
     */
    static double expected(int iterations) {
        double ar = 0;
        for (int k = 0; k < iterations; k++) {
            ar += 2.0 + SCALAR * 2.0;
        }
        return ar;
    }

    /**
     * Node 0's line.
     *
     * @param nodes the nodes
     * @param threadsPerNode the threads of each node
     * @param length the elements of each array, over all nodes
     * @param iterations the timed triads of the idiomatic form
     * @param secondsPerIteration the time of one
     * @param gbPerSec GB (1e9 bytes) per second, 32 bytes per element and iteration
     * @param elementIterations the timed triads of the get/set form
     * @param elementSecondsPerIteration the time of one
     * @param elementGbPerSec its GB per second
     * @param warmupSeconds how long the warm-up took
     * @param checksum the sum of the absolute values of the result
     * @param verified whether the checksum is the one expected
     */
    record Result(
            int nodes,
            int threadsPerNode,
            long length,
            int iterations,
            double secondsPerIteration,
            double gbPerSec,
            int elementIterations,
            double elementSecondsPerIteration,
            double elementGbPerSec,
            double warmupSeconds,
            double checksum,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "nstream_meld";
        }
    }
}
