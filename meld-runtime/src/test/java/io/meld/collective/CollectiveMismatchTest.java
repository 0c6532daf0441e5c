package io.meld.collective;

import static io.meld.collective.MismatchTesting.assertEveryNodeFailed;
import static io.meld.collective.MismatchTesting.attempt;
import static io.meld.collective.MismatchTesting.mismatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.meld.CollectiveMismatchException;
import io.meld.DoubleOp;
import io.meld.GlobalLatch;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.collective.MismatchTesting.Outcome;
import io.meld.config.MeldConfig;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nodes that call different collectives at the same point must all fail, never hang: each test's program
 * catches what its collective threw and returns it, and then checks that later collectives fail too.
 *
 * <p>One node may legitimately complete the mismatched collective: a broadcast receiver whose call
 * matches the root's gets the root's array and may return before the abort reaches it. It then fails in
 * its next collective, with the same message.
 */
@Timeout(30)
class CollectiveMismatchTest {
    private static final int NODES = 3;

    /** What one node's mismatched collective and the collective after it threw. */
    @Test
    void shouldFailEveryNodeWhenOneCallsABarrierAndTheOthersAnAllReduce() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 0) {
                meld.barrier();
            } else {
                meld.allReduce(1L, LongOp.SUM);
            }
        });

        assertEveryNodeFailed(outcomes, "barrier()", "allReduce(long, SUM)");
    }

    @Test
    void shouldFailEveryNodeWhenTheyPassDifferentLongOps() throws Exception {
        List<Outcome> outcomes =
                mismatch(NODES, meld -> meld.allReduce(1L, meld.rank() == 2 ? LongOp.MAX : LongOp.SUM));

        assertEveryNodeFailed(outcomes, "allReduce(long, MAX)", "allReduce(long, SUM)");
    }

    @Test
    void shouldFailEveryNodeWhenTheyPassDifferentDoubleOps() throws Exception {
        List<Outcome> outcomes =
                mismatch(NODES, meld -> meld.allReduce(1.0, meld.rank() == 1 ? DoubleOp.MIN : DoubleOp.SUM));

        assertEveryNodeFailed(outcomes, "allReduce(double, MIN)", "allReduce(double, SUM)");
    }

    @Test
    void shouldFailEveryNodeWhenABuiltInOpMeetsACustomOne() throws Exception {
        List<Outcome> outcomes =
                mismatch(NODES, meld -> meld.allReduce(1L, meld.rank() == 0 ? LongOp.SUM : (long a, long b) -> a + b));

        assertEveryNodeFailed(outcomes, "allReduce(long, SUM)", "allReduce(long, a custom operator)");
    }

    @Test
    void shouldFailEveryNodeWhenOneReducesLongsAndTheOthersDoubles() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 1) {
                meld.allReduce(1L, LongOp.SUM);
            } else {
                meld.allReduce(1.0, DoubleOp.SUM);
            }
        });

        assertEveryNodeFailed(outcomes, "allReduce(long, SUM)", "allReduce(double, SUM)");
    }

    @Test
    void shouldFailEveryNodeWhenTheyNameDifferentRoots() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            int root = meld.rank() == 2 ? 2 : 0;
            meld.broadcast(new long[] {meld.rank()}, root);
        });

        assertEveryNodeFailed(outcomes, Set.of(1), "broadcast(long[], root 0)", "broadcast(long[], root 2)");
    }

    @Test
    void shouldFailBothNodesWhenEachNamesTheOtherAsTheRoot() throws Exception {
        List<Outcome> outcomes = mismatch(2, meld -> meld.broadcast(new long[] {1}, 1 - meld.rank()));

        assertEveryNodeFailed(outcomes, "broadcast(long[], root 0)", "broadcast(long[], root 1)");
    }

    @Test
    void shouldFailEveryNodeWhenTheRootsTheyNameFormACycle() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> meld.broadcast(new byte[] {1}, (meld.rank() + 1) % NODES));

        assertEveryNodeFailed(outcomes, "broadcast(byte[], root ");
    }

    @Test
    void shouldFailEveryNodeWhenTheyBroadcastDifferentTypesFromTheSameRoot() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 1) {
                meld.broadcast(new double[] {1}, 0);
            } else {
                meld.broadcast(new long[] {1}, 0);
            }
        });

        assertEveryNodeFailed(outcomes, Set.of(2), "broadcast(long[], root 0)", "broadcast(double[], root 0)");
    }

    @Test
    void shouldFailEveryNodeWhenTheMismatchComesAfterManyMatchingCollectives() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            for (int i = 0; i < 300; i++) {
                meld.allReduce(i, LongOp.SUM);
            }
            if (meld.rank() == 1) {
                meld.barrier();
            } else {
                meld.broadcast(new long[] {1}, 0);
            }
        });

        assertEveryNodeFailed(outcomes, Set.of(2), "collective #301", "barrier()", "broadcast(long[], root 0)");
    }

    @Test
    void shouldRethrowTheMismatchFromEveryLaterCollectiveWhileTheRestOfTheApiAndCloseStillWork() throws Exception {
        // What docs/api.md and CollectiveMismatchException promise after a mismatch: every later
        // collective throws it at once with the first message (a loop runs no iteration), what is not a
        // collective works on, and close() leaves the cluster as usual.
        MeldConfig config = MeldConfig.defaults().with("meld.codec.classes", "io.meld.collective.*");
        List<Long> sums = Meld.localResults(NODES, config, meld -> {
            GlobalLongArray kept = meld.longArray("kept", NODES); // element r on node r
            GlobalLatch left = meld.latch("left", NODES);
            GlobalLatch done = meld.latch("done", NODES);
            meld.barrier();
            // Every node leaves the barrier before any calls the mismatched collective: one still waiting in
            // it would fail there, as the engine fails every node instead of letting one wait.
            left.countDown();
            left.await();
            Throwable first = catchThrowable(() -> {
                if (meld.rank() == 0) {
                    meld.barrier();
                } else {
                    meld.allReduce(1L, LongOp.SUM);
                }
            });
            assertThat(first)
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageContaining("node 0 called barrier()");
            AtomicBoolean ran = new AtomicBoolean();
            List<ThrowingCallable> later = List.of(
                    meld::barrier,
                    () -> meld.allReduce(1.0, DoubleOp.SUM),
                    () -> meld.broadcast(new byte[1], 0),
                    () -> meld.allToAll(new long[NODES][1]),
                    () -> meld.longArray("after", 4),
                    () -> meld.latch("after", 1),
                    () -> meld.forall(kept, i -> ran.set(true)),
                    () -> meld.forall(0, 100, i -> ran.set(true)),
                    kept::close);
            for (ThrowingCallable call : later) {
                assertThatThrownBy(call)
                        .isInstanceOf(CollectiveMismatchException.class)
                        .hasMessage(first.getMessage());
            }
            assertThat(ran).as("a loop's body after the mismatch").isFalse();
            // Not collectives: memory operations, remote tasks, synchronization objects, messages.
            int next = (meld.rank() + 1) % NODES;
            kept.set(next, 10 + meld.rank());
            assertThat(meld.at(next, Meld::rank)).isEqualTo(next);
            done.countDown();
            done.await();
            assertThat(kept.get(meld.rank())).isEqualTo(10 + (meld.rank() + NODES - 1) % NODES);
            // Each node sends once it has finished with the others, so none closes while one still needs it.
            for (int r = 0; r < NODES; r++) {
                if (r != meld.rank()) {
                    meld.send(r, 7, new long[] {meld.rank()});
                }
            }
            long sum = 0;
            for (int i = 1; i < NODES; i++) {
                sum += meld.receive(7).longs()[0];
            }
            meld.close();
            assertThatThrownBy(meld::barrier).isInstanceOf(IllegalStateException.class);
            return sum;
        });

        assertThat(sums).containsExactly(3L, 2L, 1L);
    }

    @Test
    void shouldFailEveryWaitingNodeWhenOneClosesWhileTheOthersWaitInABarrier() throws Exception {
        List<Outcome> outcomes = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 0) {
                meld.close();
                return null;
            }
            return attempt(meld, Meld::barrier);
        });

        assertThat(outcomes.get(0)).isNull();
        for (Outcome o : outcomes.subList(1, NODES)) {
            assertThat(o.first())
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageContaining("node 0 closed")
                    .hasMessageContaining("barrier()")
                    .hasMessageMatching("(?s).*while node [12] waited for it.*");
        }
    }

    @Test
    void shouldFailEveryWaitingNodeWhenTheRootReturnsFromItsProgramInsteadOfBroadcasting() throws Exception {
        List<Outcome> outcomes = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 2) {
                return null;
            }
            return attempt(meld, m -> m.broadcast((double[]) null, 2));
        });

        for (Outcome o : outcomes.subList(0, 2)) {
            assertThat(o.first())
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageContaining("node 2 closed")
                    .hasMessageContaining("broadcast(double[], root 2)");
        }
    }
}
