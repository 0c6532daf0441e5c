package io.meld.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for a test: Debian's {@code dnsmasq} on {@code 127.0.0.1} and a free port, with no
 * upstream server, answering only from the records it is given (names under {@code .test}, the top-level
 * domain reserved for tests). {@link #close()} stops it.
 *
 * <pre>{@code
 * try (Dnsmasq dns = Dnsmasq.start(dir, Map.of("meld.test", List.of("127.0.0.1", "127.0.0.2")), List.of())) {
 *     config.with(ClusterSettings.DNS_SERVER, dns.server());
 * }
 * }</pre>
 *
 * <p>Not thread-safe; one test thread starts and stops it.
 */
public final class Dnsmasq implements AutoCloseable {
    private static final int ATTEMPTS = 5;
    private static final long START_WAIT_MILLIS = 10_000;

    /**
     * One SRV record.
     *
     * @param name the name queried, e.g. {@code _cluster._tcp.meld.test}
     * @param target the host it names, with an A record of its own
     * @param port the port
     */
    public record Srv(String name, String target, int port) {}

    private final Process process;
    private final int port;
    private final Path log;

    private Dnsmasq(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts a server; skips the test (fails it under CI) when dnsmasq is not installed.
     *
     * @param dir a directory for its records and log
     * @param addresses A records: name to addresses
     * @param srv SRV records
     * @return the running server
     */
    public static Dnsmasq start(Path dir, Map<String, List<String>> addresses, List<Srv> srv) throws IOException {
        Path dnsmasq = RealComponents.program("dnsmasq", "dnsmasq-base");
        Path hosts = dir.resolve("dns-hosts");
        List<String> lines = new ArrayList<>();
        addresses.forEach((name, list) -> list.forEach(a -> lines.add(a + " " + name)));
        Files.write(hosts, lines, StandardCharsets.UTF_8);
        Path log = dir.resolve("dnsmasq.log");
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            List<String> command = new ArrayList<>(List.of(
                    dnsmasq.toString(),
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--port=" + port,
                    "--user=" + System.getProperty("user.name"),
                    "--pid-file",
                    "--local=/test/",
                    "--addn-hosts=" + hosts,
                    "--log-queries",
                    "--log-facility=" + log));
            for (Srv s : srv) {
                command.add("--srv-host=" + s.name() + "," + s.target() + "," + s.port() + ",0,0");
            }
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq.out").toFile())
                    .start();
            Dnsmasq server = new Dnsmasq(p, port, log);
            if (server.awaitListening()) {
                return server;
            }
            server.close();
            last = new IOException("dnsmasq did not start on 127.0.0.1:" + port + ": "
                    + Files.readString(dir.resolve("dnsmasq.out")).strip());
        }
        throw new UncheckedIOException(last);
    }

    /** @return {@code 127.0.0.1:port}, for {@code meld.cluster.dns-server} */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** @return the queries it answered so far, for a failing test's message */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Stops the server and waits for it to end. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitListening() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MILLIS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            // dnsmasq answers on TCP too, on the same port, once it is ready.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }
}
