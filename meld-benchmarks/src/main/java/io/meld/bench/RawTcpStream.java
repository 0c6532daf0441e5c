package io.meld.bench;

import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.ClusterCertificates;
import io.meld.security.ClusterSecret;
import io.meld.security.NodeTls;
import io.meld.security.SecuritySettings;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Locale;

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
 * <p>The array mode can also leave one side's array off the heap, in a direct buffer of {@code BYTES}
 * that the socket reads into or writes from in place, so that only the other side copies: what a bulk
 * transfer could cost if one end's data lived off the heap. {@code COPIES} says who copies: {@code both}
 * (the default, as above), {@code sender} (the receiver's array is off the heap) or {@code receiver} (the
 * sender's is). Not part of {@code bench bandwidth}; {@code docs/performance.md} quotes it.
 *
 * <p>With {@code tls}, either mode streams through TLS as Meld's data path speaks it: the raw baseline of
 * what encryption costs a bulk transfer, the mode's name ending in {@code _tls}.
 *
 * <p>Started by {@code bin/meld bench bandwidth} as a 2-node program: node 0 ({@code meld.rank})
 * listens and receives, node 1 connects and sends until node 0 closes the connection. Node 0 prints one
 * JSON line, {@code "benchmark":"bandwidth_raw_tcp"}, with its {@code mode} and {@code gb_per_sec} (1e9
 * bytes per second).
 */
public final class RawTcpStream {
    /** Bytes per chunk. */
    static final int CHUNK = 1 << 20;

    /** The TLS of the TLS mode, or {@code null}. */
    private static NodeTls tls;

    private RawTcpStream() {}

    /**
     * Meld's own TLS contexts (the same provider, protocol and suites as its data path), from the secret
     * the launcher gives both JVMs, so that the two trust each other.
     */
    static NodeTls tlsContexts() {
        String file = MeldConfig.load().get(SecuritySettings.SECRET_FILE);
        if (file.isEmpty()) {
            throw new IllegalArgumentException(
                    "the tls mode needs " + SecuritySettings.SECRET_FILE.name() + " (bin/meld run and bench set it)");
        }
        ClusterSecret secret = ClusterSecret.read(Path.of(file), SecuritySettings.SECRET_FILE.name());
        return NodeTls.of(ClusterCertificates.fromSecret(secret, "raw-tcp-stream"));
    }

    /**
     * @param args {@code PORT SECONDS [BYTES [COPIES [tls]]]}: without {@code BYTES} the wire mode, with it
     *     the array mode, streaming an array of {@code BYTES} bytes (a multiple of 8); {@code COPIES} is
     *     {@code both}, {@code sender} or {@code receiver}; {@code tls} streams through Meld's TLS (its
     *     contexts, an {@link javax.net.ssl.SSLEngine} per side, {@link TlsByteChannel})
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        Copies copies = args.length > 3 ? Copies.parse(args[3]) : Copies.BOTH;
        if (args.length > 4 && !args[4].equals("tls")) {
            throw new IllegalArgumentException("the fifth argument '" + args[4] + "' is not tls");
        }
        tls = args.length > 4 ? tlsContexts() : null;
        Elements array = args.length > 2 ? new Elements(elements(Long.parseLong(args[2])), copies) : null;
        if (array != null && copies != Copies.BOTH && 8L * array.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array of " + args[2] + " bytes: with COPIES " + args[3]
                    + " one side keeps it in one direct buffer, which holds at most " + Integer.MAX_VALUE + " bytes");
        }
        int rank = MeldConfig.load().get(RuntimeSettings.RANK);
        if (rank == 1) {
            send(port, array);
        } else if (rank == 0) {
            System.exit(receive(port, seconds, array) ? 0 : 1);
        }
    }

    /** Which side of the array mode copies between its array and its direct buffer. */
    enum Copies {
        BOTH,
        SENDER,
        RECEIVER;

        static Copies parse(String name) {
            for (Copies c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException(
                    "COPIES '" + name + "' is not one of both, sender, receiver (which side copies its array)");
        }
    }

    /**
     * One side's array of the array mode: a {@code long[]} on the heap, copied through the 1 MiB chunk
     * buffer, or a direct buffer the socket reads or writes in place, when the other side is the one that
     * copies.
     */
    private static final class Elements {
        final int length;
        final Copies copies;
        long[] heap;
        ByteBuffer direct;

        Elements(int length, Copies copies) {
            this.length = length;
            this.copies = copies;
        }

        /** Allocates this side's array: on the heap if this side copies. */
        Elements on(boolean sender) {
            boolean copying = copies == Copies.BOTH || (copies == Copies.SENDER) == sender;
            if (copying) {
                heap = new long[length];
            } else {
                direct = ByteBuffer.allocateDirect(8 * length).order(ByteOrder.nativeOrder());
            }
            return this;
        }

        long get(int i) {
            return heap != null ? heap[i] : direct.getLong(8 * i);
        }

        void set(int i, long value) {
            if (heap != null) {
                heap[i] = value;
            } else {
                direct.putLong(8 * i, value);
            }
        }

        /** @return the direct buffer's bytes of elements {@code [at, at + n)}, as a fresh view */
        ByteBuffer slice(int at, int n) {
            return direct.slice(8 * at, 8 * n);
        }

        String mode() {
            return copies == Copies.BOTH ? "array" : "array_" + copies.name().toLowerCase(Locale.ROOT) + "_copies";
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
    private static boolean receive(int port, double seconds, Elements array) throws IOException {
        if (array != null) {
            array.on(false);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            try (SocketChannel socket = server.accept();
                    ByteChannel channel = tls == null
                            ? socket
                            : TlsByteChannel.handshake(
                                    socket, tls.data().server().newEngine(ByteBufAllocator.DEFAULT))) {
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.nativeOrder());
                LongBuffer longs = chunk.asLongBuffer();
                long seq = 0;
                long wrong = 0;
                Warmup.warmingUp();
                long end = System.nanoTime() + (long) (Warmup.fixedSeconds(seconds) * 1e9);
                do {
                    wrong += array == null ? readChunk(channel, chunk, seq++) : readArray(channel, chunk, longs, array);
                } while (System.nanoTime() < end);
                Warmup.measuring();
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
                        wrong += array.get(i) == Bandwidth.value(i) ? 0 : 1;
                    }
                }
                System.out.println(ResultCodec.encode(new Result(
                        (array == null ? "wire" : array.mode()) + (tls == null ? "" : "_tls"),
                        2,
                        unitBytes,
                        CHUNK,
                        elapsed,
                        array == null ? new Chunks(units) : null,
                        array == null ? null : new Passes(units),
                        units * (double) unitBytes / elapsed / 1e9,
                        wrong,
                        wrong == 0 && units > 0)));
                return wrong == 0;
            }
        }
    }

    /**
     * Reads one pass of the array mode: every chunk into the direct buffer, then into its place; or, when
     * the array is off the heap, straight into its place.
     *
     * @param longs a view of all of {@code chunk}
     */
    private static int readArray(ByteChannel channel, ByteBuffer chunk, LongBuffer longs, Elements array)
            throws IOException {
        for (int at = 0; at < array.length; at += CHUNK / 8) {
            int n = Math.min(CHUNK / 8, array.length - at);
            if (array.heap == null) {
                readFully(channel, array.slice(at, n));
                continue;
            }
            readFully(channel, chunk.clear().limit(n * 8));
            longs.clear();
            longs.get(array.heap, at, n);
        }
        return 0;
    }

    private static int readChunk(ByteChannel channel, ByteBuffer chunk, long seq) throws IOException {
        readFully(channel, chunk.clear());
        return chunk.getLong(0) == seq ? 0 : 1;
    }

    private static void readFully(ByteChannel channel, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into) < 0) {
                throw new IOException("the sender closed the stream");
            }
        }
    }

    /** @param array the array to send again and again, or {@code null} for the wire mode */
    private static void send(int port, Elements array) throws IOException {
        try (SocketChannel socket = RawTcp.connectChannel(port)) {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteChannel channel = tls == null
                    ? socket
                    : TlsByteChannel.handshake(socket, tls.data().client().newEngine(ByteBufAllocator.DEFAULT));
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.nativeOrder());
            try {
                if (array == null) {
                    sendChunks(channel, chunk);
                } else {
                    array.on(true);
                    for (int i = 0; i < array.length; i++) {
                        array.set(i, Bandwidth.value(i));
                    }
                    sendArray(channel, chunk, array);
                }
            } catch (IOException e) {
                // The receiver closed the connection: it has measured what it needed.
            }
        }
    }

    private static void sendChunks(ByteChannel channel, ByteBuffer chunk) throws IOException {
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

    private static void sendArray(ByteChannel channel, ByteBuffer chunk, Elements array) throws IOException {
        LongBuffer longs = chunk.asLongBuffer(); // before the first write moves the position
        while (true) {
            for (int at = 0; at < array.length; at += CHUNK / 8) {
                int n = Math.min(CHUNK / 8, array.length - at);
                ByteBuffer out;
                if (array.heap != null) {
                    longs.clear();
                    longs.put(array.heap, at, n);
                    out = chunk.clear().limit(n * 8);
                } else {
                    out = array.slice(at, n);
                }
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            }
        }
    }

    /**
     * The receiver's line.
     *
     * @param mode {@code wire}, or how the array moved ({@code array}, {@code array_sender_copies}, ...)
     * @param nodes the JVMs
     * @param bytes the bytes of one unit: a chunk on the wire, or the whole array
     * @param chunkBytes the bytes of one chunk
     * @param seconds how long the timed units took
     * @param chunks the chunks received, on the wire; else {@code null}
     * @param passes the passes of the whole array received; {@code null} on the wire
     * @param gbPerSec GB (1e9 bytes) per second
     * @param wrongValues values that were not the value expected
     * @param verified whether every value was right, with at least one unit
     */
    record Result(
            String mode,
            int nodes,
            long bytes,
            long chunkBytes,
            double seconds,
            Chunks chunks,
            Passes passes,
            double gbPerSec,
            long wrongValues,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "bandwidth_raw_tcp";
        }
    }

    /** @param chunks the wire's count of units */
    record Chunks(long chunks) {}

    /** @param passes the array's count of units */
    record Passes(long passes) {}
}
