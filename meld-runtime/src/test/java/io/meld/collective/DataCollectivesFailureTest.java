package io.meld.collective;

import static io.meld.collective.MismatchTesting.assertEveryNodeFailed;
import static io.meld.collective.MismatchTesting.mismatch;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.CollectiveMismatchException;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.NodeFailedException;
import io.meld.collective.MismatchTesting.Outcome;
import io.meld.config.MeldConfig;
import io.meld.messaging.MessagingTesting;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gather, scatter, all-to-all, reduce and scan collectives fail instead of hanging: when nodes call
 * different ones, name different roots or operations, pass arrays of different lengths to an element-wise
 * one, or when a node dies while the others wait.
 *
 * <p>As with broadcast, a node whose own part could complete (a non-root whose call matches the root's)
 * may return from the mismatched collective; it then fails in the next one with the same message.
 */
@Timeout(60)
class DataCollectivesFailureTest {
    private static final int NODES = 3;

    /** What one node's collective and the barrier after it threw. */
    @Test
    void shouldFailEveryNodeWhenOneCallsAllGatherAndTheOthersGather() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 2) {
                meld.allGather(new long[] {1});
            } else {
                meld.gather(new long[] {1}, 0);
            }
        });

        assertEveryNodeFailed(outcomes, Set.of(1), "gather(long[], root 0)", "allGather(long[])");
    }

    @Test
    void shouldFailEveryNodeWhenTheyNameDifferentRootsForAGather() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> meld.gather(new byte[] {1}, meld.rank() == 2 ? 2 : 0));

        assertEveryNodeFailed(outcomes, Set.of(1), "gather(byte[], root 0)", "gather(byte[], root 2)");
    }

    @Test
    void shouldFailEveryNodeWhenTheyReduceToARootWithDifferentOperations() throws Exception {
        List<Outcome> outcomes =
                mismatch(NODES, meld -> meld.reduce(new long[] {1}, meld.rank() == 2 ? LongOp.MAX : LongOp.SUM, 0));

        assertEveryNodeFailed(outcomes, Set.of(1), "reduce(long[], SUM, root 0)", "reduce(long[], MAX, root 0)");
    }

    @Test
    void shouldFailEveryNodeWhenOneScansInclusivelyAndTheOthersExclusively() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 1) {
                meld.scan(new long[] {1}, LongOp.SUM);
            } else {
                meld.exclusiveScan(new long[] {1}, LongOp.SUM, 0);
            }
        });

        assertEveryNodeFailed(outcomes, Set.of(), "scan(long[], SUM)", "exclusiveScan(long[], SUM)");
    }

    @Test
    void shouldFailEveryNodeWhenOneScattersAndTheOthersExchangeAllToAll() throws Exception {
        List<Outcome> outcomes = mismatch(NODES, meld -> {
            if (meld.rank() == 0) {
                meld.scatter(new double[NODES][0], 0);
            } else {
                meld.allToAll(new double[NODES][1]);
            }
        });

        assertEveryNodeFailed(outcomes, Set.of(), "scatter(double[][], root 0)", "allToAll(double[][])");
    }

    @Test
    void shouldFailEveryNodeWhenTheyAllReduceArraysOfDifferentLengthsNamingBoth() throws Exception {
        List<Outcome> outcomes =
                mismatch(NODES, meld -> meld.allReduce(new long[meld.rank() == 2 ? 4 : 3], LongOp.SUM));

        for (int node = 0; node < NODES; node++) {
            Outcome o = outcomes.get(node);
            assertThat(o.first())
                    .as("node %d", node)
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageStartingWith("nodes passed arrays of different lengths to allReduce(long[], SUM)")
                    .hasMessageContaining("passed 4 elements")
                    .hasMessageContaining("passed 3 elements");
            assertThat(o.later()).as("node %d's next collective", node).isInstanceOf(CollectiveMismatchException.class);
        }
    }

    @Test
    void shouldFailWithNodeFailedWhenANodeDiesWhileTheOthersWaitInAnAllGather() throws Exception {
        List<Throwable> outcomes = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            meld.barrier();
            if (meld.rank() == 2) {
                Thread.sleep(200);
                MessagingTesting.crash(meld);
                return null;
            }
            try {
                meld.allGather(new long[] {meld.rank()});
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });

        for (Throwable t : outcomes.subList(0, 2)) {
            assertThat(t)
                    .isInstanceOf(NodeFailedException.class)
                    .hasMessageContaining("node 2 failed while node")
                    .hasMessageContaining("allGather(long[])");
            assertThat(((NodeFailedException) t).node()).isEqualTo(2);
        }
    }

    @Test
    void shouldFailWithNodeFailedWhenTheRootDiesWhileTheOthersWaitToBeScatteredTo() throws Exception {
        List<Throwable> outcomes = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            meld.barrier();
            if (meld.rank() == 0) {
                Thread.sleep(200);
                MessagingTesting.crash(meld);
                return null;
            }
            try {
                meld.scatter((byte[][]) null, 0);
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });

        for (Throwable t : outcomes.subList(1, NODES)) {
            assertThat(t).isInstanceOf(NodeFailedException.class).hasMessageContaining("scatter(byte[][], root 0)");
            assertThat(((NodeFailedException) t).node()).isZero();
        }
    }
}
