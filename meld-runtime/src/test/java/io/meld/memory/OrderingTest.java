package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.runThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Distribution;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Operations one thread issues to one home apply there in issue order, whatever their form, also when
 * they span many frames: the combining buffers are 1 KiB here (a few dozen operations), and the flusher
 * looks every 10 µs, so it takes buffers from under their threads all the time. With 2 lanes, each pair of
 * nodes has two connections, read by two I/O threads: a thread keeps to one of them.
 */
@Timeout(120)
class OrderingTest {
    private static final int NODES = 3;
    private static final int THREADS = 2;

    /** Tiny buffers, an eager flusher, and {@code lanes} connections per pair of nodes (one per I/O thread). */
    private static MeldConfig tinyBuffers(int lanes) {
        return config(
                "meld.memory.buffer-size",
                "1KiB",
                "meld.memory.flush-delay",
                "10us",
                "meld.transport.io-threads",
                Integer.toString(lanes));
    }

    /** The element {@code j} of thread {@code t} of node {@code rank} that lives on {@code home} (CYCLIC). */
    private static long element(int rank, int thread, int home, int j, int perHome) {
        return ((long) ((rank * THREADS + thread) * perHome + j)) * NODES + home;
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldSeeTheLastOfItsOwnFireAndForgetPutsWithABlockingGet(int lanes) {
        int perHome = 3;
        int k = 1500;
        long length = (long) NODES * THREADS * perHome * NODES;
        Meld.local(NODES, tinyBuffers(lanes), meld -> {
            GlobalLongArray a = meld.longArray("puts", length, Distribution.CYCLIC);
            runThreads(THREADS, false, t -> {
                for (int v = 1; v <= k; v++) {
                    for (int home = 0; home < NODES; home++) {
                        for (int j = 0; j < perHome; j++) {
                            a.put(element(meld.rank(), t, home, j, perHome), v);
                        }
                    }
                }
                // No fence: a blocking get travels behind the puts in the same stream.
                for (int home = 0; home < NODES; home++) {
                    for (int j = 0; j < perHome; j++) {
                        long e = element(meld.rank(), t, home, j, perHome);
                        assertThat(a.get(e))
                                .as("element %d after %d puts", e, k)
                                .isEqualTo(k);
                    }
                }
            });
            meld.barrier();
            a.close();
        });
    }

    @Test
    void shouldKeepEachVirtualThreadsOrderThroughTheSendersTheyShare() {
        // Virtual threads share a few senders, taking turns at their buffers (and the flusher takes them
        // from under them): each virtual thread's operations to a home still apply in its issue order.
        int virtualThreads = 64;
        int k = 200;
        Meld.local(2, tinyBuffers(1), meld -> {
            GlobalLongArray a = meld.longArray("virtual-puts", 2L * virtualThreads, Distribution.CYCLIC);
            int other = 1 - meld.rank();
            runThreads(virtualThreads, true, t -> {
                long e = 2L * t + other; // lives on the other node
                for (int v = 1; v <= k; v++) {
                    a.put(e, v);
                }
                assertThat(a.get(e)).as("element %d after %d puts", e, k).isEqualTo(k);
            });
            meld.barrier();
            a.close();
        });
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldApplyEachThreadsMixedOperationsInIssueOrderAcrossManyFrames(int lanes) {
        int perHome = 2;
        int operations = 3000;
        long length = (long) NODES * THREADS * perHome * NODES;
        Meld.local(NODES, tinyBuffers(lanes), meld -> {
            GlobalLongArray a = meld.longArray("mixed", length, Distribution.CYCLIC);
            long[][] models = new long[THREADS][];
            runThreads(THREADS, false, t -> {
                // Each thread has its own elements on every home, so its results are determined by its
                // own order alone, while all threads of all nodes share the connections and the homes.
                long[] mine = new long[NODES * perHome];
                long[] m = new long[NODES * perHome];
                for (int home = 0; home < NODES; home++) {
                    for (int j = 0; j < perHome; j++) {
                        mine[home * perHome + j] = element(meld.rank(), t, home, j, perHome);
                    }
                }
                SplittableRandom rnd = new SplittableRandom(31L * meld.rank() + t);
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                List<Long> expected = new ArrayList<>();
                for (int n = 0; n < operations; n++) {
                    int x = rnd.nextInt(mine.length);
                    long e = mine[x];
                    long v = rnd.nextInt(1, 1000);
                    switch (rnd.nextInt(9)) {
                        case 0 -> {
                            a.put(e, v);
                            m[x] = v;
                        }
                        case 1 -> {
                            a.add(e, v);
                            m[x] += v;
                        }
                        case 2 -> {
                            a.accumulate(e, LongOp.XOR, v);
                            m[x] ^= v;
                        }
                        case 3 -> {
                            a.accumulate(e, LongOp.MAX, v * 3);
                            m[x] = Math.max(m[x], v * 3);
                        }
                        case 4 -> {
                            futures.add(a.getAndAddAsync(e, v));
                            expected.add(m[x]);
                            m[x] += v;
                        }
                        case 5 -> {
                            futures.add(a.getAndSetAsync(e, v));
                            expected.add(m[x]);
                            m[x] = v;
                        }
                        case 6 -> {
                            futures.add(a.getAsync(e));
                            expected.add(m[x]);
                        }
                        case 7 -> {
                            assertThat(a.getAndAdd(e, v))
                                    .as("getAndAdd #%d on %d", n, e)
                                    .isEqualTo(m[x]);
                            m[x] += v;
                        }
                        default -> {
                            long[] one = new long[1];
                            a.get(e, one, 0, 1);
                            assertThat(one[0]).as("bulk get #%d on %d", n, e).isEqualTo(m[x]);
                        }
                    }
                }
                meld.fence();
                for (int f = 0; f < futures.size(); f++) {
                    assertThat(futures.get(f)).isDone();
                    assertThat(futures.get(f).join()).as("async result %d", f).isEqualTo(expected.get(f));
                }
                for (int x = 0; x < mine.length; x++) {
                    assertThat(a.get(mine[x])).as("final value of %d", mine[x]).isEqualTo(m[x]);
                }
                models[t] = m;
            });
            meld.barrier();
            // The others see the same final values.
            for (int t = 0; t < THREADS; t++) {
                long[] m = meld.broadcast(models[t], 0);
                for (int home = 0; home < NODES; home++) {
                    for (int j = 0; j < perHome; j++) {
                        assertThat(a.get(element(0, t, home, j, perHome))).isEqualTo(m[home * perHome + j]);
                    }
                }
            }
            meld.barrier();
            a.close();
        });
    }

    @Test
    void shouldApplyAThreadsBufferedLocalOperationsBeforeItsNextBlockingOneWhileTheFlusherAppliesThem() {
        // Fire-and-forget operations on this node's own elements wait in the thread's buffer for this
        // node; a blocking or async operation on a local element must come after them, also when the
        // flusher has just taken that buffer and is still applying it.
        int rounds = 20_000;
        Meld.local(1, tinyBuffers(1), meld -> {
            GlobalLongArray a = meld.longArray("local-order", 8);
            GlobalDoubleArray d = meld.doubleArray("local-order-doubles", 8);
            SplittableRandom rnd = new SplittableRandom(5);
            long[] m = new long[8];
            double[] dm = new double[8];
            for (int round = 0; round < rounds; round++) {
                int i = rnd.nextInt(8);
                int burst = rnd.nextInt(1, 100);
                for (int k = 0; k < burst; k++) {
                    a.add(i, 1);
                    d.add(i, 1.0);
                }
                m[i] += burst;
                dm[i] += burst;
                // A pause of up to ~30 us lets the flusher find the buffer idle and take it, sometimes
                // just before this thread's next operation.
                long until = System.nanoTime() + rnd.nextInt(30_000);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                long value = switch (round % 4) {
                    case 0 -> a.get(i);
                    case 1 -> a.getAndAdd(i, 0);
                    case 2 -> a.getAsync(i).join();
                    default -> {
                        long[] one = new long[1];
                        a.get(i, one, 0, 1);
                        yield one[0];
                    }
                };
                assertThat(value)
                        .as("round %d: element %d after a burst of %d adds", round, i, burst)
                        .isEqualTo(m[i]);
                assertThat(d.get(i)).as("round %d: double element %d", round, i).isEqualTo(dm[i]);
            }
            a.close();
            d.close();
        });
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldShowAThreadsEarlierPutsToAnyoneWhoSeesItsLaterPutToTheSameHome(int lanes) {
        int k = 4000;
        Meld.local(NODES, tinyBuffers(lanes), meld -> {
            // Elements 0 and 3 (data) and 6 (flag) live on node 0, the home; node 1 writes, node 2 reads.
            GlobalLongArray a = meld.longArray("message-passing", 9, Distribution.CYCLIC);
            meld.barrier();
            if (meld.rank() == 1) {
                for (int v = 1; v <= k; v++) {
                    a.put(0, v);
                    a.add(3, 1);
                    a.put(6, v); // fire-and-forget, no fence: only the order of one stream orders them
                }
            } else if (meld.rank() == 2) {
                long flag = 0;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (flag < k) {
                    flag = a.get(6);
                    long data = a.get(0);
                    long count = a.get(3);
                    assertThat(data).as("data after seeing flag %d", flag).isGreaterThanOrEqualTo(flag);
                    assertThat(count).as("count after seeing flag %d", flag).isGreaterThanOrEqualTo(flag);
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("flag stuck at " + flag + " of " + k);
                    }
                }
            }
            meld.barrier();
            assertThat(a.get(0)).isEqualTo(k);
            assertThat(a.get(3)).isEqualTo(k);
            meld.barrier();
            a.close();
        });
    }
}
