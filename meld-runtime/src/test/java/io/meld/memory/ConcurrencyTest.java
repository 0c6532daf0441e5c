package io.meld.memory;

import static io.meld.memory.MemoryTesting.allGather;
import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.runThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Atomicity and linearizability under contention: several threads on every node (local elements go
 * straight to the atomics, remote ones through the combining buffers, and the home applies them on its
 * I/O thread, all on the same elements).
 */
@Timeout(120)
class ConcurrencyTest {
    private static final int NODES = 3;
    private static final int THREADS = 2;

    @Test
    void shouldCountEveryFireAndForgetIncrementExactlyWhenThreadsOfEveryNodeAddAtOnce() {
        int length = 1000;
        int updates = 15_000;
        Meld.local(NODES, config(), meld -> {
            GlobalLongArray longs = meld.longArray("hits", length, Distribution.CYCLIC);
            GlobalDoubleArray doubles = meld.doubleArray("weights", length, Distribution.BLOCK);
            runThreads(THREADS, false, t -> {
                SplittableRandom rnd = new SplittableRandom(seed(meld.rank(), t));
                // Every fourth long increment and every other double one go in blocks of indices.
                long[] longBlock = new long[37];
                long[] doubleBlock = new long[53];
                int longsGathered = 0;
                int doublesGathered = 0;
                for (int n = 0; n < updates; n++) {
                    long i = rnd.nextInt(length);
                    switch (n % 4) {
                        case 0 -> longs.add(i, 1);
                        case 1 -> longs.accumulate(i, LongOp.SUM, 1);
                        case 2 -> longs.getAndAddAsync(i, 1);
                        default -> {
                            longBlock[longsGathered++] = i;
                            if (longsGathered == longBlock.length) {
                                longs.add(longBlock, 0, longsGathered, 1);
                                longsGathered = 0;
                            }
                        }
                    }
                    long j = rnd.nextInt(length);
                    if (n % 2 == 0) {
                        doubles.add(j, 1.0);
                    } else {
                        doubleBlock[doublesGathered++] = j;
                        if (doublesGathered == doubleBlock.length) {
                            doubles.add(doubleBlock, 0, doublesGathered, 1.0);
                            doublesGathered = 0;
                        }
                    }
                    if (n % 7 == 0) {
                        doubles.accumulate(rnd.nextInt(length), DoubleOp.SUM, 0.5);
                    }
                }
                longs.add(longBlock, 0, longsGathered, 1);
                doubles.add(doubleBlock, 0, doublesGathered, 1.0);
                // A thread's fire-and-forget operations are complete once it fences; barrier() fences only
                // the thread that calls it.
                meld.fence();
            });
            meld.barrier();
            // Every node can replay every thread's random sequence, so each element's count is known.
            long[] expectedLongs = new long[length];
            double[] expectedDoubles = new double[length];
            for (int r = 0; r < NODES; r++) {
                for (int t = 0; t < THREADS; t++) {
                    SplittableRandom rnd = new SplittableRandom(seed(r, t));
                    for (int n = 0; n < updates; n++) {
                        expectedLongs[rnd.nextInt(length)]++;
                        expectedDoubles[rnd.nextInt(length)] += 1.0;
                        if (n % 7 == 0) {
                            expectedDoubles[rnd.nextInt(length)] += 0.5;
                        }
                    }
                }
            }
            long[] actualLongs = new long[length];
            longs.get(0, actualLongs, 0, length);
            assertThat(actualLongs).containsExactly(expectedLongs);
            double[] actualDoubles = new double[length];
            doubles.get(0, actualDoubles, 0, length);
            assertThat(actualDoubles).containsExactly(expectedDoubles);
            long sum = 0;
            for (long j = 0; j < longs.localLength(); j++) {
                sum += longs.get(longs.globalIndex(j));
            }
            assertThat(meld.allReduce(sum, LongOp.SUM)).isEqualTo((long) NODES * THREADS * updates);
            longs.close();
            doubles.close();
        });
    }

    @Test
    void shouldApplyEveryScatteredAccumulationOnceWhenThreadsOfEveryNodeRaceOnFewElements() {
        // accumulate(indices, op, values) reads a group of elements first and then compare-and-sets each:
        // on 16 elements, threads and homes collide all the time, so the retry path runs too.
        int length = 16;
        int calls = 300;
        int block = 40;
        Meld.local(NODES, config(), meld -> {
            GlobalLongArray xored = meld.longArray("xored", length, Distribution.CYCLIC);
            GlobalDoubleArray summed = meld.doubleArray("summed", length, Distribution.BLOCK);
            runThreads(THREADS, false, t -> {
                SplittableRandom rnd = new SplittableRandom(seed(meld.rank(), t));
                long[] indices = new long[block];
                long[] values = new long[block];
                double[] eighths = new double[block];
                for (int c = 0; c < calls; c++) {
                    for (int k = 0; k < block; k++) {
                        indices[k] = rnd.nextInt(length);
                        values[k] = rnd.nextLong();
                        eighths[k] = rnd.nextInt(64) / 8.0; // sums exact in any order
                    }
                    xored.accumulate(indices, LongOp.XOR, values, 0, block);
                    summed.accumulate(indices, DoubleOp.SUM, eighths, 0, block);
                }
                meld.fence();
            });
            meld.barrier();
            long[] expectedXors = new long[length];
            double[] expectedSums = new double[length];
            for (int r = 0; r < NODES; r++) {
                for (int t = 0; t < THREADS; t++) {
                    SplittableRandom rnd = new SplittableRandom(seed(r, t));
                    for (int n = 0; n < calls * block; n++) {
                        int i = rnd.nextInt(length);
                        expectedXors[i] ^= rnd.nextLong();
                        expectedSums[i] += rnd.nextInt(64) / 8.0;
                    }
                }
            }
            long[] actualXors = new long[length];
            xored.get(0, actualXors, 0, length);
            assertThat(actualXors).containsExactly(expectedXors);
            double[] actualSums = new double[length];
            summed.get(0, actualSums, 0, length);
            assertThat(actualSums).containsExactly(expectedSums);
            meld.barrier();
            xored.close();
            summed.close();
        });
    }

    @Test
    void shouldCountEverySuccessfulCompareAndSetOnceWhenNodesRaceOnOneCounter() {
        int attempts = 400;
        Meld.local(NODES, config(), meld -> {
            GlobalLongArray counters = meld.longArray("counters", NODES, Distribution.CYCLIC);
            GlobalDoubleArray doubleCounter = meld.doubleArray("double-counter", 1);
            long counter = NODES - 1; // lives on the last node: remote for the others, local for its threads
            AtomicLong successes = new AtomicLong();
            AtomicLong doubleSuccesses = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            runThreads(THREADS, true, t -> {
                for (int n = 0; n < attempts; n++) {
                    long seen = counters.get(counter);
                    boolean won = n % 2 == 0
                            ? counters.compareAndSet(counter, seen, seen + 1)
                            : counters.compareAndSetAsync(counter, seen, seen + 1)
                                    .join();
                    (won ? successes : failures).incrementAndGet();
                    double d = doubleCounter.get(0);
                    if (doubleCounter.compareAndSet(0, d, d + 1.0)) {
                        doubleSuccesses.incrementAndGet();
                    }
                }
            });
            long total = meld.allReduce(successes.get(), LongOp.SUM);
            long doubleTotal = meld.allReduce(doubleSuccesses.get(), LongOp.SUM);
            meld.barrier();
            assertThat(total).isPositive();
            assertThat(total + meld.allReduce(failures.get(), LongOp.SUM)).isEqualTo((long) NODES * THREADS * attempts);
            assertThat(counters.get(counter)).isEqualTo(total);
            assertThat(doubleCounter.get(0)).isEqualTo((double) doubleTotal);
            meld.barrier();
            counters.close();
            doubleCounter.close();
        });
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldLinearizeConcurrentGetAndAddOnOneElementAcrossNodesAndForms(int lanes) {
        int perThread = 300;
        long delta = 3;
        Meld.local(NODES, config("meld.transport.io-threads", Integer.toString(lanes)), meld -> {
            // One element, homed on node 1: local atomics for node 1's threads, delegation for the others.
            GlobalLongArray a = meld.longArray("contended", 2 * NODES, Distribution.CYCLIC);
            GlobalDoubleArray d = meld.doubleArray("contended-doubles", 2 * NODES, Distribution.CYCLIC);
            long element = NODES + 1;
            long[][] records = new long[THREADS][];
            long[][] doubleRecords = new long[THREADS][];
            runThreads(THREADS, false, t -> {
                long[] mine = new long[3 * perThread];
                long[] mineD = new long[3 * perThread];
                for (int n = 0; n < perThread; n++) {
                    long invoked = System.nanoTime();
                    long old = switch (n % 4) {
                        case 0 -> a.getAndAdd(element, delta);
                        case 1 -> a.addAndGet(element, delta) - delta;
                        case 2 -> a.getAndAccumulate(element, LongOp.SUM, delta);
                        default -> a.getAndAddAsync(element, delta).join();
                    };
                    long responded = System.nanoTime();
                    mine[3 * n] = invoked;
                    mine[3 * n + 1] = responded;
                    mine[3 * n + 2] = old;
                    invoked = System.nanoTime();
                    double oldD = switch (n % 3) {
                        case 0 -> d.getAndAdd(element, 0.5);
                        case 1 -> d.addAndGetAsync(element, 0.5).join() - 0.5;
                        default -> d.getAndAccumulate(element, DoubleOp.SUM, 0.5);
                    };
                    responded = System.nanoTime();
                    mineD[3 * n] = invoked;
                    mineD[3 * n + 1] = responded;
                    mineD[3 * n + 2] = (long) (oldD * 2); // exact: sums of halves below 2^52
                }
                records[t] = mine;
                doubleRecords[t] = mineD;
            });
            meld.barrier();
            long finalValue = a.get(element);
            long finalDouble = (long) (d.get(element) * 2);
            FetchAndAddHistory history = history(meld, records);
            FetchAndAddHistory doubleHistory = history(meld, doubleRecords);
            assertThat(history.size()).isEqualTo(NODES * THREADS * perThread);
            history.checkLinearizable(delta, finalValue);
            doubleHistory.checkLinearizable(1, finalDouble);
            meld.barrier();
            a.close();
            d.close();
        });
    }

    /** Gathers every node's (invoked, responded, old) triples into one history. */
    private static FetchAndAddHistory history(Meld meld, long[][] threadRecords) {
        int total = 0;
        for (long[] r : threadRecords) {
            total += r.length;
        }
        long[] mine = new long[total];
        int at = 0;
        for (long[] r : threadRecords) {
            System.arraycopy(r, 0, mine, at, r.length);
            at += r.length;
        }
        long[][] all = allGather(meld, mine);
        FetchAndAddHistory history = new FetchAndAddHistory();
        for (int node = 0; node < all.length; node++) {
            long[] records = all[node];
            for (int k = 0; k < records.length; k += 3) {
                int thread = k / 3 / (records.length / 3 / threadRecords.length);
                history.add(new FetchAndAddHistory.Op(
                        "node " + node + " thread " + thread + " op " + (k / 3),
                        records[k],
                        records[k + 1],
                        records[k + 2]));
            }
        }
        return history;
    }

    private static long seed(int rank, int thread) {
        return 1_000_003L * rank + thread;
    }
}
