package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Completion of fire-and-forget and async operations: for the issuing thread at its {@code fence()},
 * for everybody at a {@code barrier()}. The flush delay is 10 s here, so the flusher sends nothing while
 * a test runs: whatever becomes visible was sent by the fence. With 2 lanes, the fence must cover every
 * connection to each peer, since the threads of a node spread over them.
 */
@Timeout(120)
class FenceAndBarrierTest {
    /** A flusher that sends nothing while a test runs, and {@code lanes} connections per pair of nodes. */
    private static MeldConfig lazyFlusher(int lanes) {
        return config("meld.memory.flush-delay", "10s", "meld.transport.io-threads", Integer.toString(lanes));
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldShowAWorkersFireAndForgetOperationsToOtherNodesOnceTheWorkerHasFenced(int lanes) {
        int length = 3000;
        Meld.local(3, lazyFlusher(lanes), meld -> {
            GlobalLongArray a = meld.longArray("fenced", length, Distribution.BLOCK);
            GlobalDoubleArray d = meld.doubleArray("fenced-doubles", length, Distribution.CYCLIC);
            meld.barrier();
            if (meld.rank() == 0) {
                CountDownLatch fenced = new CountDownLatch(1);
                CountDownLatch checked = new CountDownLatch(1);
                Thread worker = Thread.ofPlatform().name("fencing-worker").start(() -> {
                    for (int i = 0; i < length; i++) {
                        a.put(i, i);
                        a.add(i, 1);
                        a.accumulate(i, LongOp.MAX, 2 * i);
                        d.put(i, i);
                        d.add(i, 0.5);
                        d.accumulate(i, DoubleOp.MIN, -i);
                    }
                    meld.fence();
                    fenced.countDown();
                    try {
                        // The worker stays alive, so the flusher does not send its buffers as a dead thread's.
                        checked.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertThat(fenced.await(60, TimeUnit.SECONDS)).isTrue();
                // A broadcast does not fence: only the worker's fence made its operations complete.
                meld.broadcast(new byte[] {1}, 0);
                meld.broadcast((byte[]) null, 1);
                checked.countDown();
                worker.join(TimeUnit.SECONDS.toMillis(60));
            } else {
                meld.broadcast((byte[]) null, 0);
                for (int i = 0; i < length; i++) {
                    assertThat(a.get(i)).as("%s[%d]", a, i).isEqualTo(Math.max(i + 1, 2 * i));
                    assertThat(d.get(i)).as("%s[%d]", d, i).isEqualTo(Math.min(i + 0.5, -i));
                }
                meld.broadcast(meld.rank() == 1 ? new byte[] {1} : null, 1);
            }
            meld.barrier();
            a.close();
            d.close();
        });
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldShowEveryNodesFireAndForgetOperationsToEveryNodeAfterABarrier(int lanes) {
        int nodes = 4;
        int length = 2000;
        Meld.local(nodes, lazyFlusher(lanes), meld -> {
            int me = meld.rank();
            GlobalLongArray a = meld.longArray("stamps", length, Distribution.blockCyclic(7));
            GlobalLongArray maxes = meld.longArray("maxes", length, Distribution.CYCLIC);
            GlobalDoubleArray d = meld.doubleArray("sums", length, Distribution.BLOCK);
            for (int i = 0; i < length; i++) {
                if (i % nodes == me) {
                    a.put(i, 1000L * i + me);
                }
                d.add(i, me + 1);
                maxes.accumulate(length - 1 - i, LongOp.MAX, 1000L * me + i);
            }
            meld.barrier();
            double everyRank = nodes * (nodes + 1) / 2.0;
            long[] stamps = new long[length];
            a.get(0, stamps, 0, length);
            long[] largest = new long[length];
            maxes.get(0, largest, 0, length);
            double[] sums = new double[length];
            d.get(0, sums, 0, length);
            for (int i = 0; i < length; i++) {
                assertThat(stamps[i]).as("%s[%d] on node %d", a, i, me).isEqualTo(1000L * i + i % nodes);
                assertThat(largest[length - 1 - i])
                        .as("%s[%d] on node %d", maxes, length - 1 - i, me)
                        .isEqualTo(1000L * (nodes - 1) + i);
                assertThat(sums[i]).as("%s[%d] on node %d", d, i, me).isEqualTo(everyRank);
                assertThat(d.get(i)).isEqualTo(everyRank);
                assertThat(a.get(i)).isEqualTo(stamps[i]);
            }
            meld.barrier();
            a.close();
            maxes.close();
            d.close();
        });
    }

    @ParameterizedTest(name = "{0} lane(s)")
    @ValueSource(ints = {1, 2})
    void shouldCompleteEveryAsyncFutureOnceTheThreadHasFenced(int lanes) {
        int length = 600;
        Meld.local(2, lazyFlusher(lanes), meld -> {
            GlobalLongArray a = meld.longArray("async", length, Distribution.CYCLIC);
            GlobalDoubleArray d = meld.doubleArray("async-doubles", length, Distribution.CYCLIC);
            meld.barrier();
            if (meld.rank() == 1) {
                List<CompletableFuture<?>> futures = new ArrayList<>();
                for (int i = 0; i < length; i++) {
                    futures.add(a.setAsync(i, i));
                    futures.add(a.getAndAddAsync(i, 1));
                    futures.add(a.compareAndSetAsync(i, i + 1, 5L * i));
                    futures.add(d.getAndAccumulateAsync(i, DoubleOp.MAX, i));
                    futures.add(d.addAndGetAsync(i, 1.5));
                }
                meld.fence();
                for (CompletableFuture<?> f : futures) {
                    assertThat(f).isDone();
                }
                for (int i = 0; i < length; i++) {
                    int at = 5 * i;
                    assertThat(futures.get(at + 1).join()).isEqualTo((long) i);
                    assertThat(futures.get(at + 2).join()).isEqualTo(true);
                    assertThat(futures.get(at + 3).join()).isEqualTo(0.0);
                    assertThat(futures.get(at + 4).join()).isEqualTo(i + 1.5);
                }
                // A fence with nothing outstanding returns too, on a thread that never issued anything.
                Thread idle = Thread.ofPlatform().start(meld::fence);
                idle.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(idle.isAlive()).isFalse();
            }
            meld.barrier();
            for (int i = 0; i < length; i++) {
                assertThat(a.get(i)).isEqualTo(5L * i);
            }
            meld.barrier();
            a.close();
            d.close();
        });
    }
}
