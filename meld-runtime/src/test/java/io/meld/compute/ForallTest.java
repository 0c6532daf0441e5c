package io.meld.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.LoopOptions;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Owner-computes loops: every iteration once, on its owner, complete when the loop returns. */
@Timeout(60)
class ForallTest {
    private static final MeldConfig CONFIG = MeldConfig.defaults().with("meld.threads", "2");

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {1, 2, 3})
    void shouldRunEveryIndexOnceOnItsOwnerForEveryDistribution(int nodes) {
        List<Boolean> ok = Meld.localResults(nodes, CONFIG, meld -> {
            for (Distribution d : List.of(Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(7))) {
                try (GlobalLongArray visits = meld.longArray("visits-" + d, 10_001, d)) {
                    AtomicLong wrongOwner = new AtomicLong();
                    meld.forall(visits, i -> {
                        if (visits.owner(i) != meld.rank()) {
                            wrongOwner.incrementAndGet();
                        }
                        visits.add(i, 1);
                    });
                    long[] all = new long[(int) visits.length()];
                    visits.get(0, all, 0, all.length);
                    for (long v : all) {
                        if (v != 1) {
                            return false;
                        }
                    }
                    if (meld.allReduce(wrongOwner.get(), LongOp.SUM) != 0) {
                        return false;
                    }
                }
            }
            return true;
        });
        assertThat(ok).containsOnly(true);
    }

    @Test
    void shouldRunOnlyTheSubRangeAndMakeItsRemoteUpdatesVisibleWhenItReturns() {
        List<Long> totals = Meld.localResults(3, CONFIG, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 1000, Distribution.CYCLIC);
                    GlobalLongArray hits = meld.longArray("hits", 1)) {
                meld.forall(a, 100, 900, LoopOptions.THREADS, i -> hits.add(0, i));
                return hits.get(0);
            }
        });
        long expected = (100 + 899) * 800L / 2;
        assertThat(totals).containsOnly(expected);
    }

    @Test
    void shouldSplitAPlainRangeAcrossEveryNodeAndThread() {
        List<Long> totals = Meld.localResults(3, CONFIG, meld -> {
            AtomicLong mine = new AtomicLong();
            AtomicLong count = new AtomicLong();
            meld.forall(5, 10_005, i -> {
                mine.addAndGet(i);
                count.incrementAndGet();
            });
            long c = meld.allReduce(count.get(), LongOp.SUM);
            long s = meld.allReduce(mine.get(), LongOp.SUM);
            return c == 10_000 ? s : -1;
        });
        assertThat(totals).containsOnly((5 + 10_004) * 10_000L / 2);
    }

    @Test
    void shouldFailEveryNodeWhenAnIterationThrows() {
        List<String> messages = Meld.localResults(3, CONFIG, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 300)) {
                try {
                    meld.forall(a, i -> {
                        if (i == 250) {
                            throw new IllegalStateException("iteration " + i + " failed");
                        }
                    });
                    return "no exception";
                } catch (IllegalStateException | MeldException e) {
                    meld.barrier(); // the loop ended on every node; collectives still line up
                    return e.getMessage();
                }
            }
        });
        int owner = 2; // 300 elements over 3 nodes in blocks of 100
        assertThat(messages.get(owner)).isEqualTo("iteration 250 failed");
        assertThat(messages.get(0)).contains("forall failed on node " + owner);
        assertThat(messages.get(1)).contains("forall failed on node " + owner);
    }

    @Test
    void shouldRefuseACollectiveInsideALoopBodyNamingTheLoopNotItsClosingReduction() {
        // A barrier in a body used to be numbered as the node's next collective and reported, if at all, as a
        // mismatch with the loop's closing allReduce(long, MIN): a call the program never made. Every body
        // here calls a collective, so every node fails with its own refusal; nothing was numbered, so the
        // barrier after them lines up.
        List<List<String>> messages = Meld.localResults(2, CONFIG, meld -> {
            List<String> seen = new ArrayList<>();
            try (GlobalLongArray a = meld.longArray("bodies", 100)) {
                seen.add(refusal(() -> meld.forall(a, i -> meld.barrier())));
                seen.add(refusal(
                        () -> meld.forall(0, 100, LoopOptions.virtualThreads(4), i -> meld.allReduce(i, LongOp.SUM))));
                seen.add(refusal(() -> meld.forallLocal(a, span -> meld.forall(0, 4, i -> {}))));
                seen.add(refusal(() -> meld.forall(a, 10, 90, LoopOptions.THREADS, i -> meld.longArray("inner", 1))));
                meld.barrier();
            }
            return seen;
        });
        for (int node = 0; node < 2; node++) {
            List<String> seen = messages.get(node);
            assertThat(seen.get(0))
                    .startsWith("barrier() called inside the body of forall(...) over global long[100] ")
                    .contains("'bodies' on node " + node);
            assertThat(seen.get(1))
                    .startsWith("allReduce(long, SUM) called inside the body of forall(...) over [0, 100)");
            assertThat(seen.get(2))
                    .startsWith(
                            "forall(...) over [0, 4) called inside the body of forallLocal(...) over global long[100]");
            assertThat(seen.get(3))
                    .startsWith("longArray(\"inner\", ...) called inside the body of forall(...) over global long[100]")
                    .contains("'bodies', indices [10, 90) on node " + node);
            for (String m : seen) {
                assertThat(m)
                        .contains("collectives are called by the program's thread of every node")
                        .doesNotContain("MIN");
            }
        }
    }

    /** @return the message of the {@link IllegalStateException} that {@code loop} must throw */
    private static String refusal(Runnable loop) {
        try {
            loop.run();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        throw new AssertionError("the loop did not throw IllegalStateException");
    }

    @Test
    void shouldKeepManyBlockingRemoteReadsInFlightOnVirtualThreads() {
        List<Boolean> ok = Meld.localResults(2, CONFIG, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 4000);
                    GlobalLongArray sums = meld.longArray("sums", 4000)) {
                meld.forall(a, i -> a.set(i, i * 3));
                long n = a.length();
                // Every iteration reads the mirror element, which the other node holds.
                meld.forall(sums, 0, n, LoopOptions.virtualThreads(256), i -> sums.set(i, a.get(n - 1 - i)));
                long[] got = new long[(int) n];
                sums.get(0, got, 0, got.length);
                for (int i = 0; i < n; i++) {
                    if (got[i] != (n - 1 - i) * 3) {
                        return false;
                    }
                }
                return true;
            }
        });
        assertThat(ok).containsOnly(true);
    }

    @Test
    void shouldRejectARangeOutsideTheArray() {
        Meld.local(1, CONFIG, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 10)) {
                assertThatThrownBy(() -> meld.forall(a, 5, 11, LoopOptions.THREADS, i -> {}))
                        .isInstanceOf(IndexOutOfBoundsException.class)
                        .hasMessageContaining("[5, 11)")
                        .hasMessageContaining("'a'");
            }
        });
    }
}
