package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a node allows after it is closed, and while one of its threads is in a collective. */
@Timeout(30)
class ClosedNodeTest {
    /** A cluster of one node. */
    private static final MeldConfig ALONE = MeldConfig.defaults();

    @Test
    void shouldJoinAClusterOfOneWithoutAnyConfiguration() {
        try (Meld meld = Meld.join(MeldConfig.defaults())) {
            assertThat(meld.rank()).isZero();
            assertThat(meld.size()).isEqualTo(1);
            meld.barrier();
        }
    }

    @Test
    void shouldRefuseEveryCallButRankSizeAndCloseOnAClosedNode() {
        Meld meld = Meld.join(ALONE);
        meld.close();

        assertRefusesEverythingButRankSizeAndClose(meld, 0, 1);
    }

    @Test
    void shouldRefuseEveryCallOnANodeThatClosedInsideALocalCluster() {
        List<Boolean> checked = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            meld.barrier();
            meld.close();
            assertRefusesEverythingButRankSizeAndClose(meld, meld.rank(), 2);
            return true;
        });

        assertThat(checked).containsExactly(true, true);
    }

    @Test
    void shouldLetAClusterOfOneJoinAndCloseTwice() {
        Meld meld = Meld.join(ALONE.with(RuntimeSettings.THREADS, 2));
        try {
            assertThat(meld.rank()).isZero();
            assertThat(meld.size()).isEqualTo(1);
            assertThat(meld.threads()).isEqualTo(2);
            meld.barrier();
            assertThat(meld.allReduce(5L, LongOp.MAX)).isEqualTo(5);
        } finally {
            meld.close();
            meld.close();
        }
    }

    @Test
    void shouldRefuseASecondThreadOfANodeWhileAnotherIsInACollective() throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> refused = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> passed = new ConcurrentLinkedQueue<>();
        CountDownLatch oneRefused = new CountDownLatch(1);

        Meld.local(2, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 1) {
                // Node 0's two threads cannot both complete: whichever entered first waits for this barrier.
                assertThat(oneRefused.await(20, TimeUnit.SECONDS)).isTrue();
                meld.barrier();
                return;
            }
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(
                        () -> {
                            try {
                                meld.barrier();
                                passed.add(Thread.currentThread().getName());
                            } catch (IllegalStateException e) {
                                refused.add(e);
                                oneRefused.countDown();
                            }
                        },
                        "caller-" + i);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(20_000);
                assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
            }
        });

        assertThat(passed).hasSize(1);
        assertThat(refused)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .hasMessageStartingWith("node 0: collectives are called by one thread of a node at a time, and")
                        .hasMessageContaining("caller-")
                        .hasMessageEndingWith("is in one"));
    }

    @Test
    void shouldFailACollectiveInProgressWhenAnotherThreadClosesTheNode() {
        List<String> outcomes = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 1) {
                return "idle";
            }
            Thread closer = new Thread(() -> {
                sleepQuietly(200);
                meld.close();
            });
            closer.start();
            try {
                meld.allReduce(1.0, DoubleOp.SUM);
                return "completed";
            } catch (RuntimeException e) {
                return e.getClass().getSimpleName() + ": " + e.getMessage();
            } finally {
                closer.join(20_000);
            }
        });

        // Node 1 returned and closed without reducing: node 0 fails whichever it learns first.
        assertThat(outcomes.get(0))
                .matches("(CollectiveMismatchException: node 1 closed .*|IllegalStateException: node"
                        + " 0 was closed while in collective #1, allReduce\\(double, SUM\\))");
    }

    private static void assertRefusesEverythingButRankSizeAndClose(Meld meld, int rank, int size) {
        assertThat(meld.rank()).isEqualTo(rank);
        assertThat(meld.size()).isEqualTo(size);
        String closed = "node " + rank + " of " + size + " is closed";
        List<ThrowingCallable> calls = List.of(
                meld::threads,
                meld::config,
                meld::barrier,
                () -> meld.allReduce(1L, LongOp.SUM),
                () -> meld.allReduce(1.0, DoubleOp.SUM),
                () -> meld.broadcast(new long[1], 0),
                () -> meld.broadcast(new double[1], 0),
                () -> meld.broadcast(new byte[1], 0));
        for (ThrowingCallable call : calls) {
            assertThatThrownBy(call).isInstanceOf(IllegalStateException.class).hasMessage(closed);
        }
        meld.close();
        meld.close();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
