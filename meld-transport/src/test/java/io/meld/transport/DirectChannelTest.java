package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A direct channel: driven by the thread that holds it, one holder at a time, and what breaks it. */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class DirectChannelTest {
    /** A frame type no test node handles. */
    private static final int UNHANDLED_TYPE = TestCluster.TEST_TYPE + 1;

    @Test
    void shouldCarryARequestToThePeersIoThreadAndItsAnswerToTheHolder() {
        try (TestCluster c = TestCluster.of(2).start()) {
            c.received(1).echo(TestCluster.TEST_TYPE);
            DirectChannel d = c.node(0).direct(1);
            assertThat(d.rank()).isEqualTo(1);
            assertThat(d.incarnation()).isEqualTo(TestCluster.incarnation(1));
            assertThat(d.tryAcquire()).isTrue();
            try {
                send(d, 7, new byte[] {1, 2, 3});
                RecordingFrameHandler.Frame answer = awaitFrame(c, d, 0);
                assertThat(answer.from()).isEqualTo(1);
                assertThat(answer.flags()).isEqualTo(7);
                assertThat(answer.payload()).containsExactly(1, 2, 3);
                assertThat(answer.thread())
                        .as("the holder handles what arrives")
                        .isSameAs(Thread.currentThread());
                RecordingFrameHandler.Frame request = c.received(1).from(0).get(0);
                assertThat(request.lane()).isEqualTo(DirectChannel.LANE);
                assertThat(request.thread()).isNotSameAs(Thread.currentThread());
                // Sequence numbers go on across frames, both ways.
                send(d, 8, new byte[] {4});
                assertThat(awaitFrame(c, d, 1).payload()).containsExactly(4);
            } finally {
                d.release();
            }
            c.received(1).echo(-1);
            c.assertLinkWorks(0, 1);
            assertThat(c.linkDowns(0)).isEmpty();
            assertThat(c.linkDowns(1)).isEmpty();
        }
    }

    @Test
    void shouldBringWhatThePeerSendsOnItsEndToTheHolder() {
        try (TestCluster c = TestCluster.of(2).start()) {
            DirectChannel d = c.node(0).direct(1);
            // Node 1 installs its end once it has answered the handshake, maybe just after node 0 connected.
            Await.until("node 1 to install its end", () -> c.node(1).directFrom(0) != null);
            Link back = c.node(1).directFrom(0);
            assertThat(back.rank()).isEqualTo(0);
            assertThat(back.lane()).isEqualTo(DirectChannel.LANE);
            assertThat(((ChannelLink) back).writesRaw())
                    .as("on epoll the senders write the peer's end themselves")
                    .isEqualTo(io.netty.channel.epoll.Epoll.isAvailable());
            ByteBuf frame = back.newFrame(TestCluster.TEST_TYPE, 3, 2);
            frame.writeByte(6).writeByte(7);
            back.send(frame); // from the test thread, not node 1's I/O thread
            assertThat(d.tryAcquire()).isTrue();
            try {
                RecordingFrameHandler.Frame got = awaitFrame(c, d, 0);
                assertThat(got.payload()).containsExactly(6, 7);
                assertThat(got.thread()).isSameAs(Thread.currentThread());
            } finally {
                d.release();
            }
            d.close();
            Await.until("node 1 to drop its end", () -> c.node(1).directFrom(0) == null);
            assertThatThrownBy(() -> back.send(back.newFrame(TestCluster.TEST_TYPE, 0, 0)))
                    .isInstanceOf(NodeFailedException.class);
            assertThat(c.linkDowns(1)).isEmpty();
        }
    }

    @Test
    void shouldBreakItsEndWhenThePeerStopsReading() throws Exception {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(1))) {
            // Node 0, played by the test, opens its direct channel to node 1 and then never reads it.
            byte[] hello = RawPeer.handshake(
                    HandshakeCodec.MAGIC,
                    Transport.PROTOCOL_VERSION,
                    DirectChannel.LANE,
                    TestCluster.CLUSTER_ID,
                    0,
                    1,
                    3,
                    TestCluster.incarnation(0));
            raw.write(RawPeer.frame(FrameType.HELLO, 0, 0, hello));
            assertThat(raw.read().type()).isEqualTo(FrameType.WELCOME);
            Await.until("node 1 to install its end", () -> c.node(1).directFrom(0) != null);
            Link back = c.node(1).directFrom(0);
            assumeTrue(((ChannelLink) back).writesRaw(), "senders write a direct channel's end on epoll only");
            byte[] payload = new byte[back.maxPayload()];
            long sent = 0;
            NodeFailedException broke = null;
            // The socket's buffers hold some MiB; then a write waits, and gives up after RawWriter.STALL_NANOS.
            while (broke == null && sent < 1_000_000) {
                ByteBuf frame = back.newFrame(TestCluster.TEST_TYPE, 0, payload.length);
                frame.writeBytes(payload);
                try {
                    back.send(frame);
                    sent++;
                } catch (NodeFailedException e) {
                    broke = e;
                }
            }
            assertThat(broke).isNotNull();
            assertThat(broke.node()).isZero();
            assertThat(broke).hasMessageContaining("node 0 stopped reading its direct channel");
            Await.until("node 1 to drop its end", () -> c.node(1).directFrom(0) == null);
            assertThat(c.linkDowns(1))
                    .as("the end of a direct channel blames nobody")
                    .isEmpty();
            c.assertLinkWorks(1, 2);
        }
    }

    @Test
    void shouldLeaveAPayloadAHandlerKeptAsItWas() {
        try (TestCluster c = TestCluster.of(2).start()) {
            c.received(1).echo(TestCluster.TEST_TYPE);
            c.received(0).keepSlices();
            DirectChannel d = c.node(0).direct(1);
            assertThat(d.tryAcquire()).isTrue();
            try {
                send(d, 0, new byte[] {1, 2, 3});
                awaitFrame(c, d, 0);
                send(d, 0, new byte[] {7, 8, 9});
                awaitFrame(c, d, 1);
            } finally {
                d.release();
            }
            List<ByteBuf> kept = c.received(0).kept();
            try {
                assertThat(ByteBufUtil.getBytes(kept.get(0))).containsExactly(1, 2, 3);
                assertThat(ByteBufUtil.getBytes(kept.get(1))).containsExactly(7, 8, 9);
            } finally {
                kept.forEach(ByteBuf::release);
            }
        }
    }

    @Test
    void shouldLetOneThreadHoldItAtATime() throws Exception {
        try (TestCluster c = TestCluster.of(2).start()) {
            DirectChannel d = c.node(1).direct(0);
            assertThat(d.tryAcquire()).isTrue();
            assertThat(CompletableFuture.supplyAsync(d::tryAcquire).get(5, TimeUnit.SECONDS))
                    .as("another thread while it is held")
                    .isFalse();
            assertThatThrownBy(
                            () -> CompletableFuture.runAsync(d::readAvailable).join())
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not hold it");
            d.release();
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
                boolean got = d.tryAcquire();
                d.release();
                return got;
            });
            assertThat(other.get(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void shouldStayOpenWhenItsHolderIsInterrupted() {
        try (TestCluster c = TestCluster.of(2).start()) {
            c.received(1).echo(TestCluster.TEST_TYPE);
            DirectChannel d = c.node(0).direct(1);
            assertThat(d.tryAcquire()).isTrue();
            try {
                Thread.currentThread().interrupt();
                send(d, 0, new byte[] {5});
                d.readAvailable();
                d.awaitReadable(TimeUnit.MILLISECONDS.toNanos(10));
                assertThat(Thread.interrupted()).as("the interrupt stays set").isTrue();
                assertThat(awaitFrame(c, d, 0).payload()).containsExactly(5);
            } finally {
                Thread.interrupted();
                d.release();
            }
            assertThat(d.isUp()).isTrue();
        }
    }

    @Test
    void shouldBlameNobodyWhenThisNodeClosesIt() {
        try (TestCluster c = TestCluster.of(2).start()) {
            DirectChannel d = c.node(0).direct(1);
            d.close();
            assertThat(d.isUp()).isFalse();
            assertThat(d.tryAcquire())
                    .as("a closed channel: callers take their lane")
                    .isFalse();
            Await.sleep(200); // the peer sees the connection end
            assertThat(c.linkDowns(0)).isEmpty();
            assertThat(c.linkDowns(1)).as("the peer drops its end quietly").isEmpty();
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldReportThePeerDownWhenItsEndCloses() {
        try (TestCluster c = TestCluster.of(2).start()) {
            DirectChannel d = c.node(0).direct(1);
            c.node(1).close();
            assertThat(d.tryAcquire()).isTrue();
            try {
                Await.until("the direct channel to see its peer close", () -> {
                    try {
                        d.readAvailable();
                        d.awaitReadable(TimeUnit.MILLISECONDS.toNanos(10));
                        return false;
                    } catch (NodeFailedException e) {
                        assertThat(e.node()).isEqualTo(1);
                        return true;
                    }
                });
            } finally {
                d.release();
            }
            assertThat(c.linkDowns(0))
                    .filteredOn(down -> down.link() == d)
                    .singleElement()
                    .satisfies(down -> assertThat(down.cause())
                            .as("a peer that closes cleanly is no error")
                            .isNull());
        }
    }

    @Test
    void shouldBreakOnAFrameItHasNoHandlerFor() {
        try (TestCluster c = TestCluster.of(2).start()) {
            c.received(1).echo(UNHANDLED_TYPE);
            DirectChannel d = c.node(0).direct(1);
            assertThat(d.tryAcquire()).isTrue();
            LogCapture.install();
            int mark = LogCapture.mark();
            try {
                send(d, 0, new byte[] {9});
                Await.until("the direct channel to refuse the frame", () -> {
                    try {
                        d.readAvailable();
                        return false;
                    } catch (NodeFailedException e) {
                        return true;
                    }
                });
                LogCapture.awaitLine(mark, "closing direct channel to node 1", "unknown frame type " + UNHANDLED_TYPE);
            } finally {
                d.release();
            }
            assertThat(d.isUp()).isFalse();
            assertThat(c.linkDowns(0)).extracting(TestCluster.LinkDown::link).containsExactly(d);
        }
    }

    @Test
    void shouldOpenNoneWhenTurnedOff() {
        try (TestCluster c = TestCluster.of(2)
                .config(TestCluster.smallConfig().with(TransportSettings.DIRECT.name(), "false"))
                .start()) {
            assertThat(c.node(0).direct(1)).isNull();
            assertThat(c.node(1).direct(0)).isNull();
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldAcceptADirectChannelFromEitherSideButNotFromItself() {
        long[] incarnations = {TestCluster.incarnation(0), TestCluster.incarnation(1), TestCluster.incarnation(2)};
        HandshakeCodec.Hello fromHigher = hello(2, 1);
        assertThat(Handshake.checkHello(fromHigher, TestCluster.CLUSTER_ID, 1, 3, 1, incarnations))
                .isNull();
        assertThat(Handshake.checkHello(hello(0, 1), TestCluster.CLUSTER_ID, 1, 3, 1, incarnations))
                .isNull();
        assertThat(Handshake.checkHello(hello(1, 1), TestCluster.CLUSTER_ID, 1, 3, 1, incarnations))
                .contains("may not open a direct channel");
        assertThat(Handshake.checkHello(hello(3, 1), TestCluster.CLUSTER_ID, 1, 3, 1, incarnations))
                .contains("may not open a direct channel");
    }

    private static HandshakeCodec.Hello hello(int from, int to) {
        return new HandshakeCodec.Hello(
                HandshakeCodec.MAGIC,
                Transport.PROTOCOL_VERSION,
                DirectChannel.LANE,
                TestCluster.CLUSTER_ID,
                from,
                to,
                3,
                TestCluster.incarnation(from));
    }

    private static void send(DirectChannel d, int flags, byte[] payload) {
        ByteBuf frame = d.newFrame(TestCluster.TEST_TYPE, flags, payload.length);
        frame.writeBytes(payload);
        d.send(frame);
    }

    /** Reads as the holder until the {@code index}th frame from node 1 has arrived at node 0. */
    private static RecordingFrameHandler.Frame awaitFrame(TestCluster c, DirectChannel d, int index) {
        Await.until(
                "the answer on the direct channel",
                Duration.ofSeconds(10),
                () -> {
                    d.readAvailable();
                    if (c.received(0).from(1).size() > index) {
                        return true;
                    }
                    d.awaitReadable(TimeUnit.MILLISECONDS.toNanos(10));
                    return false;
                },
                () -> "");
        List<RecordingFrameHandler.Frame> frames = c.received(0).from(1);
        return frames.get(index);
    }
}
