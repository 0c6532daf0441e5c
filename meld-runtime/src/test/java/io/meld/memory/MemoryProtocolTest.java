package io.meld.memory;

import static io.meld.testing.Stepping.STEP;
import static io.meld.testing.Stepping.assertWaiting;
import static io.meld.testing.Stepping.call;
import static io.meld.testing.Stepping.failure;
import static io.meld.testing.Stepping.result;
import static io.meld.testing.Stepping.run;
import static io.meld.testing.Stepping.settle;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Distribution;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import io.meld.runtime.InMemoryCluster;
import io.meld.transport.FrameType;
import io.meld.transport.InMemoryNetwork;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Global memory's waits, one frame at a time on an in-memory network: a fence sends FENCE only on the
 * connections that carried operations nobody waited for since the last fence, returns only once each
 * home has answered, and fails when a home dies between applying and answering; an operation whose home
 * does not answer times out naming it, and is not undone.
 */
@Timeout(60)
class MemoryProtocolTest {
    private static final MeldConfig CONFIG = MeldConfig.defaults()
            .with("meld.transport.lanes", "1")
            .with("meld.threads", "1")
            .with("meld.memory.timeout", "500ms")
            .with("meld.shutdown.timeout", "500ms");

    private InMemoryCluster cluster;
    private InMemoryNetwork net;
    private GlobalLongArray[] arrays;

    @BeforeEach
    void start() throws Exception {
        cluster = InMemoryCluster.start(2, CONFIG);
        net = cluster.network();
        arrays = new GlobalLongArray[2];
        CompletableFuture<?>[] made = new CompletableFuture<?>[2];
        for (int r = 0; r < 2; r++) {
            Meld node = cluster.node(r);
            int rank = r;
            // Element 0 lives on node 0, element 1 on node 1.
            made[r] = run("make-" + r, () -> arrays[rank] = node.longArray("a", 2, Distribution.BLOCK));
        }
        settle(net, made);
        for (CompletableFuture<?> f : made) {
            result(f);
        }
        assertThat(net.pending()).isZero();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void shouldReturnOnlyOnceTheHomeHasAppliedAndAnswered() throws Exception {
        CompletableFuture<Void> fence = run("fence", () -> {
            arrays[0].add(1, 5);
            cluster.node(0).fence();
        });
        // The buffered add leaves with the fence, then the FENCE request behind it on the same link.
        net.awaitPending(0, 1, 2, STEP);
        assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.MEMORY_OPS);
        assertWaiting(fence);

        assertThat(net.deliverOne(0, 1)).isTrue();
        assertWaiting(fence);
        assertThat(net.deliverOne(0, 1)).isTrue();
        assertThat(arrays[1].local().get(0)).as("applied at the home").isEqualTo(5);
        net.awaitPending(1, 0, 1, STEP);
        assertThat(net.nextFrameType(1, 0)).isEqualTo(FrameType.MEMORY_REPLIES);
        assertWaiting(fence);

        assertThat(net.deliverOne(1, 0)).isTrue();
        result(fence);
        assertThat(net.pending()).isZero();
    }

    @Test
    void shouldSendNothingWhenEveryOperationIsCoveredAlready() throws Exception {
        CompletableFuture<Void> first = run("fence", () -> {
            arrays[0].add(1, 5);
            cluster.node(0).fence();
        });
        settle(net, first);
        result(first);

        // Nothing was issued since: the second fence needs no round trip at all.
        result(run("fence again", () -> cluster.node(0).fence()));
        assertThat(net.pending()).isZero();

        // A blocking operation's answer covers what its link carried before it, as a fence would.
        CompletableFuture<Long> get = call("add then get", () -> {
            arrays[0].add(1, 1);
            return arrays[0].get(1);
        });
        settle(net, get);
        assertThat(result(get)).isEqualTo(6);
        result(run("fence after a get", () -> cluster.node(0).fence()));
        assertThat(net.pending()).isZero();
    }

    @Test
    void shouldFailNamingTheHomeThatDiedAfterApplyingButBeforeAnswering() throws Exception {
        CompletableFuture<Void> fence = run("fence", () -> {
            arrays[0].add(1, 5);
            cluster.node(0).fence();
        });
        net.awaitPending(0, 1, 2, STEP);
        net.deliverOne(0, 1);
        net.deliverOne(0, 1);
        net.awaitPending(1, 0, 1, STEP);
        assertThat(arrays[1].local().get(0)).isEqualTo(5);

        net.crash(1); // its answer is lost with it
        net.deliverAll();
        Throwable e = failure(fence);
        assertThat(e).isInstanceOf(NodeFailedException.class);
        assertThat(((NodeFailedException) e).node()).isEqualTo(1);
    }

    @Test
    void shouldFailABlockingGetWhoseHomeDiesBeforeTheRequestArrives() throws Exception {
        CompletableFuture<Long> get = call("get", () -> arrays[0].get(1));
        net.awaitPending(0, 1, 1, STEP);
        assertWaiting(get);

        net.crash(1);
        net.deliverAll();
        Throwable e = failure(get);
        assertThat(e).isInstanceOf(NodeFailedException.class).hasMessageContaining("node 1");
    }

    @Test
    void shouldTimeOutNamingTheHomeWhenItDoesNotAnswerAndLeaveTheOperationsApplied() throws Exception {
        // Nothing is delivered: node 1 receives nothing, so it answers nothing.
        assertThat(failure(call("get", () -> arrays[0].get(1))))
                .isInstanceOf(MeldTimeoutException.class)
                .hasMessageContaining("get(a[1])")
                .hasMessageContaining("node 1")
                .hasMessageContaining("500ms");
        CompletableFuture<Long> async = arrays[0].getAndAddAsync(1, 5);
        assertThat(failure(async))
                .isInstanceOf(MeldTimeoutException.class)
                .hasMessageContaining("getAndAdd")
                .hasMessageContaining("node 1");
        assertThat(failure(run("fence", () -> {
                    arrays[0].add(1, 7);
                    cluster.node(0).fence();
                })))
                .isInstanceOf(MeldTimeoutException.class)
                .hasMessageContaining("fence")
                .hasMessageContaining("node 1");
        assertThat(failure(run("bulk get", () -> arrays[0].get(0, new long[2], 0, 2))))
                .isInstanceOf(MeldTimeoutException.class)
                .hasMessageContaining("node 1");

        // A timeout says the answer did not come, not that the operation was undone.
        net.deliverAll();
        assertThat(arrays[1].local().get(0)).isEqualTo(12);
    }

    @Test
    void shouldSayWhichNodeRanOutOfMemoryAndHowMuchItWasAskedOnEveryNode() throws Exception {
        CompletableFuture<?>[] made = new CompletableFuture<?>[2];
        for (int r = 0; r < 2; r++) {
            Meld node = cluster.node(r);
            made[r] = run("make-" + r, () -> node.longArray("huge", 1L << 40));
        }
        settle(net, made);
        for (CompletableFuture<?> f : made) {
            assertThat(failure(f))
                    .isInstanceOf(MeldException.class)
                    .hasMessageStartingWith("node 0 ran out of memory allocating its part of array 'huge': "
                            + (1L << 39) + " elements (4096GiB), with at most ")
                    .hasMessageContaining("of heap (-Xmx)");
        }
        // Nothing is left of it: the name is free, and the next collective works.
        settle(
                net,
                run("again-0", () -> cluster.node(0).barrier()),
                run("again-1", () -> cluster.node(1).barrier()));
    }
}
