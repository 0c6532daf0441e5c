package io.meld.bench;

import org.HdrHistogram.Histogram;

/**
 * Round-trip times, recorded in nanoseconds in an HdrHistogram (3 significant digits, up to 100 s), and
 * written as the latency benchmarks' JSON fields in microseconds.
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
     * Adds {@code prefix} + {@code p50_us}, {@code p90_us}, {@code p99_us}, {@code p999_us}, {@code
     * mean_us}, {@code max_us}, {@code samples} and {@code distribution_us} (at {@link #PERCENTILES}).
     *
     * @param json where
     * @param prefix before each name, e.g. {@code raw_tcp_}, or empty
     * @return {@code json}
     */
    public Json putInto(Json json, String prefix) {
        json.put(prefix + "samples", count());
        json.put(prefix + "p50_us", percentileMicros(50));
        json.put(prefix + "p90_us", percentileMicros(90));
        json.put(prefix + "p99_us", percentileMicros(99));
        json.put(prefix + "p999_us", percentileMicros(99.9));
        json.put(prefix + "mean_us", histogram.getMean() / 1e3);
        json.put(prefix + "max_us", histogram.getMaxValue() / 1e3);
        double[] d = new double[PERCENTILES.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = percentileMicros(PERCENTILES[i]);
        }
        json.put(prefix + "distribution_us", d);
        return json;
    }
}
