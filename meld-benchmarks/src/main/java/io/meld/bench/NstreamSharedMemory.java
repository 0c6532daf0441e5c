package io.meld.bench;

/**
 * The shared-memory nstream: the same triad ({@link Nstream#triad}) over three plain {@code double[]}
 * arrays of the same total length in one JVM, by a {@link Team} of as many threads as Meld's nodes have
 * in all, each a fixed contiguous part, one barrier per iteration. As in Meld's program, the iterations
 * until the JIT is quiet are not timed, and the result is checked the way PRK checks it.
 *
 * <p>Run by {@code bin/meld bench nstream}; prints one JSON line, {@code
 * "benchmark":"nstream_shared_memory"}.
 */
public final class NstreamSharedMemory {
    private NstreamSharedMemory() {}

    /**
     * @param args {@code THREADS LENGTH ITERATIONS}
     */
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int length = Math.toIntExact(Long.parseLong(args[1]));
        int iterations = Integer.parseInt(args[2]);
        double[] a = new double[length];
        double[] b = new double[length];
        double[] c = new double[length];
        int[] bounds = new int[threads + 1];
        for (int t = 0; t <= threads; t++) {
            bounds[t] = (int) ((long) length * t / threads);
        }
        boolean verified;
        try (Team team = new Team(threads, "nstream")) {
            // Each thread first touches its own part, as it will work on it.
            team.execute(t -> {
                for (int j = bounds[t]; j < bounds[t + 1]; j++) {
                    b[j] = 2.0;
                    c[j] = 2.0;
                }
            });
            Warmup warmup = new Warmup(0.5, 10);
            int done = warmup.iterate(
                    () -> team.execute(t -> Nstream.triad(a, b, c, bounds[t], bounds[t + 1])), v -> v, v -> v);
            long start = System.nanoTime();
            for (int it = 0; it < iterations; it++) {
                team.execute(t -> Nstream.triad(a, b, c, bounds[t], bounds[t + 1]));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            done += iterations;
            double checksum = 0;
            for (double v : a) {
                checksum += Math.abs(v);
            }
            double expected = Nstream.expected(done) * length;
            verified = Math.abs(checksum - expected) / expected < Nstream.EPSILON;
            double bytes = 4.0 * Double.BYTES * length;
            System.out.println(ResultCodec.encode(new Result(
                    threads,
                    length,
                    iterations,
                    seconds / iterations,
                    bytes * iterations / seconds / 1e9,
                    warmup.seconds(),
                    checksum,
                    verified)));
        }
        System.exit(verified ? 0 : 1);
    }

    /**
     * The line.
     *
     * @param threads the threads
     * @param length the elements of each array
     * @param iterations the timed triads
     * @param secondsPerIteration the time of one
     * @param gbPerSec GB (1e9 bytes) per second, 32 bytes per element and iteration
     * @param warmupSeconds how long the warm-up took
     * @param checksum the sum of the absolute values of the result
     * @param verified whether the checksum is the one expected
     */
    record Result(
            int threads,
            int length,
            int iterations,
            double secondsPerIteration,
            double gbPerSec,
            double warmupSeconds,
            double checksum,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "nstream_shared_memory";
        }
    }
}
