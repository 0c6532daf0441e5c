package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the transport says when a link goes down, and what a send on it does. */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class LinkFailureTest {

    @Test
    void shouldTellTheListenerOnceWithoutACauseWhenAPeerCloses() {
        try (TestCluster c = TestCluster.of(3).start()) {
            Link link = c.link(0, 1);
            c.node(1).close();
            Await.until(
                    "node 0 to see the link to node 1 go down",
                    () -> !c.linkDowns(0).isEmpty());
            Await.sleep(100); // a second call would come right after the first
            // The direct channel to node 1 is a link of its own, told of when its end is read.
            assertThat(lanes(c.linkDowns(0))).hasSize(1);
            assertThat(c.linkDowns(0))
                    .filteredOn(d -> d.link() instanceof DirectChannel)
                    .hasSizeLessThanOrEqualTo(1)
                    .allSatisfy(d -> assertThat(d.cause()).isNull());
            TestCluster.LinkDown down = lanes(c.linkDowns(0)).get(0);
            assertThat(down.link()).isSameAs(link);
            assertThat(down.link().rank()).isEqualTo(1);
            assertThat(down.cause())
                    .as("a peer that closes cleanly is no error")
                    .isNull();
            assertThat(link.isUp()).isFalse();
            assertThat(c.node(0).link(1)).isNull();
            // The closing node itself is told once per link as well.
            assertThat(c.linkDowns(1)).extracting(d -> d.link().rank()).containsExactlyInAnyOrder(0, 2);
            // Nothing happened to the others.
            c.assertLinkWorks(0, 2);
            assertThat(lanes(c.linkDowns(2))).extracting(d -> d.link().rank()).containsExactly(1);
        }
    }

    /**
     * A peer the cluster declared failed is told so on every connection to it before the connection
     * closes (a frozen process woken up reads it first, whichever connection it reads): its lanes, the
     * end of its direct channel served here, and this node's direct channel to it.
     */
    @Test
    void shouldTellADisconnectedPeerOnEveryConnectionBeforeClosingIt() {
        try (TestCluster c = TestCluster.of(3).start()) {
            int lanes = c.node(0).lanes();
            c.node(0).disconnect(1, new IOException("declared failed"), "node 0 counts node 1 as failed");
            Await.until(
                    "node 1 to read the notice on its " + lanes + " lanes and both direct channels",
                    () -> notices(c, 1).size() == lanes + 2);
            assertThat(notices(c, 1)).allSatisfy(f -> assertThat(f.from()).isZero());
            assertThat(notices(c, 1))
                    .extracting(RecordingFrameHandler.Frame::lane)
                    .containsOnly(0, DirectChannel.LANE);
            Await.until(
                    "node 1 to see its lanes to node 0 end after it",
                    () -> lanes(c.linkDowns(1)).stream()
                                    .filter(d -> d.link().rank() == 0)
                                    .count()
                            == lanes);
            assertThat(notices(c, 2)).as("nobody else is told").isEmpty();
            c.assertLinkWorks(1, 2);
        }
    }

    private static List<RecordingFrameHandler.Frame> notices(TestCluster c, int rank) {
        return c.received(rank).frames().stream()
                .filter(f -> new String(f.payload(), StandardCharsets.UTF_8).equals("node 0 counts node 1 as failed"))
                .toList();
    }

    /**
     * A handler that cannot allocate: Netty hands its error to the pipeline instead of letting the I/O
     * thread die, and the transport passes it on to the node's fail-stop, naming the I/O thread; the
     * connection closes, so the peer sees the link go down at once. The I/O threads themselves carry the
     * fail-stop as their uncaught-exception handler.
     */
    @Test
    void shouldFailStopTheNodeWhoseIoThreadHitAnError() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            c.received(1).throwForEveryFrame(new OutOfMemoryError("thrown by the test handler"));
            ByteBuf frame = link.newFrame(TestCluster.TEST_TYPE, 0, 8);
            frame.writeLong(42);
            link.send(frame);
            Await.until(
                    "node 1's fail-stop to be told",
                    () -> TestCluster.FATAL.stream()
                            .anyMatch(f -> f.thread().getName().startsWith("meld-io-test-1")));
            TestCluster.Fatal fatal = TestCluster.FATAL.stream()
                    .filter(f -> f.thread().getName().startsWith("meld-io-test-1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(fatal.error())
                    .isInstanceOf(OutOfMemoryError.class)
                    .hasMessageContaining("thrown by the test handler");
            assertThat(fatal.thread().getUncaughtExceptionHandler())
                    .as("the I/O thread's own handler")
                    .isInstanceOf(FailStop.class);
            Await.until("node 0 to see the link to node 1 go down", () -> !link.isUp());
        }
    }

    @Test
    void shouldRefuseToSendOnADownLinkNamingTheNode() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            c.node(1).close();
            Await.until("the link to go down", () -> !link.isUp());
            ByteBuf frame = link.newFrame(TestCluster.TEST_TYPE, 0, 8);
            frame.writeLong(42);
            assertThatThrownBy(() -> link.send(frame))
                    .isInstanceOfSatisfying(
                            NodeFailedException.class, e -> assertThat(e.node()).isEqualTo(1))
                    .hasMessageContaining("node 1");
            assertThat(frame.refCnt()).as("the unsent frame was released").isZero();
        }
    }

    @Test
    void shouldWakeASenderWaitingForAFullLinkWhenTheLinkGoesDown() throws Exception {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            CountDownLatch stalled = c.received(1).stall();
            AtomicLong sent = new AtomicLong();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> sender = pool.submit(() -> {
                    while (true) {
                        c.send(0, 1, 0, new byte[16 << 10]);
                        sent.incrementAndGet();
                    }
                });
                TestCluster.awaitSendersHeldBack(link, sent::get);
                ((ChannelLink) link).channel().close();
                assertThatThrownBy(() -> sender.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                        .hasCauseInstanceOf(NodeFailedException.class)
                        .hasMessageContaining("node 1");
            } finally {
                stalled.countDown();
                pool.shutdownNow();
            }
            // The sender may see the link down before the I/O thread has told the listener.
            Await.until(
                    "the link-down to be reported", () -> !lanes(c.linkDowns(0)).isEmpty());
            assertThat(lanes(c.linkDowns(0))).hasSize(1);
        }
    }

    @Test
    void shouldReportAProtocolErrorAsTheCauseOfTheLinkDown() throws Exception {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(1))) {
            assertThat(raw.hello(0, 1, 3).type()).isEqualTo(FrameType.WELCOME);
            raw.write(RawPeer.frame(TestCluster.TEST_TYPE, RecordingFrameHandler.POISON_FLAGS, 1, new byte[5]));
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            Await.until(
                    "node 1 to see the link to node 0 go down",
                    () -> !c.linkDowns(1).isEmpty());
            TestCluster.LinkDown down = c.linkDowns(1).get(0);
            assertThat(down.link().rank()).isZero();
            assertThat(down.cause())
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("the test handler refuses a payload of 5 bytes");
            assertThatThrownBy(() -> down.link().send(down.link().newFrame(TestCluster.TEST_TYPE, 0, 0)))
                    .isInstanceOf(NodeFailedException.class)
                    .hasMessageContaining("node 0")
                    .hasMessageContaining("the test handler refuses");
            c.assertLinkWorks(1, 2);
        }
    }

    /** The calls for lanes, leaving out those for direct channels. */
    private static List<TestCluster.LinkDown> lanes(List<TestCluster.LinkDown> downs) {
        return downs.stream().filter(d -> !(d.link() instanceof DirectChannel)).toList();
    }
}
