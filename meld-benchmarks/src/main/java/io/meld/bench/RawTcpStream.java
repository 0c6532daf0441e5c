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
import java.nio.LongBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Raw Java TCP streams, the baselines of bulk transfers: one JVM streams over one loopback TCP connection
 * to another, with blocking NIO channels and one direct buffer per side, in chunks of {@value #CHUNK}
 * bytes, Meld's default maximum frame. Two modes:
 *
 * <ul>
 *   <li><b>wire</b>: the same chunk again and again, never touching the heap: what the wire carries when
 *       user space does nothing but the socket calls. Each chunk starts with its sequence number, which
 *       the receiver checks.
 *   <li><b>array</b>: the work of a bulk transfer done by hand: a {@code long[]} of {@code BYTES} bytes in
 *       the sender's heap, filled as {@link Bandwidth} fills its home's share, lands in a {@code long[]} in
 *       the receiver's heap, again and again. Each chunk is copied from the array into the direct buffer
 *       before its write and from the direct buffer into the other array after its read: a heap array
 *       cannot be handed to the kernel, so any Java program that sends one pays these two copies. After
 *       the timed passes the receiver checks every element.
 * </ul>
 *
 * <p>Started by {@code bin/meld bench bandwidth} as a 2-node program: node 0 ({@code meld.rank})
 * listens and receives, node 1 connects and sends until node 0 closes the connection. Node 0 prints one
 * JSON line, {@code "benchmark":"bandwidth_raw_tcp"}, with its {@code mode} and {@code gb_per_sec} (1e9
 * bytes per second).
 */
public final class RawTcpStream {
    /** Bytes per chunk. */
    static final int CHUNK = 1 << 20;

    private RawTcpStream() {}

    /**
     * @param args {@code PORT SECONDS [BYTES]}: without {@code BYTES} the wire mode, with it the array
     *     mode, streaming an array of {@code BYTES} bytes (a multiple of 8)
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        long[] array = args.length > 2 ? new long[elements(Long.parseLong(args[2]))] : null;
        int rank = MeldConfig.load().get(RuntimeSettings.RANK);
        if (rank == 1) {
            send(port, array);
        } else if (rank == 0) {
            System.exit(receive(port, seconds, array) ? 0 : 1);
        }
    }

    private static int elements(long bytes) {
        if (bytes <= 0 || bytes % 8 != 0 || bytes / 8 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("array of " + bytes + " bytes: must be a positive multiple of 8"
                    + " and at most " + 8L * (Integer.MAX_VALUE - 8));
        }
        return (int) (bytes / 8);
    }

    /** @param array the array to fill again and again, or {@code null} for the wire mode */
    private static boolean receive(int port, double seconds, long[] array) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            try (SocketChannel channel = server.accept()) {
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.nativeOrder());
                LongBuffer longs = chunk.asLongBuffer();
                long seq = 0;
                long wrong = 0;
                long end = System.nanoTime() + (long) (Warmup.fixedSeconds(seconds) * 1e9);
                do {
                    wrong += array == null ? readChunk(channel, chunk, seq++) : readArray(channel, chunk, longs, array);
                } while (System.nanoTime() < end);
                long start = System.nanoTime();
                end = start + (long) (seconds * 1e9);
                long units = 0;
                long now;
                do {
                    wrong += array == null ? readChunk(channel, chunk, seq++) : readArray(channel, chunk, longs, array);
                    units++;
                    now = System.nanoTime();
                } while (now < end);
                double elapsed = (now - start) / 1e9;
                long unitBytes = array == null ? CHUNK : 8L * array.length;
                if (array != null) {
                    for (int i = 0; i < array.length; i++) {
                        wrong += array[i] == Bandwidth.value(i) ? 0 : 1;
                    }
                }
                System.out.println(new Json()
                        .put("benchmark", "bandwidth_raw_tcp")
                        .put("mode", array == null ? "wire" : "array")
                        .put("nodes", 2)
                        .put("bytes", unitBytes)
                        .put("chunk_bytes", (long) CHUNK)
                        .put("seconds", elapsed)
                        .put(array == null ? "chunks" : "passes", units)
                        .put("gb_per_sec", units * (double) unitBytes / elapsed / 1e9)
                        .put("wrong_values", wrong)
                        .put("verified", wrong == 0 && units > 0));
                return wrong == 0;
            }
        }
    }

    /**
     * Reads one pass of the array mode: every chunk into the direct buffer, then into its place.
     *
     * @param longs a view of all of {@code chunk}
     */
    private static int readArray(SocketChannel channel, ByteBuffer chunk, LongBuffer longs, long[] array)
            throws IOException {
        for (int at = 0; at < array.length; at += CHUNK / 8) {
            int n = Math.min(CHUNK / 8, array.length - at);
            chunk.clear().limit(n * 8);
            while (chunk.hasRemaining()) {
                if (channel.read(chunk) < 0) {
                    throw new IOException("the sender closed the stream");
                }
            }
            longs.clear();
            longs.get(array, at, n);
        }
        return 0;
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

    /** @param array the array to send again and again, or {@code null} for the wire mode */
    private static void send(int port, long[] array) throws IOException {
        try (SocketChannel channel = connect(port)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.nativeOrder());
            try {
                if (array == null) {
                    sendChunks(channel, chunk);
                } else {
                    for (int i = 0; i < array.length; i++) {
                        array[i] = Bandwidth.value(i);
                    }
                    sendArray(channel, chunk, array);
                }
            } catch (IOException e) {
                // The receiver closed the connection: it has measured what it needed.
            }
        }
    }

    private static void sendChunks(SocketChannel channel, ByteBuffer chunk) throws IOException {
        for (int i = 8; i < CHUNK; i += 8) {
            chunk.putLong(i, i * 0x9E3779B97F4A7C15L);
        }
        long seq = 0;
        while (true) {
            chunk.clear();
            chunk.putLong(0, seq++);
            while (chunk.hasRemaining()) {
                channel.write(chunk);
            }
        }
    }

    private static void sendArray(SocketChannel channel, ByteBuffer chunk, long[] array) throws IOException {
        LongBuffer longs = chunk.asLongBuffer(); // before the first write moves the position
        while (true) {
            for (int at = 0; at < array.length; at += CHUNK / 8) {
                int n = Math.min(CHUNK / 8, array.length - at);
                longs.clear();
                longs.put(array, at, n);
                chunk.clear().limit(n * 8);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
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
