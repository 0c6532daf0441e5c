package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-memory links keep the contract of the socket links (the transport tests' {@link TestCluster}
 * checks that one): per-link order with sequence numbers, the same argument checks, back-pressure that
 * holds other threads but never the I/O thread, writability callbacks, a handler's protocol error
 * closing the link, and frames lost when a link goes down, with every end told once.
 */
@Timeout(30)
class InMemoryNetworkTest {
    private static final int TYPE = TestCluster.TEST_TYPE;
    private static final MeldConfig CONFIG =
            MeldConfig.defaults().with(TransportSettings.LANES, 2).with(TransportSettings.SEND_BUFFER, 64L << 10);

    private final RecordingFrameHandler[] handlers = {
        new RecordingFrameHandler(), new RecordingFrameHandler(), new RecordingFrameHandler()
    };
    private final List<String> downs = new CopyOnWriteArrayList<>();
    private InMemoryNetwork net;
    private InMemoryNetwork.Endpoint[] nodes;

    private void start(int size) {
        net = new InMemoryNetwork(size, CONFIG);
        nodes = new InMemoryNetwork.Endpoint[size];
        for (int r = 0; r < size; r++) {
            int rank = r;
            nodes[r] = net.attach(
                    r,
                    new FrameHandlers()
                            .handle(TYPE, handlers[r])
                            .onLinkDown((link, cause) -> downs.add(rank + "->" + link.rank() + " lane " + link.lane()
                                    + ": " + (cause == null ? "closed by the peer" : cause.getMessage()))));
        }
    }

    @AfterEach
    void close() {
        if (net != null) {
            net.close();
        }
    }

    private static void send(Link link, int flags, int bytes) {
        ByteBuf f = link.newFrame(TYPE, flags, bytes);
        f.writeZero(bytes);
        link.send(f);
    }

    @Test
    void shouldDeliverNothingUntilAskedThenEveryLinksFramesInOrder() {
        start(3);
        nodes[0].awaitConnected(Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            send(nodes[0].link(1), i, 10 + i);
            send(nodes[2].link(1, 1), 100 + i, 1);
        }
        assertThat(handlers[1].frames()).isEmpty();
        assertThat(net.pending()).isEqualTo(10);
        assertThat(net.pending(0, 1)).isEqualTo(5);
        assertThat(net.nextFrameType(2, 1)).isEqualTo(TYPE);
        assertThat(net.nextFrameType(1, 0)).isEqualTo(-1);

        // One pair first: the other's frames wait.
        while (net.deliverOne(2, 1)) {}
        assertThat(handlers[1].frames())
                .extracting(RecordingFrameHandler.Frame::from)
                .containsOnly(2);
        assertThat(net.deliverAll()).isEqualTo(5);
        assertThat(handlers[1].frames())
                .filteredOn(f -> f.from() == 0)
                .extracting(RecordingFrameHandler.Frame::flags)
                .containsExactly(0, 1, 2, 3, 4);
        assertThat(handlers[1].frames().get(5).payload()).hasSize(10);
        assertThat(net.deliverOne()).isFalse();
    }

    @Test
    void shouldStampEachLinksSequenceNumbersAndCheckFramesAsSocketLinksDo() {
        List<Long> sequences = new CopyOnWriteArrayList<>();
        net = new InMemoryNetwork(2, CONFIG);
        FrameHandler peek = (link, flags, payload) -> sequences.add(payload.getLongLE(
                payload.readerIndex() - FrameDescriptor.HEADER_LENGTH + FrameDescriptor.SEQUENCE_OFFSET));
        InMemoryNetwork.Endpoint a = net.attach(0, new FrameHandlers());
        net.attach(1, new FrameHandlers().handle(TYPE, peek));
        for (int i = 0; i < 3; i++) {
            send(a.link(1, 0), 0, 0);
            send(a.link(1, 1), 0, 0);
        }
        net.deliverAll();
        assertThat(sequences).containsExactly(0L, 0L, 1L, 1L, 2L, 2L);

        Link link = a.link(1);
        int max = link.maxFrameSize();
        assertThatThrownBy(() -> link.newFrame(FrameType.HELLO, 0, 0)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> link.newFrame(TYPE, 256, 0)).hasMessageContaining("flags 256");
        assertThatThrownBy(() -> link.newFrame(TYPE, 0, max)).hasMessageContaining("payload of " + max);
        assertThat(link.maxPayload()).isEqualTo(max - FrameDescriptor.HEADER_LENGTH);
        assertThat(link.incarnation()).isNotEqualTo(a.incarnation());
    }

    @Test
    void shouldHoldASenderAtTheSendBufferUntilTheQueueDrainsToHalfButNeverTheIoThread() throws Exception {
        start(2);
        Link link = nodes[0].link(1);
        int frame = 16 << 10;
        CompletableFuture<Integer> sender = CompletableFuture.supplyAsync(() -> {
            for (int i = 0; i < 8; i++) {
                send(link, 0, frame - FrameDescriptor.HEADER_LENGTH);
            }
            return 8;
        });
        net.awaitPending(0, 1, 5, Duration.ofSeconds(5));
        assertThat(link.isWritableNow()).isFalse(); // 80 KiB queued, above the 64 KiB mark
        assertThatThrownBy(() -> sender.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(net.pending(0, 1)).isEqualTo(5);

        // One frame out leaves 64 KiB queued: not yet half.
        net.deliverOne(0, 1);
        assertThat(link.isWritableNow()).isFalse();
        net.deliverOne(0, 1);
        assertThatThrownBy(() -> sender.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        net.deliverOne(0, 1); // 32 KiB: half the mark, so the sender goes on with its last three
        assertThat(sender.get(5, TimeUnit.SECONDS)).isEqualTo(8);
        assertThat(net.pending(0, 1)).isEqualTo(5);
        // A handler, on the I/O thread, sends past the mark without waiting.
        AtomicInteger sentByHandler = new AtomicInteger();
        net.close();
        net = new InMemoryNetwork(2, CONFIG);
        InMemoryNetwork.Endpoint a = net.attach(0, new FrameHandlers());
        net.attach(1, new FrameHandlers().handle(TYPE, (l, flags, payload) -> {
                    Link back = l; // node 1's link to node 0
                    assertThat(back.inIoThread()).isTrue();
                    for (int i = 0; i < 10; i++) {
                        send(back, 0, frame - FrameDescriptor.HEADER_LENGTH);
                        sentByHandler.incrementAndGet();
                    }
                }));
        send(a.link(1), 0, 0);
        assertThat(a.link(1).inIoThread()).isFalse();
        net.deliverOne(0, 1);
        assertThat(sentByHandler).hasValue(10);
        assertThat(net.pending(1, 0)).isEqualTo(10);
    }

    @Test
    void shouldCallWhenWritableOnTheIoThreadOnceTheLinkDrains() {
        start(2);
        Link link = nodes[0].link(1);
        for (int i = 0; i < 5; i++) {
            send(link, 0, (16 << 10) - FrameDescriptor.HEADER_LENGTH);
        }
        assertThatThrownBy(() -> link.whenWritable(() -> {})).isInstanceOf(IllegalStateException.class);
        List<Boolean> calledOnIoThread = new CopyOnWriteArrayList<>();
        net.close();
        net = new InMemoryNetwork(2, CONFIG);
        InMemoryNetwork.Endpoint a = net.attach(0, new FrameHandlers().handle(TYPE, (back, flags, payload) -> {
                    // Node 0's handler of node 1's frame fills its link back and asks to be called when it drains.
                    for (int i = 0; i < 5; i++) {
                        send(back, 0, (16 << 10) - FrameDescriptor.HEADER_LENGTH);
                    }
                    back.whenWritable(() -> calledOnIoThread.add(back.inIoThread()));
                }));
        InMemoryNetwork.Endpoint b = net.attach(1, new FrameHandlers().handle(TYPE, (l, flags, payload) -> {}));
        send(b.link(0), 0, 0);
        net.deliverOne(1, 0);
        assertThat(calledOnIoThread).isEmpty();
        net.deliverOne(0, 1);
        net.deliverOne(0, 1);
        assertThat(calledOnIoThread).isEmpty();
        net.deliverOne(0, 1);
        assertThat(calledOnIoThread).containsExactly(true);
        assertThat(a.link(1).isWritableNow()).isTrue();
    }

    @Test
    void shouldCloseALinkWhoseHandlerFindsAProtocolErrorAndDropWhatFollowsIt() {
        start(2);
        send(nodes[0].link(1), RecordingFrameHandler.POISON_FLAGS, 3);
        send(nodes[0].link(1), 0, 3);
        send(nodes[1].link(0), 0, 3); // in flight the other way: lost too
        net.deliverOne();
        assertThat(nodes[0].link(1)).isNull();
        assertThat(nodes[1].link(0)).isNull();
        assertThat(nodes[0].link(1, 1)).as("the other lane").isNotNull();
        net.deliverAll();
        assertThat(handlers[0].frames()).isEmpty();
        assertThat(handlers[1].frames()).isEmpty();
        assertThat(downs)
                .containsExactlyInAnyOrder(
                        "1->0 lane 0: the test handler refuses a payload of 3 bytes",
                        "0->1 lane 0: closed by the peer");
    }

    @Test
    void shouldLoseWhatACrashedNodeHadInFlightAndTellEveryEndOnce() throws Exception {
        start(3);
        send(nodes[0].link(1), 0, 1);
        send(nodes[1].link(0), 0, 1);
        send(nodes[2].link(0), 0, 1);
        Link toCrashed = nodes[0].link(1, 1);
        net.crash(1);
        net.crash(1);
        assertThatThrownBy(() -> send(toCrashed, 0, 1))
                .isInstanceOf(NodeFailedException.class)
                .hasMessageContaining("node 1 crashed");
        assertThat(downs).as("told as events, not from inside crash()").isEmpty();
        net.deliverAll();
        assertThat(handlers[0].frames())
                .extracting(RecordingFrameHandler.Frame::from)
                .containsExactly(2);
        assertThat(handlers[1].frames()).isEmpty();
        assertThat(downs)
                .hasSize(8)
                .contains(
                        "0->1 lane 0: node 1 crashed", "2->1 lane 1: node 1 crashed", "1->0 lane 1: this node crashed")
                .doesNotContain("0->2 lane 0: node 1 crashed");
    }

    @Test
    void shouldDisconnectAPeerAndCloseANodeAfterWhatItSentIsDelivered() {
        start(3);
        nodes[0].disconnect(2, new IOException("declared failed"), null);
        assertThat(nodes[0].link(2)).isNull();
        send(nodes[0].link(1), 0, 1);
        nodes[0].close();
        assertThatThrownBy(() -> send(nodes[0].link(1, 1), 0, 1)).isInstanceOf(NodeFailedException.class);
        net.deliverAll();
        assertThat(handlers[1].frames()).hasSize(1); // sent before the close
        assertThat(downs)
                .contains("0->2 lane 0: declared failed", "2->0 lane 0: closed by the peer")
                .contains("1->0 lane 0: closed by the peer", "0->1 lane 1: closed by the peer");
        assertThat(nodes[1].link(0)).isNull();
        assertThat(nodes[1].link(2)).isNotNull();
    }

    @Test
    void shouldDeliverAsFramesComeWhenPumped() throws Exception {
        start(2);
        net.startPump();
        for (int i = 0; i < 100; i++) {
            send(nodes[0].link(1, i % 2), 0, 8);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (handlers[1].frames().size() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(handlers[1].frames()).hasSize(100);
        assertThatThrownBy(net::startPump).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRefuseBadAttachments() {
        start(2);
        assertThatThrownBy(() -> net.attach(2, new FrameHandlers())).hasMessageContaining("rank 2");
        assertThatThrownBy(() -> net.attach(1, new FrameHandlers())).hasMessageContaining("attached already");
        assertThatThrownBy(() -> net.crash(5)).hasMessageContaining("node 5");
        InMemoryNetwork half = new InMemoryNetwork(2, CONFIG);
        try {
            InMemoryNetwork.Endpoint only = half.attach(0, new FrameHandlers());
            assertThat(only.link(1)).isNull();
            assertThatThrownBy(() -> only.awaitConnected(Duration.ofMillis(20)))
                    .hasMessageContaining("nodes 1 to attach");
        } finally {
            half.close();
        }
    }
}
