package io.meld.bench;

import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The wire's bandwidth: one JVM streams over one loopback TCP connection to another, with blocking NIO
 * channels and direct buffers (no copy between the Java heap and the kernel beyond the socket's own), in
 * chunks of {@value #CHUNK} bytes, Meld's default maximum frame. Each chunk starts with its sequence
 * number, which the receiver checks.
 *
 * <p>Started by {@code bin/meld bench bandwidth} as a 2-node program: node 0 ({@code meld.rank})
 * listens and receives, node 1 connects and sends until node 0 closes the connection. Node 0 prints one
 * JSON line, {@code "benchmark":"bandwidth_raw_tcp"}, with {@code gb_per_sec} (1e9 bytes per second).
 */
public final class RawTcpStream {
    /** Bytes per chunk. */
    static final int CHUNK = 1 << 20;

    private RawTcpStream() {}

    /**
     * @param args {@code PORT SECONDS}
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        int rank = MeldConfig.load().get(RuntimeSettings.RANK);
        if (rank == 1) {
            send(port);
        } else if (rank == 0) {
            System.exit(receive(port, seconds) ? 0 : 1);
        }
    }

    private static boolean receive(int port, double seconds) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            try (SocketChannel channel = server.accept()) {
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                long seq = 0;
                long wrong = 0;
                long end = System.nanoTime() + (long) (Warmup.fixedSeconds(seconds) * 1e9);
                do {
                    wrong += readChunk(channel, chunk, seq++);
                } while (System.nanoTime() < end);
                long start = System.nanoTime();
                end = start + (long) (seconds * 1e9);
                long chunks = 0;
                long now;
                do {
                    wrong += readChunk(channel, chunk, seq++);
                    chunks++;
                    now = System.nanoTime();
                } while (now < end);
                double elapsed = (now - start) / 1e9;
                System.out.println(new Json()
                        .put("benchmark", "bandwidth_raw_tcp")
                        .put("nodes", 2)
                        .put("bytes", (long) CHUNK)
                        .put("seconds", elapsed)
                        .put("chunks", chunks)
                        .put("gb_per_sec", chunks * (double) CHUNK / elapsed / 1e9)
                        .put("wrong_values", wrong)
                        .put("verified", wrong == 0 && chunks > 0));
                return wrong == 0;
            }
        }
    }

    private static int readChunk(SocketChannel channel, ByteBuffer chunk, long seq) throws IOException {
        chunk.clear();
        while (chunk.hasRemaining()) {
            if (channel.read(chunk) < 0) {
                throw new IOException("the sender closed the stream");
            }
        }
        return chunk.getLong(0) == seq ? 0 : 1;
    }

    private static void send(int port) throws IOException {
        try (SocketChannel channel = connect(port)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 8; i < CHUNK; i += 8) {
                chunk.putLong(i, i * 0x9E3779B97F4A7C15L);
            }
            long seq = 0;
            try {
                while (true) {
                    chunk.clear();
                    chunk.putLong(0, seq++);
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                }
            } catch (IOException e) {
                // The receiver closed the connection: it has measured what it needed.
            }
        }
    }

    /** Connects to {@code 127.0.0.1:port}, retrying while nothing listens there yet (up to 30 s). */
    private static SocketChannel connect(int port) throws IOException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            // A blocking channel whose connect failed is closed: each attempt needs a new one.
            SocketChannel channel = SocketChannel.open();
            try {
                channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return channel;
            } catch (ConnectException e) {
                channel.close();
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while connecting to port " + port, ie);
                }
            }
        }
    }
}
