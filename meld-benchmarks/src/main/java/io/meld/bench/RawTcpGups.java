package io.meld.bench;

import io.meld.config.MeldConfig;
import io.meld.runtime.LauncherProgress;
import io.meld.runtime.RuntimeSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GUPS with no runtime at all, the least two processes must do to share the table: what bounds Meld's
 * GUPS when its nodes are processes on one machine. Each of two JVMs holds half of the table; each of its
 * threads draws the same random indices as Meld's and adds 1 to those of its half with an atomic
 * instruction, and writes those of the other half (4 bytes each) into a 256 KiB buffer that goes to the
 * other JVM over a loopback TCP connection of its own; there a thread reads them and adds 1 with an
 * atomic instruction. Nothing is combined, checked or acknowledged beyond that, and no thread waits but
 * on the socket.
 *
 * <p>Both JVMs warm up for {@link Warmup#fixedSeconds} of the run, then count the updates their threads
 * issue in the same {@code SECONDS} of wall-clock time; at the end node 1 tells node 0 its count and its
 * half's sum, and node 0 checks that the table holds every update and prints one JSON line, {@code
 * "benchmark":"gups_raw_tcp"}.
 *
 * <p>Started by {@code bin/meld bench gups} as a 2-node program beside Meld's; the rank comes from {@code
 * meld.rank}.
 */
public final class RawTcpGups {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int BUFFER = 256 << 10;

    private RawTcpGups() {}

    /**
     * @param args {@code TABLE_LOG2 SECONDS PORT THREADS}
     * @throws IOException when a connection fails
     * @throws InterruptedException when interrupted
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        int tableLog2 = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        int port = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int rank = MeldConfig.load().get(RuntimeSettings.RANK);
        long half = 1L << (tableLog2 - 1);
        long[] table = new long[Math.toIntExact(half)];
        // Node 0 listens; node 1 connects: a control connection, then one per thread and direction.
        List<SocketChannel> sockets = new ArrayList<>();
        if (rank == 0) {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                for (int i = 0; i < 1 + 2 * threads; i++) {
                    sockets.add(server.accept());
                }
            }
        } else {
            for (int i = 0; i < 1 + 2 * threads; i++) {
                sockets.add(connect(port));
            }
        }
        for (SocketChannel s : sockets) {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        SocketChannel control = sockets.get(0);
        DataOutputStream controlOut = new DataOutputStream(Channels.newOutputStream(control));
        DataInputStream controlIn = new DataInputStream(Channels.newInputStream(control));
        // Connection 1 + 2t carries node 0's thread t to node 1, 2 + 2t node 1's thread t to node 0.
        List<Thread> receivers = new ArrayList<>();
        AtomicLong received = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            SocketChannel in = sockets.get(rank == 0 ? 2 + 2 * t : 1 + 2 * t);
            Thread r = new Thread(() -> receive(in, table, received), "raw-gups-receiver-" + t);
            r.start();
            receivers.add(r);
        }
        // Node 0 sets the clock: warm-up, then the timed window, the same for both.
        long start;
        if (rank == 0) {
            start = System.currentTimeMillis() + 200 + (long) (Warmup.fixedSeconds(seconds) * 1000);
            controlOut.writeLong(start);
            controlOut.flush();
        } else {
            start = controlIn.readLong();
        }
        LauncherProgress.phase("warming up, then measuring " + seconds + " s");
        long end = start + (long) (seconds * 1000);
        long[] counts = new long[threads];
        long[] timed = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            SocketChannel out = sockets.get(rank == 0 ? 1 + 2 * t : 2 + 2 * t);
            Thread w = new Thread(
                    () -> {
                        long[] c = update(table, rank, tableLog2, XorShift.seed(rank, id), out, start, end);
                        counts[id] = c[0];
                        timed[id] = c[1];
                    },
                    "raw-gups-" + t);
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        for (Thread r : receivers) {
            r.join();
        }
        long issued = 0;
        long inWindow = 0;
        for (int t = 0; t < threads; t++) {
            issued += counts[t];
            inWindow += timed[t];
        }
        long sum = 0;
        for (long v : table) {
            sum += v;
        }
        if (rank == 1) {
            controlOut.writeLong(issued);
            controlOut.writeLong(inWindow);
            controlOut.writeLong(sum);
            controlOut.flush();
            for (SocketChannel s : sockets) {
                s.close();
            }
            return;
        }
        long otherIssued = controlIn.readLong();
        long otherWindow = controlIn.readLong();
        long otherSum = controlIn.readLong();
        for (SocketChannel s : sockets) {
            s.close();
        }
        boolean verified = sum + otherSum == issued + otherIssued;
        long updates = inWindow + otherWindow;
        System.out.println(
                ResultCodec.encode(new Result(2, threads, tableLog2, updates, seconds, updates / seconds, verified)));
        System.exit(verified ? 0 : 1);
    }

    /**
     * One thread's updates until {@code end}: those of this node's half at once, the others' slots into
     * the connection.
     *
     * @return the updates issued in all, and those issued in {@code [start, end)}
     */
    private static long[] update(
            long[] table, int rank, int tableLog2, long seed, SocketChannel out, long start, long end) {
        long mask = (1L << tableLog2) - 1;
        long half = 1L << (tableLog2 - 1);
        long low = rank * half;
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        IntBuffer slots = buffer.asIntBuffer();
        long x = seed;
        long count = 0;
        long atStart = -1;
        try {
            while (true) {
                for (int i = 0; i < 4096; i++) {
                    x = XorShift.next(x);
                    long local = (x & mask) - low;
                    if (local >= 0 && local < half) {
                        long ignored = (long) LONGS.getAndAdd(table, (int) local, 1L);
                    } else {
                        slots.put((int) ((x & mask) & (half - 1)));
                        if (!slots.hasRemaining()) {
                            send(out, buffer, slots.position());
                            slots.clear();
                        }
                    }
                }
                count += 4096;
                long now = System.currentTimeMillis();
                if (atStart < 0 && now >= start) {
                    atStart = count;
                }
                if (now >= end) {
                    break;
                }
            }
            send(out, buffer, slots.position());
            out.shutdownOutput();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new long[] {count, count - Math.max(0, atStart)};
    }

    /** Connects to {@code 127.0.0.1:port}, retrying while nothing listens there yet (up to 30 s). */
    private static SocketChannel connect(int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (ConnectException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static void send(SocketChannel out, ByteBuffer buffer, int ints) throws IOException {
        buffer.clear().limit(4 * ints);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        buffer.clear();
    }

    /** Reads the other node's slots until it closes, adding 1 to each. */
    private static void receive(SocketChannel in, long[] table, AtomicLong received) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        int[] slots = new int[BUFFER / 4];
        long n = 0;
        try {
            while (in.read(buffer) >= 0) {
                buffer.flip();
                int k = buffer.remaining() / 4;
                buffer.asIntBuffer().get(slots, 0, k);
                buffer.position(4 * k).compact();
                for (int i = 0; i < k; i++) {
                    long ignored = (long) LONGS.getAndAdd(table, slots[i], 1L);
                }
                n += k;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        received.addAndGet(n);
    }

    /**
     * Rank 0's line.
     *
     * @param nodes the JVMs
     * @param threadsPerNode the updating threads of each
     * @param tableLog2 log2 of the table length
     * @param updates the increments made in the timed window, by both
     * @param seconds the timed window
     * @param updatesPerSec {@code updates / seconds}
     * @param verified whether the table's sum equals every increment issued
     */
    record Result(
            int nodes,
            int threadsPerNode,
            int tableLog2,
            long updates,
            double seconds,
            double updatesPerSec,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "gups_raw_tcp";
        }
    }
}
