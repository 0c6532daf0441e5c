package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Throws random and mutated byte streams at the decoder, alone and in front of a {@link
 * ConnectionHandler}, and checks them against a model of the frame rules.
 *
 * <p>Two kinds of test share the model and its checks. The seeded ones ({@code @Test}) mutate valid
 * streams with {@link Random}: bounded and quick (a few seconds together), a failure prints the seed and
 * iteration, and the same run reproduces it; raise {@code -Dfuzz.iterations} for a longer hunt. The
 * Jazzer ones ({@code @FuzzTest}) take their streams from a coverage-guided fuzzer: in every build they
 * replay their corpus and past crashes ({@code FrameDecoderFuzzTestInputs/<method>/} in the test
 * resources), and {@link BoundedFuzzingTest} fuzzes each for a few seconds in a JVM of its own.
 */
@Timeout(60)
class FrameDecoderFuzzTest {
    private static final int MAX = 1024;
    private static final int T = TestCluster.TEST_TYPE;
    private static final long SEED = Long.getLong("fuzz.seed", 0x5EEDL);
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 2000);

    /**
     * What the rules say a stream is: the frames at its start, and how it ends (cleanly, with a bad header,
     * or cut short).
     */
    record Model(List<byte[]> frames, String error) {
        static Model of(byte[] s, boolean[] known) {
            List<byte[]> frames = new ArrayList<>();
            ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            while (s.length - at >= FrameDescriptor.HEADER_LENGTH) {
                int length = b.getInt(at);
                if (length < FrameDescriptor.HEADER_LENGTH || length > MAX) {
                    return new Model(frames, "frame length " + Integer.toUnsignedString(length) + " is outside");
                }
                int type = Byte.toUnsignedInt(s[at + FrameDescriptor.TYPE_OFFSET]);
                if (!known[type]) {
                    return new Model(frames, "unknown frame type " + type);
                }
                if (s.length - at < length) {
                    break;
                }
                frames.add(Arrays.copyOfRange(s, at, at + length));
                at += length;
            }
            return new Model(frames, at < s.length ? "truncated frame: the connection closed after " : null);
        }
    }

    @Test
    void shouldEmitExactlyTheFramesTheRulesAllowOrFailWithAProtocolException() {
        Random rnd = new Random(SEED);
        boolean[] known = FrameDecoderTest.knownTypes();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] stream = i % 4 == 0 ? randomBytes(rnd) : mutate(rnd, validStream(rnd, rnd.nextInt(6), null));
            try {
                checkDecoderAlone(rnd, stream, known);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + SEED + ", iteration " + i + ", stream " + hex(stream), e);
            }
        }
        LeakCheck.assertNoLeaks();
    }

    /**
     * The decoder alone, on a stream the fuzzer chose, cut into reads and fed as {@link
     * #checkDecoderAlone} does with a {@link Random} seeded from the input's last 8 bytes: it emits
     * exactly the model's frames, fails with the model's {@link ProtocolException} or none, and releases
     * every buffer.
     */
    @FuzzTest
    void shouldCutAnyStreamIntoTheFramesTheRulesAllow(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        checkDecoderAlone(new Random(seed), data.consumeRemainingAsBytes(), FrameDecoderTest.knownTypes());
    }

    /**
     * A peer's stream, as the fuzzer chose it, to a node of either side of the handshake (the input's
     * last byte picks which), checked as {@link #checkPipeline} checks the seeded streams: a link only
     * after a handshake every rule accepts, and then exactly the well-sequenced frames up to the first
     * bad one. A handshake payload also decodes to fields that encode to the same bytes.
     */
    @FuzzTest
    void shouldHandAHandlerOnlyTheFramesAfterAValidHandshake(FuzzedDataProvider data) {
        Side side = data.consumeBoolean() ? Side.ACCEPTING : Side.CONNECTING;
        long seed = data.consumeLong();
        byte[] stream = data.consumeRemainingAsBytes();
        checkHandshakeRoundTrip(stream);
        FuzzedNode node = FuzzedNode.of(side);
        node.handler.clear();
        checkPipeline(
                new Random(seed),
                side,
                node.transport,
                stream,
                FrameDecoderTest.knownTypes(),
                null,
                node.handler,
                node.downs);
    }

    /** A node of the test cluster for {@link #shouldHandAHandlerOnlyTheFramesAfterAValidHandshake}, one per side. */
    private record FuzzedNode(
            Transport transport, RecordingFrameHandler handler, ConcurrentLinkedQueue<TestCluster.LinkDown> downs) {
        private static final FuzzedNode[] NODES = new FuzzedNode[Side.values().length];

        static synchronized FuzzedNode of(Side side) {
            if (NODES[side.ordinal()] == null) {
                RecordingFrameHandler handler = new RecordingFrameHandler();
                ConcurrentLinkedQueue<TestCluster.LinkDown> downs = new ConcurrentLinkedQueue<>();
                Transport t = TestCluster.transport(
                        TestCluster.CLUSTER_ID, 2, side.rank, TestCluster.smallConfig(), handler, downs);
                t.connect(side.rank, List.of(), Duration.ofSeconds(1)); // its rank; no peer to wait for
                NODES[side.ordinal()] = new FuzzedNode(t, handler, downs);
            }
            return NODES[side.ordinal()];
        }

        static synchronized void closeAll() {
            for (int i = 0; i < NODES.length; i++) {
                if (NODES[i] != null) {
                    NODES[i].transport.close();
                    NODES[i] = null;
                }
            }
        }
    }

    @AfterAll
    static void closeFuzzedNodes() {
        FuzzedNode.closeAll();
    }

    /**
     * When the stream starts with a whole HELLO or WELCOME frame: its payload decodes to fields that
     * encode to the same bytes, but for the reserved field, which is written as 0.
     */
    private static void checkHandshakeRoundTrip(byte[] stream) {
        if (stream.length < FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH) {
            return;
        }
        int type = Byte.toUnsignedInt(stream[FrameDescriptor.TYPE_OFFSET]);
        if (type != FrameType.HELLO && type != FrameType.WELCOME) {
            return;
        }
        ByteBuf payload = Unpooled.wrappedBuffer(
                stream, FrameDescriptor.HEADER_LENGTH, stream.length - FrameDescriptor.HEADER_LENGTH);
        HandshakeCodec.Hello h = HandshakeCodec.decode(payload);
        ByteBuf again = Unpooled.buffer(HandshakeCodec.LENGTH);
        HandshakeCodec.encode(
                again,
                h.version(),
                h.lane(),
                h.clusterId(),
                h.senderRank(),
                h.receiverRank(),
                h.size(),
                h.incarnation());
        byte[] expected = Arrays.copyOfRange(
                stream, FrameDescriptor.HEADER_LENGTH, FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH);
        // The reserved int32 follows the cluster size.
        ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).putInt(HandshakeCodec.SIZE_OFFSET + Integer.BYTES, 0);
        if (h.magic() == HandshakeCodec.MAGIC) {
            assertThat(ByteBufUtil.getBytes(again))
                    .as("the handshake, encoded again")
                    .isEqualTo(expected);
        }
    }

    /** Which end of a connection the node under test is. */
    enum Side {
        /** Node 1, hearing node 0's HELLO. */
        ACCEPTING(1, FrameType.HELLO),
        /** Node 0, having sent HELLO to node 1, hearing its WELCOME. */
        CONNECTING(0, FrameType.WELCOME);

        final int rank;
        final int handshakeType;

        Side(int rank, int handshakeType) {
            this.rank = rank;
            this.handshakeType = handshakeType;
        }

        int peer() {
            return 1 - rank;
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void shouldHandAHandlerOnlyValidFramesInSequenceAfterAValidHandshake(Side side) {
        long seed = SEED + 1 + side.ordinal();
        Random rnd = new Random(seed);
        ConcurrentLinkedQueue<TestCluster.LinkDown> downs = new ConcurrentLinkedQueue<>();
        RecordingFrameHandler handler = new RecordingFrameHandler();
        MeldConfig config = TestCluster.smallConfig();
        int mark = LogCapture.mark();
        try (Transport transport =
                TestCluster.transport(TestCluster.CLUSTER_ID, 2, side.rank, config, handler, downs)) {
            transport.connect(side.rank, List.of(), Duration.ofSeconds(1)); // its rank; no peer to wait for
            boolean[] known = FrameDecoderTest.knownTypes();
            int handshakes = 0;
            for (int i = 0; i < ITERATIONS / 3; i++) {
                byte[] valid = validStream(rnd, 1 + rnd.nextInt(5), side);
                byte[] stream = i % 8 == 0 ? valid : mutate(rnd, valid);
                try {
                    handshakes += checkPipeline(rnd, side, transport, stream, known, valid, handler, downs) ? 1 : 0;
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError(
                            side + ", seed " + seed + ", iteration " + i + ", stream " + hex(stream), e);
                }
            }
            assertThat(handshakes).as("streams that got past the handshake").isGreaterThan(ITERATIONS / 24);
        }
        assertThat(LogCapture.linesSince(mark))
                .as("errors other than protocol errors")
                .noneMatch(l -> l.contains("unexpected error") || l.contains("ERROR"));
        LeakCheck.assertNoLeaks();
    }

    /**
     * The decoder alone: emitted frames, the error and the buffers match the model. Large frames are read
     * into buffers of their own from a random size on; half the streams come as ready-made buffers, half
     * as socket reads would put them, into the buffers the channel's receive allocator gives.
     */
    private static void checkDecoderAlone(Random rnd, byte[] stream, boolean[] known) {
        Model model = Model.of(stream, known);
        int threshold = rnd.nextBoolean() ? FrameDecoder.DIRECT_READ_THRESHOLD : 1 + rnd.nextInt(MAX);
        boolean socketReads = rnd.nextBoolean();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX, known, threshold));
        List<ByteBuf> inputs = new ArrayList<>();
        List<byte[]> emitted = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        List<byte[]> chunks = new ArrayList<>(chunks(rnd, stream));
        while (!chunks.isEmpty()) {
            byte[] chunk = chunks.remove(0);
            ByteBuf in;
            if (socketReads) {
                // A read fills the buffer up to its capacity at most; the rest waits for the next read.
                in = channel.unsafe().recvBufAllocHandle().allocate(channel.alloc());
                int n = Math.min(chunk.length, in.capacity() - in.writerIndex());
                in.writeBytes(chunk, 0, n);
                if (n < chunk.length) {
                    chunks.add(0, Arrays.copyOfRange(chunk, n, chunk.length));
                }
            } else {
                in = ByteBufAllocator.DEFAULT.buffer(chunk.length).writeBytes(chunk);
            }
            ByteBuf read = in;
            if (inputs.stream().noneMatch(b -> b == read)) { // a large frame's buffer takes several reads
                inputs.add(in);
            }
            try {
                channel.writeInbound(in);
            } catch (Throwable t) {
                errors.add(t);
            }
            drain(channel, emitted);
        }
        try {
            channel.finish();
        } catch (Throwable t) {
            errors.add(t);
        }
        drain(channel, emitted);
        assertThat(emitted).as("frames").containsExactlyElementsOf(model.frames());
        if (model.error() == null) {
            assertThat(errors).isEmpty();
        } else {
            assertThat(errors).as("errors").hasSize(1);
            Throwable root = errors.get(0) instanceof DecoderException d ? d.getCause() : errors.get(0);
            assertThat(root).isInstanceOf(ProtocolException.class).hasMessageStartingWith(model.error());
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffers released by the decoder").isZero();
        }
    }

    /**
     * The decoder and a connection handler of one side of the handshake, with the test handler behind
     * them: the stream comes from the peer.
     *
     * @return whether the handshake succeeded
     */
    private static boolean checkPipeline(
            Random rnd,
            Side side,
            Transport transport,
            byte[] stream,
            boolean[] known,
            byte[] valid,
            RecordingFrameHandler handler,
            ConcurrentLinkedQueue<TestCluster.LinkDown> downs) {
        int before = handler.frames().size();
        downs.clear();
        List<Throwable> decoderErrors = new ArrayList<>();
        ConnectionHandler connection;
        if (side == Side.ACCEPTING) {
            connection = new ConnectionHandler(transport);
        } else {
            Transport.Peer peer = new Transport.Peer(1, "127.0.0.1", 9, TestCluster.incarnation(1));
            Transport.ConnectAttempt attempt = transport.new ConnectAttempt(peer, 0);
            attempt.stop(); // no retries: this one connection is all there is
            connection = new ConnectionHandler(transport, peer, attempt);
        }
        EmbeddedChannel channel = new EmbeddedChannel(
                new FrameDecoder(MAX, known),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        decoderErrors.add(cause);
                        ctx.fireExceptionCaught(cause);
                    }
                },
                connection);
        List<ByteBuf> inputs = new ArrayList<>();
        for (byte[] chunk : chunks(rnd, stream)) {
            if (!channel.isOpen()) {
                break; // the node closed the connection: the peer's further bytes go nowhere
            }
            ByteBuf in = ByteBufAllocator.DEFAULT.buffer(chunk.length).writeBytes(chunk);
            inputs.add(in);
            channel.writeInbound(in);
        }
        List<byte[]> sent = new ArrayList<>();
        drainOutbound(channel, sent);
        channel.finishAndReleaseAll();
        drainOutbound(channel, sent);

        for (Throwable t : decoderErrors) {
            Throwable root = t instanceof DecoderException d ? d.getCause() : t;
            assertThat(root).as("an error raised by the decoder").isInstanceOf(ProtocolException.class);
        }
        for (ByteBuf in : inputs) {
            assertThat(in.refCnt()).as("input buffers released").isZero();
        }
        assertThat(transport.link(side.peer()))
                .as("the link, after its connection closed")
                .isNull();

        // A handshake succeeded when a link was installed: it went down when the connection closed.
        boolean linked = !downs.isEmpty();
        if (side == Side.ACCEPTING) {
            boolean welcomed = !sent.isEmpty() && sent.get(0)[FrameDescriptor.TYPE_OFFSET] == FrameType.WELCOME;
            if (welcomed && !linked && asksForADirectChannel(stream)) {
                // A HELLO on the direct lane asks for a direct channel: its WELCOME hands the connection to
                // the direct channels, which install no link and read the frames that follow their own
                // way; the model here does not follow them (DirectChannelTest does).
                return false;
            }
            assertThat(welcomed).as("WELCOME sent").isEqualTo(linked);
        } else {
            assertThat(sent).as("what the connecting node sent").isNotEmpty();
            assertThat(sent.get(0)[FrameDescriptor.TYPE_OFFSET]).isEqualTo((byte) FrameType.HELLO);
        }
        if (Arrays.equals(stream, valid)) {
            assertThat(linked).as("a valid stream gets past the handshake").isTrue();
        }
        List<RecordingFrameHandler.Frame> delivered =
                handler.frames().subList(before, handler.frames().size());
        if (!linked) {
            assertThat(delivered).as("frames handed over without a handshake").isEmpty();
            return false;
        }
        List<byte[]> frames = Model.of(stream, known).frames();
        assertValidHandshake(side, frames.get(0));
        // Exactly the longest run of well-sequenced test frames after the handshake reaches the handler.
        List<byte[]> expected = new ArrayList<>();
        for (int j = 1; j < frames.size(); j++) {
            ByteBuffer f = ByteBuffer.wrap(frames.get(j)).order(ByteOrder.LITTLE_ENDIAN);
            int type = Byte.toUnsignedInt(f.get(FrameDescriptor.TYPE_OFFSET));
            int flags = Byte.toUnsignedInt(f.get(FrameDescriptor.FLAGS_OFFSET));
            if (type != T
                    || f.getLong(FrameDescriptor.SEQUENCE_OFFSET) != j
                    || flags == RecordingFrameHandler.POISON_FLAGS) {
                break;
            }
            expected.add(Arrays.copyOfRange(frames.get(j), FrameDescriptor.HEADER_LENGTH, frames.get(j).length));
        }
        assertThat(delivered).extracting(RecordingFrameHandler.Frame::payload).containsExactlyElementsOf(expected);
        assertThat(downs).as("link-down calls").hasSize(1);
        Throwable cause = downs.peek().cause();
        if (cause != null) {
            assertThat(cause).isInstanceOf(ProtocolException.class);
        }
        return true;
    }

    /** @return whether the stream starts with a whole HELLO for the direct channel's lane */
    private static boolean asksForADirectChannel(byte[] stream) {
        int lane = FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LANE_OFFSET;
        return stream.length >= FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH
                && Byte.toUnsignedInt(stream[FrameDescriptor.TYPE_OFFSET]) == FrameType.HELLO
                && ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).getShort(lane) == (short) DirectChannel.LANE;
    }

    /**
     * Checks every field the handshake rules look at; the reserved fields and the flags may hold anything,
     * and so may the incarnation of a connecting node.
     */
    private static void assertValidHandshake(Side side, byte[] frame) {
        ByteBuffer f = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        int p = FrameDescriptor.HEADER_LENGTH;
        assertThat(frame.length).as("handshake length").isGreaterThanOrEqualTo(p + HandshakeCodec.LENGTH);
        assertThat(Byte.toUnsignedInt(f.get(FrameDescriptor.TYPE_OFFSET))).isEqualTo(side.handshakeType);
        assertThat(f.getLong(FrameDescriptor.SEQUENCE_OFFSET)).isZero();
        assertThat(f.getInt(p + HandshakeCodec.MAGIC_OFFSET)).isEqualTo(HandshakeCodec.MAGIC);
        assertThat(Short.toUnsignedInt(f.getShort(p + HandshakeCodec.VERSION_OFFSET)))
                .isEqualTo(Transport.PROTOCOL_VERSION);
        assertThat(f.getLong(p + HandshakeCodec.CLUSTER_ID_OFFSET)).isEqualTo(TestCluster.CLUSTER_ID);
        assertThat(f.getInt(p + HandshakeCodec.SENDER_RANK_OFFSET)).isEqualTo(side.peer());
        assertThat(f.getInt(p + HandshakeCodec.RECEIVER_RANK_OFFSET)).isEqualTo(side.rank);
        assertThat(f.getInt(p + HandshakeCodec.SIZE_OFFSET)).isEqualTo(2);
        if (side == Side.CONNECTING) {
            assertThat(f.getLong(p + HandshakeCodec.INCARNATION_OFFSET)).isEqualTo(TestCluster.incarnation(1));
        }
    }

    /** The peer's handshake frame when {@code side} is given, then test frames in sequence. */
    private static byte[] validStream(Random rnd, int frames, Side side) {
        List<byte[]> parts = new ArrayList<>();
        if (side != null) {
            parts.add(RawPeer.frame(side.handshakeType, 0, 0, RawPeer.handshake(side.peer(), side.rank, 2)));
        }
        for (int j = 0; j < frames; j++) {
            int size = rnd.nextInt(10) == 0 ? MAX - FrameDescriptor.HEADER_LENGTH : rnd.nextInt(64);
            byte[] payload = new byte[size];
            rnd.nextBytes(payload);
            int flags = rnd.nextInt(8) == 0 ? rnd.nextInt(256) : 0;
            parts.add(RawPeer.frame(T, flags, parts.size(), payload));
        }
        return FrameDecoderTest.concat(parts.toArray(byte[][]::new));
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(200)];
        rnd.nextBytes(b);
        if (b.length >= 5 && rnd.nextBoolean()) {
            // A plausible header now and then, so that some random streams get past the first check.
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 16 + rnd.nextInt(b.length));
            b[4] = (byte) (rnd.nextBoolean() ? T : rnd.nextInt(4));
        }
        return b;
    }

    /** A copy with one to three of: flip a bit, set a byte, set a length field to an edge, cut, insert, delete. */
    private static byte[] mutate(Random rnd, byte[] original) {
        byte[] s = original.clone();
        int[] edges = {Integer.MIN_VALUE, -1, 0, 15, 16, 17, MAX - 1, MAX, MAX + 1, Integer.MAX_VALUE};
        int n = 1 + rnd.nextInt(3);
        for (int m = 0; m < n && s.length > 0; m++) {
            int at = rnd.nextInt(s.length);
            switch (rnd.nextInt(7)) {
                case 0 -> s[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> s[at] = (byte) rnd.nextInt(256);
                case 2 -> {
                    int header = frameStart(s, rnd.nextInt(4));
                    if (header + 4 <= s.length) {
                        ByteBuffer.wrap(s)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(header, edges[rnd.nextInt(edges.length)]);
                    }
                }
                case 3 -> s = Arrays.copyOf(s, at);
                case 4 -> {
                    byte[] extra = new byte[1 + rnd.nextInt(20)];
                    rnd.nextBytes(extra);
                    s = FrameDecoderTest.concat(Arrays.copyOf(s, at), extra, Arrays.copyOfRange(s, at, s.length));
                }
                case 5 ->
                    s = FrameDecoderTest.concat(
                            Arrays.copyOf(s, at),
                            Arrays.copyOfRange(s, Math.min(s.length, at + 1 + rnd.nextInt(20)), s.length));
                default -> {
                    int header = frameStart(s, rnd.nextInt(4));
                    if (header + FrameDescriptor.HEADER_LENGTH <= s.length) {
                        s[
                                        header
                                                + (rnd.nextBoolean()
                                                        ? FrameDescriptor.TYPE_OFFSET
                                                        : FrameDescriptor.SEQUENCE_OFFSET)] =
                                (byte) rnd.nextInt(256);
                    }
                }
            }
        }
        return s;
    }

    /** The offset of the {@code index}th frame of a stream that is still valid up to there, or its end. */
    private static int frameStart(byte[] s, int index) {
        int at = 0;
        for (int i = 0; i < index && at + 4 <= s.length; i++) {
            int length = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
            if (length < FrameDescriptor.HEADER_LENGTH || length > s.length - at) {
                break;
            }
            at += length;
        }
        return Math.min(at, s.length);
    }

    /** Cuts a stream into random reads, as TCP may deliver it. */
    private static List<byte[]> chunks(Random rnd, byte[] s) {
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        while (at < s.length) {
            int n = rnd.nextInt(4) == 0 ? s.length - at : 1 + rnd.nextInt(Math.min(s.length - at, 64));
            chunks.add(Arrays.copyOfRange(s, at, at + n));
            at += n;
        }
        return chunks;
    }

    private static void drain(EmbeddedChannel channel, List<byte[]> into) {
        for (Object m; (m = channel.readInbound()) != null; ) {
            ByteBuf f = (ByteBuf) m;
            into.add(ByteBufUtil.getBytes(f));
            // A retained slice: releasing it gives back its share of the read buffer, which the checks of
            // the inputs' reference counts and the leak detector then see.
            f.release();
        }
    }

    private static void drainOutbound(EmbeddedChannel channel, List<byte[]> into) {
        for (Object m; (m = channel.readOutbound()) != null; ) {
            ByteBuf f = (ByteBuf) m;
            into.add(ByteBufUtil.getBytes(f));
            f.release();
        }
    }

    private static String hex(byte[] b) {
        return ByteBufUtil.hexDump(b, 0, Math.min(b.length, 512));
    }
}
