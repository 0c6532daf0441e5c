package io.meld.bench;

/**
 * The random index stream of the random-increment benchmarks: Marsaglia's xorshift64 (13, 7, 17), a
 * few cycles per number. Meld and its baselines draw from the same stream, so they do the same work.
 */
final class XorShift {
    private XorShift() {}

    /** @return a non-zero seed for one thread of one node */
    static long seed(int node, int thread) {
        long z = 0x9E3779B97F4A7C15L * (1 + node * 1_000_003L + thread);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }

    /** @return the next number after {@code x} */
    static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
