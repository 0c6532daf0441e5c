package io.meld.messaging;

import static io.meld.testing.Stepping.STEP;
import static io.meld.testing.Stepping.assertWaiting;
import static io.meld.testing.Stepping.call;
import static io.meld.testing.Stepping.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Message;
import io.meld.NodeFailedException;
import io.meld.codec.ObjectCodec;
import io.meld.config.MeldConfig;
import io.meld.kernel.NodeContext;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.runtime.InMemoryCluster;
import io.meld.transport.FailStop;
import io.meld.transport.FrameHandlers;
import io.meld.transport.FrameType;
import io.meld.transport.InMemoryNetwork;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Messages larger than a frame, one frame at a time on an in-memory network of 64 KiB frames: a message
 * is received only once its last chunk has arrived, and a sender whose chunks do not continue its
 * message loses its connection, with the offsets in the failure its receivers see.
 */
@Timeout(60)
class MessageChunksProtocolTest {
    private static final MeldConfig CONFIG = MeldConfig.defaults()
            .with("meld.transport.lanes", "1")
            .with("meld.threads", "1")
            .with("meld.transport.max-frame-size", "64KiB")
            .with("meld.shutdown.timeout", "500ms");

    @Test
    void shouldReceiveAMessageLargerThanAFrameOnlyOnceItsLastChunkHasArrived() throws Exception {
        try (InMemoryCluster cluster = InMemoryCluster.start(2, CONFIG)) {
            InMemoryNetwork net = cluster.network();
            long[] data = new long[20_000]; // 160,000 bytes: two full frames and a short one
            for (int i = 0; i < data.length; i++) {
                data[i] = i * 31L - 7;
            }

            cluster.node(0).send(1, 7, data);
            CompletableFuture<Message> receiver =
                    call("receiver", () -> cluster.node(1).receive(0, 7));

            assertThat(net.pending(0, 1)).isEqualTo(3);
            for (int i = 0; i < 2; i++) {
                assertThat(net.nextFrameType(0, 1)).isEqualTo(FrameType.MESSAGE);
                net.deliverOne(0, 1);
                assertWaiting(receiver);
            }
            net.deliverOne(0, 1);
            assertThat(result(receiver).longs()).isEqualTo(data);
        }
    }

    @Test
    void shouldCloseTheConnectionOfASenderWhoseChunksSkipAnOffset() throws Exception {
        try (HandWired w = new HandWired()) {
            w.sendChunk(7, 0, 24, 1L); // of three longs, the first
            w.net.deliverAll();
            assertThat(w.peers.failure(0)).isNull();
            w.sendChunk(7, 16, 24, 3L); // the third: the second is missing
            w.net.deliverAll();

            assertThatThrownBy(() -> w.messaging.receive(0, 7, STEP))
                    .isInstanceOf(NodeFailedException.class)
                    .hasMessageContaining(
                            "message chunk from node 0 at offset 16 of 24 bytes, expected offset 8 of 24");
            assertThat(w.link.isUp()).isFalse();
            assertThat(w.messaging.queued()).isZero();
        }
    }

    @Test
    void shouldCloseTheConnectionOfASenderThatChangesTagsInsideAMessage() throws Exception {
        try (HandWired w = new HandWired()) {
            w.sendChunk(7, 0, 16, 1L);
            w.sendChunk(8, 8, 16, 2L);
            w.net.deliverAll();

            assertThat(w.peers.failure(0))
                    .hasMessage("node 0 sent a chunk of tag 8 and type 2 inside a message of tag 7 and type 2");
            assertThat(w.messaging.queued()).isZero();
        }
    }

    /**
     * Node 1 as a messaging service wired as a node wires it, and node 0 as the test, which writes raw
     * frames to it.
     */
    private static final class HandWired implements AutoCloseable {
        final InMemoryNetwork net = new InMemoryNetwork(2, CONFIG);
        final PeerTable peers = new PeerTable(2);
        final MessagingService messaging = new MessagingService(2, 1, CONFIG, new ObjectCodec(List.of()), peers);
        final Link link;

        HandWired() {
            peers.rank(1);
            peers.register(messaging);
            InMemoryNetwork.Endpoint node1 = net.attach(
                    1,
                    new FrameHandlers()
                            .handle(FrameType.MESSAGE, messaging.messagesHandler())
                            .handle(FrameType.MESSAGE_CREDIT, messaging.creditsHandler())
                            .onLinkDown((l, cause) -> peers.failed(l.rank(), cause)));
            link = net.attach(0, new FrameHandlers()).link(1, 0);
            messaging.start(new NodeContext(1, node1, peers, null, 1, Poller.NONE, new FailStop((t, e) -> {
                throw new AssertionError("thread " + t.getName() + " died", e);
            })));
        }

        /** Sends one MESSAGE frame carrying longs, as a sender's stream would. */
        void sendChunk(int tag, long offset, long total, long... values) {
            ByteBuf frame = link.newFrame(FrameType.MESSAGE, 0, MessageCodec.HEADER_LENGTH + 8 * values.length);
            MessageCodec.encode(frame, tag, MessageCodec.LONGS, total, offset);
            for (long v : values) {
                frame.writeLongLE(v);
            }
            link.send(frame);
        }

        @Override
        public void close() {
            messaging.close();
            net.close();
        }
    }
}
