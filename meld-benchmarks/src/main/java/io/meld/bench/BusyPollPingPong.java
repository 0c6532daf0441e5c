package io.meld.bench;

import io.meld.security.NodeTls;
import io.netty.buffer.ByteBufAllocator;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;

/**
 * The machine's floor for a round trip between two JVMs: the same ping-pong as {@link RawTcpPingPong}
 * (a request as long as a Meld frame with one get, an answer as long as one with one value, the answer
 * echoing the request's sequence number) over one loopback TCP connection, but both ends busy-poll a
 * non-blocking socket instead of sleeping in {@code read}. No thread ever waits for a wake-up: each
 * message costs one {@code write} and the reads that find it, so this is as close to the wire as Java
 * gets, at the price of a core spinning on each side.
 *
 * <p>With {@code tls}, the same through Meld's TLS (its contexts, an {@link javax.net.ssl.SSLEngine} per
 * side, {@link TlsByteChannel}): each message is wrapped by its sender and unwrapped by its receiver, on
 * the polling threads, as on Meld's direct channels. That is the machine's floor for a round trip with
 * security on.
 *
 * <p>Started by {@code bin/meld bench latency} as a 2-node program: node 1 ({@code meld.rank}) listens,
 * node 0 connects, warms up, measures for the given time and prints one JSON line, {@code
 * "benchmark":"latency_busy_poll"} (or {@code latency_busy_poll_tls}), with the fields of {@link
 * LatencyStats}.
 */
public final class BusyPollPingPong {
    private BusyPollPingPong() {}

    /** The TLS of the TLS mode, or {@code null}. */
    private static NodeTls tls;

    /**
     * @param args {@code PORT SECONDS [tls]}
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length > 2 && !args[2].equals("tls")) {
            throw new IllegalArgumentException("the third argument '" + args[2] + "' is not tls");
        }
        tls = args.length > 2 ? RawTcpStream.tlsContexts() : null;
        RawTcpPingPong.run(args, BusyPollPingPong::serve, BusyPollPingPong::client);
    }

    private static void client(int port, double seconds) throws IOException {
        SocketChannel socket = RawTcp.connectChannel(port);
        try (ByteChannel channel =
                configure(socket, tls == null ? null : tls.data().client().newEngine(ByteBufAllocator.DEFAULT))) {
            ByteBuffer request =
                    ByteBuffer.allocateDirect(RawTcpPingPong.REQUEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer answer =
                    ByteBuffer.allocateDirect(RawTcpPingPong.ANSWER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            RawTcpPingPong.measure(
                    tls == null ? "latency_busy_poll" : "latency_busy_poll_tls",
                    seconds,
                    seq -> roundTrip(channel, request, answer, seq));
        }
    }

    private static int roundTrip(ByteChannel channel, ByteBuffer request, ByteBuffer answer, long seq)
            throws IOException {
        request.clear();
        request.putLong(8, seq);
        writeFully(channel, request);
        answer.clear();
        readFully(channel, answer);
        return answer.getLong(21) == seq ? 0 : 1;
    }

    private static void serve(int port) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            try (ByteChannel channel = configure(
                    server.accept(), tls == null ? null : tls.data().server().newEngine(ByteBufAllocator.DEFAULT))) {
                ByteBuffer request =
                        ByteBuffer.allocateDirect(RawTcpPingPong.REQUEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer answer =
                        ByteBuffer.allocateDirect(RawTcpPingPong.ANSWER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                while (true) {
                    request.clear();
                    try {
                        readFully(channel, request);
                    } catch (EOFException e) {
                        return; // the client is done
                    }
                    answer.clear();
                    answer.putLong(21, request.getLong(8));
                    writeFully(channel, answer);
                }
            }
        }
    }

    /** Reads until the buffer is full, spinning on the non-blocking channel. */
    private static void readFully(ByteChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException();
            }
        }
    }

    private static void writeFully(ByteChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /**
     * Makes a connected socket non-blocking, after the TLS handshake when {@code engine} is given.
     *
     * @return the socket, or the TLS channel over it
     */
    private static ByteChannel configure(SocketChannel socket, SSLEngine engine) throws IOException {
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        try {
            ByteChannel channel = engine == null ? socket : TlsByteChannel.handshake(socket, engine);
            socket.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
