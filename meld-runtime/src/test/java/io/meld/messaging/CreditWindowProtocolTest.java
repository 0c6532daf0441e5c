package io.meld.messaging;

import static io.meld.testing.Stepping.STEP;
import static io.meld.testing.Stepping.assertWaiting;
import static io.meld.testing.Stepping.failure;
import static io.meld.testing.Stepping.result;
import static io.meld.testing.Stepping.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Message;
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
 * The messaging credit window, one frame at a time on an in-memory network: a sender stops at the
 * window, asks for more once, and goes on only when the receiver's program has taken messages and its
 * grant has arrived; a receiver that dies meanwhile fails the waiting send.
 */
@Timeout(60)
class CreditWindowProtocolTest {
    private static final int WINDOW = 64 << 10;
    /** Three fit in the window with their overhead, a fourth does not. */
    private static final int PAYLOAD = 16 << 10;

    private static final MeldConfig CONFIG = MeldConfig.defaults()
            .with("meld.transport.lanes", "1")
            .with("meld.threads", "1")
            .with("meld.messaging.window", String.valueOf(WINDOW))
            .with("meld.shutdown.timeout", "500ms");

    private InMemoryCluster cluster;
    private InMemoryNetwork net;

    @BeforeEach
    void start() {
        cluster = InMemoryCluster.start(2, CONFIG);
        net = cluster.network();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void shouldHoldTheSenderAtTheWindowUntilTheReceiversProgramTakesAMessage() throws Exception {
        CompletableFuture<Void> sender = run("sender", () -> {
            for (int i = 0; i < 4; i++) {
                cluster.node(0).send(1, 7, new byte[PAYLOAD]);
            }
        });
        // Three messages, then the fourth's REQUEST for window.
        net.awaitPending(0, 1, 4, STEP);
        assertWaiting(sender);
        for (int i = 0; i < 3; i++) {
            assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.MESSAGE);
            net.deliverOne(0, 1);
        }
        assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.MESSAGE_CREDIT);
        net.deliverOne(0, 1);

        // Arrived is not taken: the receiver grants nothing yet.
        net.deliverAll();
        assertThat(net.pending(1, 0)).isZero();
        assertWaiting(sender);

        Message m = cluster.node(1).receive(0, 7);
        assertThat(m.bytes()).hasSize(PAYLOAD);
        // The sender asked, so the grant goes at once.
        assertThat(net.nextFrameType(1, 0)).isEqualTo(FrameType.MESSAGE_CREDIT);
        assertWaiting(sender);
        net.deliverOne(1, 0);

        net.awaitPending(0, 1, 1, STEP);
        assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.MESSAGE);
        result(sender);
        net.deliverAll();
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(1).receive(0, 7).bytes()).hasSize(PAYLOAD);
        }
    }

    @Test
    void shouldFailASendWaitingForWindowWhenTheReceiverDies() throws Exception {
        CompletableFuture<Void> sender = run("sender", () -> {
            for (int i = 0; i < 4; i++) {
                cluster.node(0).send(1, 7, new byte[PAYLOAD]);
            }
        });
        net.awaitPending(0, 1, 4, STEP);
        net.deliverAll();
        assertWaiting(sender);

        net.crash(1);
        net.deliverAll();
        Throwable e = failure(sender);
        assertThat(e).isInstanceOf(NodeFailedException.class);
        assertThat(((NodeFailedException) e).node()).isEqualTo(1);
    }
}
