package io.meld.bench;

/**
 * The Parallel Research Kernels' stencil, star-shaped, radius {@value #R}, on an {@code n x n} grid: what
 * every version of the stencil benchmark computes, on row-major buffers, with the same loops, so that
 * they differ only in how the rows next to a part reach it.
 *
 * <p>As in PRK: {@code in[y][x] = x + y} and {@code out = 0} at first; an iteration adds the star's
 * weighted sum of {@code in} to {@code out} at every point at least {@value #R} away from the edge, then
 * adds 1 to every point of {@code in}. The weights are {@code 1 / (2 k R)} at distance {@code k} on the
 * side of growing indices and its negative on the other, so each iteration adds exactly 2 to every inner
 * point of {@code out} (the weights are powers of two: no rounding), and after {@code I} iterations the
 * mean of {@code |out|} over the inner points is {@code 2 I}.
 *
 * <p>A part of the grid is a buffer of whole rows with {@value #R} rows above and below it for the
 * neighbours' rows (the halos), {@code (R + rows + R) x n}; its own rows start at buffer row {@value #R}.
 */
public final class StencilKernel {
    /** The radius. */
    public static final int R = 2;

    /** PRK's tolerance of the norm's error. */
    static final double EPSILON = 1.0e-8;

    private static final double W1 = 1.0 / (2 * 1 * R);
    private static final double W2 = 1.0 / (2 * 2 * R);

    private StencilKernel() {}

    /** The rows {@code [lo, hi)} of an {@code n}-row grid that part {@code p} of {@code parts} holds. */
    record Rows(int lo, int hi) {
        static Rows of(int n, int parts, int p) {
            int per = perPart(n, parts);
            int lo = Math.min(n, p * per);
            return new Rows(lo, Math.min(n, lo + per));
        }

        static int perPart(int n, int parts) {
            return (n + parts - 1) / parts;
        }

        int count() {
            return hi - lo;
        }
    }

    /**
     * @return the fewest rows a part of an {@code n}-row grid split into {@code parts} holds: the halo
     *     exchange sends {@value #R} rows each way, so each part needs at least that many
     */
    public static int fewestRows(int n, int parts) {
        int fewest = Integer.MAX_VALUE;
        for (int p = 0; p < parts; p++) {
            fewest = Math.min(fewest, Rows.of(n, parts, p).count());
        }
        return fewest;
    }

    /** Fills a part's own rows of {@code in} with {@code x + y}; its halo rows are left to the exchange. */
    static void init(double[] in, int n, Rows rows) {
        for (int k = 0; k < rows.count(); k++) {
            int y = rows.lo() + k;
            int base = (R + k) * n;
            for (int x = 0; x < n; x++) {
                in[base + x] = x + y;
            }
        }
    }

    /**
     * Adds the star's sum to {@code out} for the part's own rows {@code [from, to)} (counted from 0 within
     * the part) that lie at least {@value #R} from the grid's edge, at every column that does.
     *
     * @param in the part's buffer, halos included
     * @param out the part's own rows of {@code out}, without halos
     */
    static void star(double[] in, double[] out, int n, Rows rows, int from, int to) {
        int first = Math.max(from, R - rows.lo());
        int last = Math.min(to, n - R - rows.lo());
        for (int k = first; k < last; k++) {
            int b = (R + k) * n;
            int o = k * n;
            for (int x = R; x < n - R; x++) {
                int i = b + x;
                out[o + x] += W1 * (in[i + 1] - in[i - 1])
                        + W2 * (in[i + 2] - in[i - 2])
                        + W1 * (in[i + n] - in[i - n])
                        + W2 * (in[i + 2 * n] - in[i - 2 * n]);
            }
        }
    }

    /** Adds 1 to the part's own rows {@code [from, to)} of {@code in}. */
    static void increment(double[] in, int n, int from, int to) {
        for (int i = (R + from) * n, end = (R + to) * n; i < end; i++) {
            in[i] += 1.0;
        }
    }

    /** @return the sum of {@code |out|} over the part's own rows */
    static double absSum(double[] out, int n, Rows rows) {
        double sum = 0;
        for (int i = 0, end = rows.count() * n; i < end; i++) {
            sum += Math.abs(out[i]);
        }
        return sum;
    }

    /** @return whether the sum of {@code |out|} over the whole grid is what {@code iterations} make */
    static boolean verify(double absSum, int n, int iterations) {
        double active = (double) (n - 2 * R) * (n - 2 * R);
        double norm = absSum / active;
        double reference = 2.0 * iterations;
        return Math.abs(norm - reference) < EPSILON * reference;
    }
}
