package io.meld.bench;

import org.HdrHistogram.Histogram;

/**
 * Round-trip times, recorded in nanoseconds in an HdrHistogram (3 significant digits, up to 100 s), and
 * summed up as the latency benchmarks' JSON fields, in microseconds.
 *
 * <p>Not thread-safe: one recording thread.
 */
public final class LatencyStats {
    /** The percentiles of {@code distribution_us}, from the median to the largest value. */
    public static final double[] PERCENTILES = {
        0, 10, 25, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 97.5, 98, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.999, 100
    };

    private final Histogram histogram = new Histogram(100_000_000_000L, 3);

    /** @param nanos one round trip */
    public void record(long nanos) {
        histogram.recordValue(Math.max(1, Math.min(nanos, histogram.getHighestTrackableValue())));
    }

    /** @return how many round trips were recorded */
    public long count() {
        return histogram.getTotalCount();
    }

    /**
     * @param percentile from 0 to 100
     * @return the round trip at that percentile, in microseconds
     */
    public double percentileMicros(double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1e3;
    }

    /**
     * @return the round trips recorded so far, in microseconds: {@code distribution_us} at {@link #PERCENTILES}
     */
    Summary summary() {
        double[] d = new double[PERCENTILES.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = percentileMicros(PERCENTILES[i]);
        }
        return new Summary(
                count(),
                percentileMicros(50),
                percentileMicros(90),
                percentileMicros(99),
                percentileMicros(99.9),
                histogram.getMean() / 1e3,
                histogram.getMaxValue() / 1e3,
                d);
    }

    /**
     * The round trips as fields of a latency line, in microseconds.
     *
     * @param samples how many were recorded
     * @param p50Us the median
     * @param p90Us the 90th percentile
     * @param p99Us the 99th percentile
     * @param p999Us the 99.9th percentile
     * @param meanUs the mean
     * @param maxUs the largest
     * @param distributionUs the round trip at each of {@link #PERCENTILES}
     */
    record Summary(
            long samples,
            double p50Us,
            double p90Us,
            double p99Us,
            double p999Us,
            double meanUs,
            double maxUs,
            double[] distributionUs) {}

    /**
     * The line of a program that times round trips ({@link Latency}, {@link RawTcpPingPong}).
     *
     * @param benchmark {@code latency_meld} or {@code latency_raw_tcp}
     * @param nodes the nodes
     * @param seconds how long the timed round trips took
     * @param summary the round trips
     * @param wrongValues answers that were not the value expected
     * @param verified whether every answer was right and there was at least one
     */
    record Result(String benchmark, int nodes, double seconds, Summary summary, long wrongValues, boolean verified)
            implements BenchmarkResult {}
}
