package io.meld.task;

import static io.meld.testing.Stepping.STEP;
import static io.meld.testing.Stepping.assertWaiting;
import static io.meld.testing.Stepping.failure;
import static io.meld.testing.Stepping.result;
import static io.meld.testing.Stepping.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Meld;
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
 * Finish counting, one frame at a time on an in-memory network, with the reports of a chain of tasks
 * (node 0's block spawns a task on node 1, which spawns one on node 2) delivered in every order that
 * matters: the finish ends exactly when the last task's end is heard of, never on a report that
 * overtook another, and fails when a node dies with a task counted on it.
 */
@Timeout(60)
class FinishProtocolTest {
    private static final MeldConfig CONFIG = MeldConfig.defaults()
            .with("meld.transport.lanes", "1")
            .with("meld.threads", "1")
            .with("meld.codec.classes", "io.meld.task.*")
            .with("meld.shutdown.timeout", "500ms");

    private InMemoryCluster cluster;
    private InMemoryNetwork net;
    private CompletableFuture<Void> finish;

    @BeforeEach
    void start() throws Exception {
        cluster = InMemoryCluster.start(3, CONFIG);
        net = cluster.network();
        Meld home = cluster.node(0);
        finish = run("finish", () -> home.finish(() -> home.asyncAt(1, here -> here.asyncAt(2, there -> {}))));
        net.awaitPending(0, 1, 1, STEP);
        assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.TASK);
        assertWaiting(finish);
        net.deliverOne(0, 1);
        // Node 1 runs the task: it spawns on node 2, ends, and reports both to the home.
        net.awaitPending(1, 2, 1, STEP);
        net.awaitPending(1, 0, 1, STEP);
        assertWaiting(finish);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void shouldNotEndWhileASpawnTheHomeHeardOfHasNotReported() throws Exception {
        net.deliverOne(1, 0); // node 1's end and its spawn to node 2
        assertWaiting(finish);

        net.deliverOne(1, 2);
        net.awaitPending(2, 0, 1, STEP);
        assertWaiting(finish);
        net.deliverOne(2, 0);
        result(finish);
    }

    @Test
    void shouldNotEndOnAnEndThatOvertookTheReportOfItsSpawn() throws Exception {
        net.deliverOne(1, 2);
        net.awaitPending(2, 0, 1, STEP);
        net.deliverOne(2, 0); // node 2's end, before the home heard of the spawn
        assertWaiting(finish);

        net.deliverOne(1, 0);
        result(finish);
    }

    @Test
    void shouldFailWhenTheNodeRunningACountedTaskDies() throws Exception {
        net.deliverOne(1, 0);
        net.deliverOne(1, 2); // node 2 holds the task; its report never comes
        net.crash(2);
        net.deliverAll();
        Throwable e = failure(finish);
        assertThat(e).isInstanceOf(NodeFailedException.class);
        assertThat(((NodeFailedException) e).node()).isEqualTo(2);
    }
}
