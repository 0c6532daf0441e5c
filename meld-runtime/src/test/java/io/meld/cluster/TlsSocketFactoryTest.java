package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.security.ClusterCertificates;
import io.meld.security.ClusterSecret;
import io.meld.security.NodeTls;
import io.meld.transport.FailStop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The cluster port's TLS sockets on their own, without JGroups: members get through while strangers
 * hold or fail handshakes, every refusal is logged (a line per interval), a closed probe is not, and a
 * closed server socket ends the acceptor's wait.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsSocketFactoryTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration DEADLINE = Duration.ofMillis(800);
    private static final SSLContext MEMBERS = context(ClusterSecret.generate());
    private static final FailStop FAIL_STOP = new FailStop((t, e) -> {
        throw new AssertionError("thread " + t.getName() + " died", e);
    });

    private final Recorder log = new Recorder();
    private final TlsSocketFactory factory = factory(MEMBERS, log);
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    @Test
    void shouldHandAMemberToTheAcceptorWhileAStrangerDripsItsHandshake() throws Exception {
        ServerSocket server = listen();
        Socket drip = open(new Socket(LOOPBACK, server.getLocalPort()));
        OutputStream out = drip.getOutputStream();
        out.write(new byte[] {0x16, 0x03, 0x01}); // a handshake record's header, never finished

        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> accept(server));
        SSLSocket member = connect(factory, server);
        Socket theirs = open(accepted.get(10, TimeUnit.SECONDS));

        assertThat(theirs).isInstanceOf(SSLSocket.class);
        assertThat(((InetSocketAddress) theirs.getRemoteSocketAddress()).getPort())
                .isEqualTo(member.getLocalPort());
        member.getOutputStream().write(42);
        member.getOutputStream().flush();
        theirs.setSoTimeout(10_000);
        assertThat(theirs.getInputStream().read()).isEqualTo(42);

        // The stranger's connection ends at the deadline, with a line saying why.
        assertThat(readUntilClosed(drip)).isEqualTo(-1);
        assertThat(log.awaitLine(Level.WARN))
                .contains("refused a connection to the cluster port from /127.0.0.1:" + drip.getLocalPort())
                .contains("no TLS handshake within " + DEADLINE.toMillis() + " ms");
    }

    @Test
    void shouldRefuseAndLogANodeOfAnotherSecretAndPassTheNextMember() throws Exception {
        ServerSocket server = listen();
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> accept(server));

        TlsSocketFactory stranger = factory(context(ClusterSecret.generate()), new Recorder());
        assertThatThrownBy(() -> connect(stranger, server)).isInstanceOf(SSLException.class);
        assertThat(log.awaitLine(Level.WARN))
                .contains("refused a connection to the cluster port from /127.0.0.1:")
                .contains("TLS handshake failed, not a member of this cluster");

        SSLSocket member = connect(factory, server);
        Socket theirs = open(accepted.get(10, TimeUnit.SECONDS));
        assertThat(((InetSocketAddress) theirs.getRemoteSocketAddress()).getPort())
                .as("the first connection the acceptor gets is the member's")
                .isEqualTo(member.getLocalPort());
    }

    @Test
    void shouldCountRefusalsWithinAnIntervalInsteadOfLoggingEach() throws Exception {
        ServerSocket server = listen();
        for (int i = 0; i < 5; i++) {
            try (Socket plain = new Socket(LOOPBACK, server.getLocalPort())) {
                plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readUntilClosed(plain)).isEqualTo(-1);
            }
        }
        assertThat(log.awaitLine(Level.WARN)).contains("TLS handshake failed");
        Thread.sleep(200);
        assertThat(log.lines(Level.WARN)).as("one line for five refusals").hasSize(1);
    }

    @Test
    void shouldOnlyNoteAtDebugAConnectionClosedBeforeItsHandshake() throws Exception {
        ServerSocket server = listen();
        new Socket(LOOPBACK, server.getLocalPort()).close(); // a probe: is the port open?
        assertThat(log.awaitLine(Level.DEBUG)).contains("closed before its TLS handshake ended");
        assertThat(log.lines(Level.WARN)).isEmpty();
    }

    @Test
    void shouldCloseAConnectionBeyondTheHandshakesInProgress() throws Exception {
        TlsSocketFactory patient = new TlsSocketFactory(
                MEMBERS,
                new String[] {NodeTls.PROTOCOL},
                NodeTls.CIPHERS.toArray(new String[0]),
                Duration.ofMinutes(1),
                log,
                FAIL_STOP);
        ServerSocket server = open(patient.createServerSocket("test", 0, 100, LOOPBACK));
        for (int i = 0; i < TlsSocketFactory.MAX_HANDSHAKES; i++) {
            open(new Socket(LOOPBACK, server.getLocalPort()));
        }
        Socket over = open(new Socket(LOOPBACK, server.getLocalPort()));
        over.setSoTimeout(10_000);
        // Closed at once, while the others have most of a minute left.
        assertThat(over.getInputStream().read()).isEqualTo(-1);
        assertThat(log.awaitLine(Level.WARN))
                .contains(TlsSocketFactory.MAX_HANDSHAKES + " TLS handshakes are in progress already");
    }

    @Test
    void shouldEndTheAcceptorsWaitWhenClosed() throws Exception {
        ServerSocket server = listen();
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> accept(server));
        Thread.sleep(100);
        server.close();
        assertThatThrownBy(() -> accepted.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(SocketException.class);
        assertThatThrownBy(server::accept).isInstanceOf(SocketException.class);
    }

    private ServerSocket listen() throws IOException {
        // As JGroups makes it: unbound first, bound by the caller.
        ServerSocket server = factory.createServerSocket("test");
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(LOOPBACK, 0), 50);
        return open(server);
    }

    /** A client's handshake: TLS 1.3 ends it before the server has checked the client's certificate. */
    private SSLSocket connect(TlsSocketFactory from, ServerSocket server) throws IOException {
        SSLSocket socket = open((SSLSocket) from.createSocket("test"));
        socket.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()), 5000);
        socket.setSoTimeout(5000);
        socket.startHandshake();
        return socket;
    }

    private static Socket accept(ServerSocket server) {
        try {
            return server.accept();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return -1 once the peer closed {@code socket}; fails when it stays open for 10 s */
    private static int readUntilClosed(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // what a refusal sends (an alert) is not the point here
            }
            return -1;
        } catch (SocketException reset) {
            return -1;
        }
    }

    private <T extends AutoCloseable> T open(T c) {
        opened.add(c);
        return c;
    }

    private static TlsSocketFactory factory(SSLContext context, Recorder log) {
        return new TlsSocketFactory(
                context,
                new String[] {NodeTls.PROTOCOL},
                NodeTls.CIPHERS.toArray(new String[0]),
                DEADLINE,
                log,
                FAIL_STOP);
    }

    private static SSLContext context(ClusterSecret secret) {
        return NodeTls.of(ClusterCertificates.fromSecret(secret, "tls-socket-factory-test"))
                .control();
    }

    /** A logger that keeps what it is told, every level. */
    private static final class Recorder extends LegacyAbstractLogger {
        private final List<String> lines = new CopyOnWriteArrayList<>();

        List<String> lines(Level level) {
            return lines.stream().filter(l -> l.startsWith(level + " ")).toList();
        }

        String awaitLine(Level level) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                List<String> found = lines(level);
                if (!found.isEmpty()) {
                    return found.get(0);
                }
                Thread.sleep(10);
            }
            throw new AssertionError("no " + level + " line; logged: " + lines);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String pattern, Object[] args, Throwable thrown) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
