package io.meld.bench;

import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The wire's round trip: two JVMs ping-pong a message over one loopback TCP connection with plain
 * blocking Java sockets ({@code TCP_NODELAY}), the fastest way Java has to do a round trip. The messages
 * are as long as Meld's: a request of {@value #REQUEST_BYTES} bytes (a frame with one get) and an answer
 * of {@value #ANSWER_BYTES} (a frame with one value). The answer echoes the request's sequence number,
 * which the client checks.
 *
 * <p>Started by {@code bin/meld bench latency} as a 2-node program: node 1 ({@code meld.rank}) listens,
 * node 0 connects, warms up, measures for the given time and prints one JSON line, {@code
 * "benchmark":"latency_raw_tcp"}, with the fields of {@link LatencyStats}.
 */
public final class RawTcpPingPong {
    /** A MEMORY_OPS frame holding one get: 16 header + 12 run header + 4 request id + 4 slot. */
    static final int REQUEST_BYTES = 36;

    /** A MEMORY_REPLIES frame holding one value: 16 header + 1 kind + 4 count + 12 (id, value). */
    static final int ANSWER_BYTES = 33;

    private RawTcpPingPong() {}

    /**
     * @param args {@code PORT SECONDS}
     * @throws IOException when the connection fails
     */
    public static void main(String[] args) throws IOException {
        run(args, RawTcpPingPong::serve, RawTcpPingPong::client);
    }

    /** The serving side of a ping-pong: answers on {@code port} until the client closes. */
    @FunctionalInterface
    interface Server {
        void serve(int port) throws IOException;
    }

    /** The measuring side of a ping-pong: connects to {@code port} and times round trips. */
    @FunctionalInterface
    interface Client {
        void measure(int port, double seconds) throws IOException;
    }

    /**
     * Runs a ping-pong's {@code main}: node 1 serves, node 0 measures, any other node does nothing.
     *
     * @param args {@code PORT SECONDS}
     */
    static void run(String[] args, Server server, Client client) throws IOException {
        int port = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        int rank = MeldConfig.load().get(RuntimeSettings.RANK);
        if (rank == 1) {
            server.serve(port);
        } else if (rank == 0) {
            client.measure(port, seconds);
        }
    }

    private static void client(int port, double seconds) throws IOException {
        try (Socket socket = RawTcp.connect(port)) {
            socket.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] request = new byte[REQUEST_BYTES];
            byte[] answer = new byte[ANSWER_BYTES];
            measure("latency_raw_tcp", seconds, seq -> roundTrip(out, in, request, answer, seq));
        }
    }

    /** One round trip of a ping-pong. */
    @FunctionalInterface
    interface RoundTrip {
        /**
         * @param seq the request's sequence number, which the answer must echo
         * @return 1 when the answer did not, else 0
         */
        int run(long seq) throws IOException;
    }

    /**
     * The client's side of a ping-pong benchmark: warms up, times round trips for {@code seconds}, prints
     * the result line and exits (1 when an answer was wrong).
     */
    static void measure(String benchmark, double seconds, RoundTrip trip) throws IOException {
        long seq = 0;
        long wrong = 0;
        Warmup.warmingUp();
        long end = System.nanoTime() + (long) (Warmup.fixedSeconds(seconds) * 1e9);
        while (System.nanoTime() < end) {
            wrong += trip.run(++seq);
        }
        Warmup.measuring();
        LatencyStats stats = new LatencyStats();
        long start = System.nanoTime();
        end = start + (long) (seconds * 1e9);
        long now = start;
        while (now < end) {
            wrong += trip.run(++seq);
            long after = System.nanoTime();
            stats.record(after - now);
            now = after;
        }
        System.out.println(ResultCodec.encode(new LatencyStats.Result(
                benchmark, 2, (now - start) / 1e9, stats.summary(), wrong, wrong == 0 && stats.count() > 0)));
        System.exit(wrong == 0 ? 0 : 1);
    }

    private static int roundTrip(DataOutputStream out, DataInputStream in, byte[] request, byte[] answer, long seq)
            throws IOException {
        RawTcp.putLong(request, 8, seq);
        out.write(request);
        out.flush();
        in.readFully(answer);
        return RawTcp.getLong(answer, 21) == seq ? 0 : 1;
    }

    private static void serve(int port) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            try (Socket socket = server.accept()) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] request = new byte[REQUEST_BYTES];
                byte[] answer = new byte[ANSWER_BYTES];
                while (true) {
                    try {
                        RawTcp.readFully(in, request);
                    } catch (EOFException e) {
                        return; // the client is done
                    }
                    RawTcp.putLong(answer, 21, RawTcp.getLong(request, 8));
                    out.write(answer);
                    out.flush();
                }
            }
        }
    }
}
