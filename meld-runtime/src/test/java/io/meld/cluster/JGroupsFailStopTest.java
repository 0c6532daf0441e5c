package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.transport.FailStop;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jgroups.util.TimeScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JGroups catches what its tasks and message handlers throw, errors included, and only logs it ({@code
 * TimeScheduler3}, {@code SubmitToThreadPool}, {@code TP.receive}); such an error on a node's JGroups
 * thread fails the node all the same ({@link JGroupsLogging}), and an exception does not.
 */
@Timeout(60)
class JGroupsFailStopTest {
    @Test
    void shouldFailTheNodeWhenJGroupsCatchesAnErrorOnOneOfItsThreads() throws Exception {
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        CompletableFuture<Thread> on = new CompletableFuture<>();
        FailStop failStop = new FailStop((thread, error) -> {
            on.complete(thread);
            failed.complete(error);
        });
        MeldConfig config = MeldConfig.defaults()
                .with(ClusterSettings.NAME, "fail-stop-" + UUID.randomUUID())
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.JVM)
                .with(ClusterSettings.PORT, 0)
                .with(RuntimeSettings.SIZE, 2);
        NodeInfo self = new NodeInfo(
                0, 1, 1, "127.0.0.1", 1, "localhost", ProcessHandle.current().pid());
        try (ClusterMembership membership = ClusterMembership.form(config, null, failStop, self, (node, why) -> {})) {
            TimeScheduler timer =
                    membership.channel().getProtocolStack().getTransport().getTimer();
            CompletableFuture<Void> ran = new CompletableFuture<>();
            timer.execute(() -> {
                ran.complete(null);
                throw new IllegalStateException("a task's exception, which JGroups logs");
            });
            ran.get(10, TimeUnit.SECONDS);
            Thread.sleep(200); // JGroups logs the exception after the task has run
            assertThat(failStop.hasFailed())
                    .as("an exception that JGroups logs fails no node")
                    .isFalse();
            timer.execute(() -> {
                throw new OutOfMemoryError("injected by the test");
            });

            assertThat(failed.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(OutOfMemoryError.class)
                    .hasMessage("injected by the test");
            assertThat(on.get().getName()).startsWith("jgroups");
            assertThat(failStop.hasFailed()).isTrue();
        }
    }
}
