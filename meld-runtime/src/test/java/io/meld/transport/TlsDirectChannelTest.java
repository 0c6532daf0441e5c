package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meld.config.MeldConfig;
import io.meld.security.ClusterSecret;
import io.meld.security.NodeTls;
import io.meld.security.SecuritySettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.OpenSsl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The end of a peer's direct channel that a node serves, with TLS: its senders encrypt and write their
 * own frames ({@link RawWriter}, {@link ServedTlsDecoder}), frames go both ways in order and exact, and
 * a stranger or a bad record gets nothing read. Here rather than in meld-transport, whose tests have no
 * certificates: these are the cluster's, made from a secret as a node makes them.
 */
@Timeout(60)
class TlsDirectChannelTest {
    /** The TLS implementations a node may speak on its data path. */
    enum Provider {
        OPENSSL,
        JDK
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void shouldWriteTheServedEndOnTheSendersOwnThreadWhileTheIoThreadIsBusy(Provider provider) throws Exception {
        TransportTls tls = tls(provider, ClusterSecret.generate());
        try (TestCluster c = TestCluster.of(2).tls(tls).start()) {
            ChannelLink back = servedEnd(c, 1, 0);
            assumeTrue(back.writesRaw(), "senders write a direct channel's end on epoll only");
            DirectChannel d = c.node(0).direct(1);
            // Node 1 has one I/O thread; it is held here, so only the sending thread itself can write.
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1);
            back.channel().eventLoop().execute(() -> {
                held.countDown();
                try {
                    busy.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                ByteBuf frame = back.newFrame(TestCluster.TEST_TYPE, 3, 3);
                frame.writeBytes(new byte[] {6, 7, 8});
                back.send(frame); // from the test thread, not node 1's I/O thread
                assertThat(d.tryAcquire()).isTrue();
                try {
                    RecordingFrameHandler.Frame got = awaitFrames(c, d, 1).get(0);
                    assertThat(got.payload()).containsExactly(6, 7, 8);
                    assertThat(got.flags()).isEqualTo(3);
                    assertThat(got.thread()).isSameAs(Thread.currentThread());
                } finally {
                    d.release();
                }
            } finally {
                busy.countDown();
            }
            assertThat(c.linkDowns(0)).isEmpty();
            assertThat(c.linkDowns(1)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void shouldCarryFramesBothWaysInOrderAndExactWhileSeveralThreadsWriteTheServedEnd(Provider provider)
            throws Exception {
        TransportTls tls = tls(provider, ClusterSecret.generate());
        try (TestCluster c = TestCluster.of(2).tls(tls).start()) {
            c.received(1).echo(TestCluster.TEST_TYPE); // node 1's I/O thread answers through the same writer
            ChannelLink back = servedEnd(c, 1, 0);
            DirectChannel d = c.node(0).direct(1);
            int writers = 3;
            int perWriter = 300;
            int requests = 300;
            AtomicReference<Throwable> failed = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perWriter; i++) {
                            byte[] payload = payload(writer, i);
                            ByteBuf frame = back.newFrame(TestCluster.TEST_TYPE, writer + 1, payload.length);
                            frame.writeBytes(payload);
                            back.send(frame);
                        }
                    } catch (Throwable t) {
                        failed.compareAndSet(null, t);
                    }
                }));
            }
            assertThat(d.tryAcquire()).isTrue();
            try {
                start.countDown();
                for (int i = 0; i < requests; i++) {
                    byte[] payload = payload(99, i);
                    ByteBuf frame = d.newFrame(TestCluster.TEST_TYPE, 0, payload.length);
                    frame.writeBytes(payload);
                    d.send(frame);
                    if (i % 16 == 0) {
                        d.readAvailable();
                    }
                }
                awaitFrames(c, d, requests + writers * perWriter);
            } finally {
                d.release();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(failed.get()).isNull();
            List<RecordingFrameHandler.Frame> got = c.received(0).from(1);
            assertThat(got).hasSize(requests + writers * perWriter);
            int[] next = new int[writers + 1];
            for (RecordingFrameHandler.Frame f : got) {
                int source = f.flags(); // 0: an echo of node 0's request; w + 1: writer w's frame
                int index = next[source]++;
                byte[] expected = source == 0 ? payload(99, index) : payload(source - 1, index);
                assertThat(f.payload())
                        .as("frame %d from source %d", index, source)
                        .isEqualTo(expected);
            }
            assertThat(next[0]).isEqualTo(requests);
            for (int w = 1; w <= writers; w++) {
                assertThat(next[w]).isEqualTo(perWriter);
            }
            assertThat(c.received(1).from(0)).hasSize(requests);
            assertThat(c.linkDowns(0)).isEmpty();
            assertThat(c.linkDowns(1)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void shouldCloseTheServedEndOnARecordThatDoesNotDecrypt(Provider provider) throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        TransportTls tls = tls(provider, secret);
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).tls(tls).start();
                TlsPeer peer = TlsPeer.connect(tls, c.address(1))) {
            // Node 0, played by the test, opens its direct channel to node 1 as a member.
            peer.write(RawPeer.frame(FrameType.HELLO, 0, 0, directHello()));
            assertThat(peer.readFrameType()).isEqualTo(FrameType.WELCOME);
            Await.until("node 1 to install its end", () -> c.node(1).directFrom(0) != null);
            assumeTrue(servedEnd(c, 1, 0).writesRaw(), "senders write a direct channel's end on epoll only");
            // A frame through the session reaches the handler: the session is the one node 1 took over.
            peer.write(RawPeer.frame(TestCluster.TEST_TYPE, 5, 1, new byte[] {42}));
            assertThat(c.received(1).awaitFrom(0, 1).get(0).payload()).containsExactly(42);
            // Then an application-data record of random bytes, and a frame after it.
            byte[] forged = new byte[5 + 40];
            forged[0] = 23;
            forged[1] = 3;
            forged[2] = 3;
            forged[4] = 40;
            for (int i = 5; i < forged.length; i++) {
                forged[i] = (byte) ThreadLocalRandom.current().nextInt();
            }
            peer.writeRaw(forged);
            // BoringSSL answers the bad record with an alert and fails at the next record; the JDK at once.
            try {
                peer.write(RawPeer.frame(TestCluster.TEST_TYPE, 5, 2, new byte[] {43}));
            } catch (IOException e) {
                // node 1 closed the connection already
            }
            Await.until("node 1 to drop its end", () -> c.node(1).directFrom(0) == null);
            assertThat(peer.awaitClosed(Duration.ofSeconds(10)))
                    .as("node 1 closes the connection")
                    .isTrue();
            assertThat(c.received(1).from(0))
                    .as("nothing after the bad record is read")
                    .hasSize(1);
            assertThat(c.linkDowns(1))
                    .as("the end of a direct channel blames nobody")
                    .isEmpty();
            c.assertLinkWorks(1, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void shouldReadNothingOfAStrangerThatAsksForADirectChannel(Provider provider) throws Exception {
        TransportTls tls = tls(provider, ClusterSecret.generate());
        TransportTls stranger = tls(provider, ClusterSecret.generate());
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).tls(tls).start()) {
            assertThatThrownBy(() -> {
                        try (TlsPeer peer = TlsPeer.connect(stranger, c.address(1))) {
                            peer.write(RawPeer.frame(FrameType.HELLO, 0, 0, directHello()));
                            peer.readFrameType();
                        }
                    })
                    .isInstanceOf(IOException.class);
            Await.sleep(200);
            assertThat(c.node(1).directFrom(0)).isNull();
            assertThat(c.received(1).from(0)).isEmpty();
            c.assertLinkWorks(1, 2);
        }
    }

    private static TransportTls tls(Provider provider, ClusterSecret secret) {
        if (provider == Provider.OPENSSL) {
            assumeTrue(OpenSsl.isAvailable(), "BoringSSL's native library loads here");
        }
        assumeTrue(Epoll.isAvailable(), "a served end is written by its senders on epoll only");
        MeldConfig config = MeldConfig.defaults()
                .with(SecuritySettings.PROVIDER.name(), provider.name().toLowerCase(java.util.Locale.ROOT));
        return NodeTls.of(config, "tls-direct-test", secret).data();
    }

    private static ChannelLink servedEnd(TestCluster c, int node, int peer) {
        Await.until("node " + node + " to install its end", () -> c.node(node).directFrom(peer) != null);
        return (ChannelLink) c.node(node).directFrom(peer);
    }

    private static byte[] directHello() {
        return RawPeer.handshake(
                HandshakeCodec.MAGIC,
                Transport.PROTOCOL_VERSION,
                DirectChannel.LANE,
                TestCluster.CLUSTER_ID,
                0,
                1,
                3,
                TestCluster.incarnation(0));
    }

    /** A payload that says who sent it and which it is, of a length that varies with both. */
    private static byte[] payload(int source, int index) {
        byte[] b = new byte[1 + (index * 7 + source * 13) % 300];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (source * 31 + index * 17 + i);
        }
        return b;
    }

    /** Reads as the holder until {@code count} frames from node 1 have arrived at node 0. */
    private static List<RecordingFrameHandler.Frame> awaitFrames(TestCluster c, DirectChannel d, int count) {
        Await.until(
                count + " frames on the direct channel",
                Duration.ofSeconds(30),
                () -> {
                    d.readAvailable();
                    if (c.received(0).from(1).size() >= count) {
                        return true;
                    }
                    d.awaitReadable(TimeUnit.MILLISECONDS.toNanos(10));
                    return false;
                },
                () -> "(" + c.received(0).from(1).size() + " arrived)");
        return c.received(0).from(1);
    }

    /** A TLS client driven by the test: the same wire a direct channel speaks, with any credentials. */
    private static final class TlsPeer implements AutoCloseable {
        private final SocketChannel socket;
        private final TlsWire wire;

        private TlsPeer(SocketChannel socket, TlsWire wire) {
            this.socket = socket;
            this.wire = wire;
        }

        static TlsPeer connect(TransportTls tls, InetSocketAddress address) throws IOException {
            SocketChannel socket = SocketChannel.open(address);
            try (Selector selector = Selector.open()) {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                socket.configureBlocking(false);
                TlsWire wire = TlsWire.handshake(
                        tls.client()
                                .newEngine(PooledByteBufAllocator.DEFAULT, address.getHostString(), address.getPort()),
                        socket,
                        selector,
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                return new TlsPeer(socket, wire);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        void write(byte[] plaintext) throws IOException {
            wire.write(ByteBuffer.wrap(plaintext), nanos -> {
                if (nanos > TimeUnit.SECONDS.toNanos(10)) {
                    throw new IOException("the node stopped reading");
                }
            });
        }

        /** Writes bytes past the session, straight to the socket. */
        void writeRaw(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                socket.write(b);
            }
        }

        /** Reads one frame's header and body; @return its type */
        int readFrameType() throws IOException {
            ByteBuffer header =
                    ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            readFully(header);
            int length = header.getInt(FrameDescriptor.LENGTH_OFFSET);
            readFully(ByteBuffer.allocate(length - FrameDescriptor.HEADER_LENGTH));
            return header.get(FrameDescriptor.TYPE_OFFSET) & 0xFF;
        }

        private void readFully(ByteBuffer b) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (b.hasRemaining()) {
                if (wire.read(b) < 0) {
                    throw new SSLException("the node closed the connection");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("no answer from the node; got " + Arrays.toString(b.array()));
                }
                Thread.onSpinWait();
            }
        }

        /** @return whether the node closed the connection within {@code timeout} */
        boolean awaitClosed(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            ByteBuffer sink = ByteBuffer.allocate(1024);
            while (System.nanoTime() < deadline) {
                sink.clear();
                try {
                    if (socket.read(sink) < 0) {
                        return true;
                    }
                } catch (IOException e) {
                    return true; // reset
                }
                Thread.onSpinWait();
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
