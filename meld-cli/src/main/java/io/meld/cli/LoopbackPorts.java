package io.meld.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the cluster ports of the nodes of a local run: free TCP ports on {@code 127.0.0.1}, below the
 * kernel's ephemeral range.
 *
 * <p>Below the ephemeral range, because every socket that binds port 0 (in-JVM clusters, the data path,
 * outgoing connections) gets its port from that range: a port chosen there could be taken by one of them
 * between the moment it is chosen and the moment the node binds it. Each port is bound once here, to
 * check that it is free, and released before the node starts.
 *
 * <p><b>Concurrency</b>: thread-safe. Ports handed out by this JVM are not handed out again for {@value
 * #REUSE_AFTER_MILLIS} ms, so that concurrent runs in one JVM do not pick the same port before their
 * nodes bound it; runs in different JVMs rely on the random choice among some ten thousand ports.
 */
final class LoopbackPorts {
    static final long REUSE_AFTER_MILLIS = 120_000;

    private static final int LINUX_EPHEMERAL_LOW = 32768;
    private static final int PREFERRED_LOW = 20000;
    private static final Map<Integer, Long> HANDED_OUT = new ConcurrentHashMap<>();

    private LoopbackPorts() {}

    /**
     * @param count how many ports
     * @return {@code count} distinct ports, each free on 127.0.0.1 a moment ago
     * @throws IllegalStateException when not enough free ports are found
     */
    static List<Integer> pick(int count) {
        int high = ephemeralLow(); // exclusive
        int low = Math.max(1024, Math.min(PREFERRED_LOW, high - 4096));
        InetAddress loopback = ipv4Loopback();
        List<Integer> ports = new ArrayList<>(count);
        long now = System.currentTimeMillis();
        HANDED_OUT.values().removeIf(at -> now - at > REUSE_AFTER_MILLIS);
        int attempts = 0;
        int maxAttempts = 50 * count + 1000;
        while (ports.size() < count) {
            if (++attempts > maxAttempts) {
                throw new IllegalStateException("found only " + ports.size() + " of " + count
                        + " free TCP ports on 127.0.0.1 between " + low + " and " + (high - 1));
            }
            int candidate = ThreadLocalRandom.current().nextInt(low, high);
            if (ports.contains(candidate) || !isFree(loopback, candidate)) {
                continue;
            }
            if (HANDED_OUT.putIfAbsent(candidate, now) != null) {
                continue;
            }
            ports.add(candidate);
        }
        return List.copyOf(ports);
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new AssertionError("4 bytes are an IPv4 address", e);
        }
    }

    private static boolean isFree(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address, port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (Linux: /proc), or Linux's default where unknown. */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim()
                    .split("\\s+");
            int low = Integer.parseInt(range[0]);
            return low > 1024 + 1024 && low <= 65536 ? low : LINUX_EPHEMERAL_LOW;
        } catch (IOException | RuntimeException e) {
            return LINUX_EPHEMERAL_LOW;
        }
    }
}
