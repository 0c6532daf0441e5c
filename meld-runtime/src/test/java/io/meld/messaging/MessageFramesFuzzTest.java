package io.meld.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.Message;
import io.meld.codec.ObjectCodec;
import io.meld.config.MeldConfig;
import io.meld.kernel.NodeContext;
import io.meld.kernel.PeerTable;
import io.meld.kernel.Poller;
import io.meld.testing.CapturingLink;
import io.meld.testing.PeerFrames;
import io.meld.transport.FailStop;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer fuzz test of the message frames a peer sends ({@link MessageCodec}): MESSAGE chunks, which a
 * {@link io.meld.wire.ChunkAssembler} puts together, and MESSAGE_CREDIT, handed to a fresh {@link
 * MessagingService} of node 1 as node 0's connection hands them. The input is node 0's byte stream
 * ({@link PeerFrames}); the corpus in {@code MessageFramesFuzzTestInputs} starts from messages of every
 * payload type, in one chunk and in several, credits and a BYE.
 *
 * <p>The contract: each frame is taken or refused with a {@link ProtocolException}, which closes the
 * connection (the rest of the stream is not read); then every message whose last chunk was taken is
 * received, in order, with the bytes its chunks carried.
 *
 * <p>A message's array is allocated when its first chunk arrives, sized by the total that chunk
 * announces (up to 2 GiB: a message may be larger than the credit window). The fuzz test stops the
 * stream at a chunk announcing more than {@link #MAX_TOTAL} bytes, so that the fuzzer looks for broken
 * rules rather than for the size of its heap.
 */
class MessageFramesFuzzTest {
    static final long MAX_TOTAL = 1 << 20;

    private static final int MAX_FRAME = 64 << 10;
    private static final MeldConfig CONFIG = MeldConfig.defaults().with("meld.transport.lanes", "1");
    private static final ObjectCodec CODEC = new ObjectCodec(List.of());

    /** A message the stream completed: what node 1 must receive. */
    private record Expected(int tag, int type, byte[] data) {}

    @FuzzTest
    void shouldReceiveExactlyTheMessagesAWellFormedStreamCompletes(byte[] stream) {
        CapturingLink link = new CapturingLink(0, 0, MAX_FRAME);
        PeerTable peers = new PeerTable(2);
        peers.rank(1);
        MessagingService messaging = new MessagingService(2, 1, CONFIG, CODEC, peers);
        peers.register(messaging);
        messaging.start(new NodeContext(1, links(link), peers, null, 1, Poller.NONE, new FailStop((t, e) -> {
            throw new AssertionError("thread " + t.getName() + " died", e);
        })));

        List<Expected> expected = new ArrayList<>();
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        for (PeerFrames.Frame f : PeerFrames.of(stream)) {
            boolean message = f.type() == FrameType.MESSAGE;
            if (message && total(f) > MAX_TOTAL) {
                break;
            }
            byte[] payload = ByteBufUtil.getBytes(f.payload());
            try {
                if (message) {
                    messaging.messagesHandler().onFrame(link, f.flags(), f.payload());
                } else if (f.type() == FrameType.MESSAGE_CREDIT) {
                    messaging.creditsHandler().onFrame(link, f.flags(), f.payload());
                }
            } catch (ProtocolException e) {
                break; // the connection closes
            }
            if (message && payload[MessageCodec.TYPE_OFFSET] != MessageCodec.BYE) {
                current.write(payload, MessageCodec.HEADER_LENGTH, payload.length - MessageCodec.HEADER_LENGTH);
                ByteBuffer h = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
                if (current.size() == h.getLong(MessageCodec.TOTAL_OFFSET)) {
                    expected.add(new Expected(
                            h.getInt(MessageCodec.TAG_OFFSET),
                            payload[MessageCodec.TYPE_OFFSET],
                            current.toByteArray()));
                    current.reset();
                }
            }
        }
        assertThat(messaging.queued()).as("messages completed").isEqualTo(expected.size());
        for (Expected e : expected) {
            if (e.type() == MessageCodec.OBJECT) {
                try {
                    messaging.receive(0, e.tag(), Duration.ZERO);
                } catch (MeldException refused) {
                    // a class this node does not allow, or bytes that are no encoding: the codec's contract
                    assertThat(refused).isNotInstanceOf(MeldTimeoutException.class);
                }
                continue;
            }
            Message m = messaging.receive(0, e.tag(), Duration.ZERO);
            byte[] received = switch (e.type()) {
                case MessageCodec.LONGS -> bytes(m.longs());
                case MessageCodec.DOUBLES -> bytes(m.doubles());
                default -> m.bytes();
            };
            assertThat(received).as("message of tag %d", e.tag()).isEqualTo(e.data());
        }
        messaging.close();
    }

    /** @return the total a MESSAGE frame announces, or 0 when it is too short to announce one */
    private static long total(PeerFrames.Frame f) {
        if (f.payload().readableBytes() < MessageCodec.HEADER_LENGTH) {
            return 0;
        }
        return f.payload().getLongLE(f.payload().readerIndex() + MessageCodec.TOTAL_OFFSET);
    }

    private static byte[] bytes(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return b.array();
    }

    private static byte[] bytes(double[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return b.array();
    }

    /** Node 1's links: one lane to node 0, which the test plays. */
    private static Links links(Link toNode0) {
        return new Links() {
            @Override
            public int rank() {
                return 1;
            }

            @Override
            public int size() {
                return 2;
            }

            @Override
            public int lanes() {
                return 1;
            }

            @Override
            public int maxFrameSize() {
                return MAX_FRAME;
            }

            @Override
            public Link link(int peer, int lane) {
                return peer == 0 ? toNode0 : null;
            }

            @Override
            public void disconnect(int peer, Throwable cause, String notice) {}

            @Override
            public void close() {}
        };
    }
}
