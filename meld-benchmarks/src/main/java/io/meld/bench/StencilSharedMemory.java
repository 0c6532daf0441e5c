package io.meld.bench;

import static io.meld.bench.StencilKernel.R;

import java.util.function.IntConsumer;

/**
 * The shared-memory stencil: the whole grid in one JVM, as one part of {@link StencilKernel} (its halo
 * rows unused), a {@link Team} of as many threads as Meld's nodes have in all, each a band of rows. An
 * iteration is the star over every band, a barrier (the bands read each other's edge rows), the
 * increment, and a barrier: what PRK's OpenMP version does.
 *
 * <p>Run by {@code bin/meld bench stencil}; prints one JSON line, {@code
 * "benchmark":"stencil_shared_memory"}.
 */
public final class StencilSharedMemory {
    private StencilSharedMemory() {}

    /**
     * @param args {@code THREADS N ITERATIONS}
     */
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        int iterations = Integer.parseInt(args[2]);
        StencilKernel.Rows rows = new StencilKernel.Rows(0, n);
        double[] in = new double[(R + n + R) * n];
        double[] out = new double[n * n];
        StencilKernel.init(in, n, rows);
        IntConsumer work = t -> StencilKernel.star(in, out, n, rows, band(n, threads, t), band(n, threads, t + 1));
        IntConsumer increment = t -> StencilKernel.increment(in, n, band(n, threads, t), band(n, threads, t + 1));
        boolean verified;
        try (Team team = new Team(threads, "stencil")) {
            Warmup warmup = new Warmup(0.5, 5);
            int done = warmup.iterate(
                    () -> {
                        team.execute(work);
                        team.execute(increment);
                    },
                    v -> v,
                    v -> v);
            long start = System.nanoTime();
            for (int it = 0; it < iterations; it++) {
                team.execute(work);
                team.execute(increment);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            done += iterations;
            verified = StencilKernel.verify(StencilKernel.absSum(out, n, rows), n, done);
            System.out.println(ResultCodec.encode(
                    new Result(threads, n, iterations, seconds / iterations, done - iterations, verified)));
        }
        System.exit(verified ? 0 : 1);
    }

    private static int band(int n, int threads, int t) {
        return (int) ((long) n * t / threads);
    }

    /**
     * The line.
     *
     * @param threads the threads
     * @param n the grid is {@code n x n}
     * @param iterations the timed iterations
     * @param secondsPerIteration the time of one
     * @param warmupIterations the untimed iterations before
     * @param verified whether the grid is the one expected
     */
    record Result(
            int threads, int n, int iterations, double secondsPerIteration, int warmupIterations, boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "stencil_shared_memory";
        }
    }
}
