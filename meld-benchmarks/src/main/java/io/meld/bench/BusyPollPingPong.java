package io.meld.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The machine's floor for a round trip between two JVMs: the same ping-pong as {@link RawTcpPingPong}
 * (a request as long as a Meld frame with one get, an answer as long as one with one value, the answer
 * echoing the request's sequence number) over one loopback TCP connection, but both ends busy-poll a
 * non-blocking socket instead of sleeping in {@code read}. No thread ever waits for a wake-up: each
 * message costs one {@code write} and the reads that find it, so this is as close to the wire as Java
 * gets, at the price of a core spinning on each side.
 *
 * <p>Started by {@code bin/meld bench latency} as a 2-node program: node 1 ({@code meld.rank}) listens,
 * node 0 connects, warms up, measures for the given time and prints one JSON line, {@code
 * "benchmark":"latency_busy_poll"}, with the fields of {@link LatencyStats}.
 */
public final class BusyPollPingPong {
    private BusyPollPingPong() {}

    /**
     * @param args {@code PORT SECONDS}
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        RawTcpPingPong.run(args, BusyPollPingPong::serve, BusyPollPingPong::client);
    }

    private static void client(int port, double seconds) throws IOException {
        try (SocketChannel channel = connect(port)) {
            ByteBuffer request =
                    ByteBuffer.allocateDirect(RawTcpPingPong.REQUEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer answer =
                    ByteBuffer.allocateDirect(RawTcpPingPong.ANSWER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            RawTcpPingPong.measure("latency_busy_poll", seconds, seq -> roundTrip(channel, request, answer, seq));
        }
    }

    private static int roundTrip(SocketChannel channel, ByteBuffer request, ByteBuffer answer, long seq)
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
            try (SocketChannel channel = server.accept()) {
                configure(channel);
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
    private static void readFully(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException();
            }
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static SocketChannel connect(int port) throws IOException {
        SocketChannel channel = RawTcp.connectChannel(port);
        configure(channel);
        return channel;
    }

    private static void configure(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
    }
}
