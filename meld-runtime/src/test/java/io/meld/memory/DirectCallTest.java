package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.runThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.MeldTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocking calls on a node's direct channels ({@code meld.transport.direct}, on by default): the calling
 * thread writes its request and reads its answer itself, one thread per channel at a time, the others on
 * their lanes. {@link OrderingTest} checks that a call never overtakes its thread's operations in flight.
 */
@Timeout(60)
class DirectCallTest {
    @Test
    void shouldCountEveryIncrementWhenThreadsContendForTheDirectChannel() {
        int threads = 4;
        int each = 2000;
        Meld.local(2, config(), meld -> {
            GlobalLongArray a = meld.longArray("contended", 2, Distribution.CYCLIC);
            meld.barrier();
            long other = 1 - meld.rank();
            runThreads(threads, false, t -> {
                long last = -1;
                for (int i = 0; i < each; i++) {
                    long before = a.getAndAdd(other, 1);
                    assertThat(before).as("a thread's own increments, in order").isGreaterThan(last);
                    last = before;
                }
            });
            meld.barrier();
            assertThat(a.get(meld.rank())).isEqualTo((long) threads * each);
            a.close();
        });
    }

    /**
     * A request on the direct channel that timed out may still be applied; the next fence must wait
     * until it is. Node 1's only I/O thread, which serves node 0's direct channel, is held by a callback
     * until node 0's call has timed out and a fence has been waiting a while.
     */
    @Test
    void shouldMakeTheNextFenceWaitForADirectCallThatTimedOut() {
        CountDownLatch ioThreadHeld = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Meld.local(2, config("meld.memory.timeout", "2s", "meld.transport.io-threads", "1"), meld -> {
            GlobalLongArray a = meld.longArray("late", 4, Distribution.CYCLIC);
            meld.barrier();
            if (meld.rank() == 1) {
                a.getAsync(0)
                        .thenRun(() -> {
                            ioThreadHeld.countDown();
                            try {
                                letGo.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .join(); // before the barrier's fence, which would time out meanwhile
            } else {
                assertThat(ioThreadHeld.await(20, TimeUnit.SECONDS)).isTrue();
                assertThatThrownBy(() -> a.getAndAdd(1, 1)).isInstanceOf(MeldTimeoutException.class);
                CompletableFuture<Void> fence = CompletableFuture.runAsync(meld::fence);
                Thread.sleep(300);
                assertThat(fence)
                        .as("a fence while the call that timed out is not applied")
                        .isNotDone();
                letGo.countDown();
                fence.get(20, TimeUnit.SECONDS);
            }
            meld.barrier();
            assertThat(a.get(1))
                    .as("the increment that timed out, applied once")
                    .isEqualTo(1);
            meld.barrier();
            a.close();
        });
    }
}
