package io.meld.examples;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A distributed sample sort of 64-bit keys: each node sorts its keys and takes regular samples; every
 * node gathers all samples ({@code allGather}) and picks the same {@code nodes - 1} splitters; each node
 * cuts its sorted keys at the splitters and one {@code allToAll} of variable-sized arrays sends every
 * piece to its node, which sorts what it received.
 *
 * <p>The input: key {@code i} of {@code --keys} is a hash of {@code --seed} and {@code i}, node {@code r}
 * holding the {@code r}-th block of indices, so the keys are the same whatever the cluster.
 *
 * <p>The check: every node's keys are sorted; the last key of each node holding keys is at most the
 * first key of the next one; the total count and an order-independent checksum (the wrapping sum of a
 * hash of every key) are the same after as before, so the output is a permutation of the input.
 */
final class Sort implements Example {
    /** Samples each node contributes per node of the cluster. */
    static final int OVERSAMPLING = 64;

    @Override
    public String name() {
        return "sort";
    }

    @Override
    public String description() {
        return "distributed sample sort of 64-bit keys with allGather and allToAll; checked sorted across"
                + " nodes and a permutation of the input";
    }

    @Override
    public List<ExampleOption> options() {
        return List.of(
                ExampleOption.number("keys", "N", 4_000_000, 0, 1L << 34, "keys to sort, in all"),
                ExampleOption.number("seed", "SEED", 1, Long.MIN_VALUE, Long.MAX_VALUE, "seed of the keys"),
                ExampleOption.flag("corrupt", "change one key after sorting, to show the check failing")
                        .hide());
    }

    @Override
    public ExampleResult run(Meld meld, ExampleOptions options, Log log) {
        long total = options.getLong("keys");
        long seed = options.getLong("seed");
        int p = meld.size();
        int r = meld.rank();
        long from = total * r / p;
        long to = total * (r + 1) / p;
        if (to - from > Integer.MAX_VALUE - 8) {
            return ExampleResult.fail("--keys " + total + " gives " + (to - from) + " keys per node; at most 2^31 - 9");
        }
        long[] keys = new long[(int) (to - from)];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(seed, from + i);
        }
        long countBefore = meld.allReduce((long) keys.length, LongOp.SUM);
        long sumBefore = meld.allReduce(checksum(keys), LongOp.SUM);

        meld.barrier();
        long start = System.nanoTime();
        long[] sorted = sort(meld, keys);
        double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);

        if (options.isSet("corrupt") && r == 0 && sorted.length > 0) {
            sorted[sorted.length - 1] ^= 1; // a lost bit: the order may survive, the checksum does not
        }
        // Sorted here, and in order across node boundaries.
        boolean locallySorted = true;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i - 1] > sorted[i]) {
                locallySorted = false;
                break;
            }
        }
        long[][] ends =
                meld.allGather(sorted.length == 0 ? new long[0] : new long[] {sorted[0], sorted[sorted.length - 1]});
        String reason = null;
        long unsortedNodes = meld.allReduce(locallySorted ? 0L : 1L, LongOp.SUM);
        if (unsortedNodes > 0) {
            reason = unsortedNodes + " node(s) hold keys out of order";
        }
        long previousLast = Long.MIN_VALUE;
        int previousNode = -1;
        for (int node = 0; node < p && reason == null; node++) {
            if (ends[node].length == 0) {
                continue;
            }
            if (previousNode >= 0 && ends[node][0] < previousLast) {
                reason = "node " + previousNode + " ends with " + previousLast + " but node " + node + " starts with "
                        + ends[node][0];
            }
            previousLast = ends[node][1];
            previousNode = node;
        }
        long countAfter = meld.allReduce((long) sorted.length, LongOp.SUM);
        long sumAfter = meld.allReduce(checksum(sorted), LongOp.SUM);
        long largest = meld.allReduce((long) sorted.length, LongOp.MAX);
        if (reason == null && countAfter != countBefore) {
            reason = countAfter + " keys after the sort, " + countBefore + " before";
        }
        if (reason == null && sumAfter != sumBefore) {
            reason = String.format(
                    Locale.ROOT,
                    "the keys' checksum is %016x after the sort, %016x before: not a permutation of the input",
                    sumAfter,
                    sumBefore);
        }
        double imbalance = total == 0 ? 1 : largest / ((double) total / p);
        String figures = String.format(
                Locale.ROOT,
                "keys=%d seconds=%.3f Mkeys/s=%.2f max-imbalance=%.3f nodes=%d",
                total,
                seconds,
                total / seconds / 1e6,
                imbalance,
                p);
        log.println(String.format(
                Locale.ROOT,
                "sort: %,d keys on %d nodes in %.3f s (%.2f M keys/s); the largest node holds %.3f x the mean",
                total,
                p,
                seconds,
                total / seconds / 1e6,
                imbalance));
        return reason == null ? ExampleResult.ok(figures) : ExampleResult.fail(reason + "; " + figures);
    }

    /**
     * The sample sort of this node's keys; a collective.
     *
     * @param meld this node
     * @param keys this node's keys; sorted in place
     * @return this node's part of the sorted keys
     */
    static long[] sort(Meld meld, long[] keys) {
        int p = meld.size();
        Arrays.sort(keys);
        if (p == 1) {
            return keys;
        }
        int s = OVERSAMPLING * p;
        long[] samples = new long[keys.length == 0 ? 0 : s];
        for (int j = 0; j < samples.length; j++) {
            samples[j] = keys[(int) ((long) keys.length * (2 * j + 1) / (2L * s))];
        }
        long[][] gathered = meld.allGather(samples);
        long[] all =
                Arrays.stream(gathered).flatMapToLong(Arrays::stream).sorted().toArray();
        long[][] pieces = new long[p][];
        int at = 0;
        for (int d = 0; d < p; d++) {
            int end;
            if (d == p - 1 || all.length == 0) {
                end = d == p - 1 ? keys.length : at;
            } else {
                long splitter = all[(int) ((long) all.length * (d + 1) / p)];
                end = upperBound(keys, at, splitter);
            }
            pieces[d] = Arrays.copyOfRange(keys, at, end);
            at = end;
        }
        long[][] received = meld.allToAll(pieces);
        long[] mine = Arrays.stream(received).flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(mine);
        return mine;
    }

    /** @return the first index from {@code from} whose key is greater than {@code splitter} */
    private static int upperBound(long[] keys, int from, long splitter) {
        int lo = from;
        int hi = keys.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] <= splitter) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** @return key {@code i} of the input */
    static long key(long seed, long i) {
        return mix(seed ^ mix(i + 0x9E3779B97F4A7C15L));
    }

    /** @return the wrapping sum of a hash of every key: the same for any order of the same keys */
    static long checksum(long[] keys) {
        long sum = 0;
        for (long k : keys) {
            sum += mix(k ^ 0x5DEECE66DL);
        }
        return sum;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
