package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meld.CollectiveMismatchException;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.config.MeldConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node's program that throws fails the whole run, naming the node, and never leaves the others hanging. */
@Timeout(30)
class LocalClusterFailureTest {
    private static final int NODES = 3;

    @Test
    void shouldFailTheRunNamingTheNodeWhoseProgramThrew() {
        IllegalStateException boom = new IllegalStateException("boom on purpose");

        MeldException e = catchThrowableOfType(
                MeldException.class,
                () -> Meld.local(NODES, MeldConfig.defaults(), meld -> {
                    meld.barrier();
                    if (meld.rank() == 1) {
                        throw boom;
                    }
                    for (int i = 0; i < 100; i++) {
                        meld.allReduce(i, LongOp.SUM);
                    }
                }));

        assertThat(e).hasMessage("node 1 of 3 failed: " + boom).hasCause(boom);
        // The others failed in their next collective, which needed node 1, and are reported too.
        assertThat(e.getSuppressed())
                .hasSize(NODES - 1)
                .allSatisfy(s -> assertThat(s)
                        .isInstanceOf(CollectiveMismatchException.class)
                        .hasMessageContaining("node 1 closed")
                        .hasMessageContaining("allReduce(long, SUM)"));
    }

    @Test
    void shouldReportTheFailedNodeFirstEvenWhenTheOthersFailLongAfterIt() {
        MeldException e = catchThrowableOfType(
                MeldException.class,
                () -> Meld.local(NODES, MeldConfig.defaults(), meld -> {
                    if (meld.rank() == 2) {
                        throw new AssertionError("node 2 gives up");
                    }
                    Thread.sleep(300);
                    meld.barrier();
                }));

        assertThat(e).hasMessage("node 2 of 3 failed: java.lang.AssertionError: node 2 gives up");
        assertThat(e.getCause()).isInstanceOf(AssertionError.class);
        assertThat(Arrays.stream(e.getSuppressed()).map(Throwable::getMessage))
                .allSatisfy(m -> assertThat(m).contains("node 2 closed", "barrier()"));
    }

    @Test
    void shouldFailTheRunWhenANodeThrowsACheckedException() {
        MeldException e = catchThrowableOfType(
                MeldException.class,
                () -> Meld.local(2, MeldConfig.defaults(), meld -> {
                    if (meld.rank() == 0) {
                        throw new java.io.IOException("disk full");
                    }
                }));

        assertThat(e).hasMessage("node 0 of 2 failed: java.io.IOException: disk full");
        assertThat(e.getSuppressed()).isEmpty();
    }

    @Test
    void shouldLetTheOtherNodesFinishWhenTheyNeedNoCollectiveAfterTheFailure() {
        MeldException e = catchThrowableOfType(
                MeldException.class,
                () -> Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
                    meld.barrier();
                    if (meld.rank() == 0) {
                        throw new IllegalArgumentException("bad input on node 0");
                    }
                    return meld.rank();
                }));

        assertThat(e).hasMessage("node 0 of 3 failed: java.lang.IllegalArgumentException: bad input on node 0");
        assertThat(e.getSuppressed()).isEmpty();
    }
}
