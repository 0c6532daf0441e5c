package io.meld.cluster;

import io.meld.transport.FailStop;
import io.meld.transport.RefusalLog;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jgroups.util.DefaultSocketFactory;
import org.jgroups.util.Util;
import org.slf4j.Logger;

/**
 * The sockets of the cluster layer (JGroups' TCP) under mutual TLS, with the server side's handshakes
 * taken off JGroups' acceptor.
 *
 * <p>JGroups accepts connections on one thread, and with its own TLS that thread runs each handshake
 * too, inside the read of the peer's address, whose timeout (1 s) applies to every read and to no
 * handshake as a whole. So a stranger that sends its handshake a byte at a time held the acceptor, and no
 * member could connect while it did; a member whose handshake paused for a second (a cold JVM on a busy
 * machine) was dropped; and a refused handshake was reported only as "Socket is closed", at a level
 * nobody sees, because the acceptor learns of it only from the closed socket.
 *
 * <p>Here the server socket accepts on a thread of its own, from when it is bound, and runs every handshake on a virtual thread,
 * at most {@value #MAX_HANDSHAKES} at once, each within {@code meld.transport.handshake-timeout} (a
 * deadline closes the socket). JGroups' acceptor is handed only connections whose peer proved it is a
 * member. A refused handshake is logged through a {@link RefusalLog} (a line per interval at most, with a
 * count), a stranger's bytes never; a connection closed before its handshake ended (a port probe, a member
 * that lost a race to connect) only at DEBUG.
 *
 * <p>Client sockets are the context's, with the same protocol and cipher suites as the server's;
 * JGroups starts their handshakes itself.
 */
final class TlsSocketFactory extends DefaultSocketFactory {
    /** Handshakes in progress at most; a connection beyond is closed at once. */
    static final int MAX_HANDSHAKES = 64;
    /** How long the accepting thread waits after a failed accept before it tries again. */
    private static final long ACCEPT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final SSLSocketFactory sockets;
    private final SSLParameters server;
    private final long timeoutNanos;
    private final Logger log;
    private final RefusalLog refusals;
    private final FailStop failStop;

    /**
     * @param context the node's TLS context
     * @param protocols the protocols both sides offer
     * @param ciphers the cipher suites both sides offer
     * @param handshakeTimeout how long an accepted connection has to complete its handshake
     * @param log where refusals go, at most a line per interval
     * @param failStop the uncaught-exception handler of the threads that accept and handshake
     */
    TlsSocketFactory(
            SSLContext context,
            String[] protocols,
            String[] ciphers,
            Duration handshakeTimeout,
            Logger log,
            FailStop failStop) {
        super(context);
        this.log = log;
        this.failStop = failStop;
        this.refusals = new RefusalLog(log);
        this.sockets = context.getSocketFactory();
        this.timeoutNanos = handshakeTimeout.toNanos();
        SSLParameters client = new SSLParameters(ciphers, protocols);
        setSocketConfigurator(s -> ((SSLSocket) s).setSSLParameters(client));
        this.server = new SSLParameters(ciphers, protocols);
        server.setNeedClientAuth(true);
    }

    @Override
    public ServerSocket createServerSocket(String name) throws IOException {
        return new HandshakingServerSocket();
    }

    @Override
    public ServerSocket createServerSocket(String name, int port) throws IOException {
        return createServerSocket(name, port, 50);
    }

    @Override
    public ServerSocket createServerSocket(String name, int port, int backlog) throws IOException {
        return createServerSocket(name, port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(String name, int port, int backlog, InetAddress bindAddress)
            throws IOException {
        HandshakingServerSocket socket = new HandshakingServerSocket();
        try {
            socket.bind(new InetSocketAddress(bindAddress, port), backlog);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** @return whether {@code e} says only that the peer closed the connection before the handshake ended */
    static boolean closedEarly(IOException e) {
        // The JDK reports a reset or an end of stream during the handshake as itself, or wrapped in an
        // SSLException; a refused certificate or a stranger's bytes as an SSLException of their own.
        return e instanceof EOFException
                || e instanceof SocketException
                || e.getCause() instanceof EOFException
                || e.getCause() instanceof SocketException;
    }

    /**
     * A plain server socket whose {@link #accept} returns TLS sockets whose handshake is complete: its own
     * thread accepts, virtual threads handshake, and the accepted ones wait in a queue for JGroups.
     *
     * <p><b>Concurrency</b>: {@link #accept} is called by JGroups' acceptor; the accepting thread, the
     * handshakes and the deadlines hand sockets over through {@link #ready}; {@link #close} may come from
     * any thread, and closes every socket still queued.
     */
    private final class HandshakingServerSocket extends ServerSocket {
        private final BlockingQueue<SSLSocket> ready = new LinkedBlockingQueue<>();
        private final Semaphore slots = new Semaphore(MAX_HANDSHAKES);
        private final ScheduledThreadPoolExecutor deadlines;
        private final ThreadFactory handshakes = Thread.ofVirtual()
                .name("meld-tls-handshake-", 0)
                .uncaughtExceptionHandler(failStop)
                .factory();

        HandshakingServerSocket() throws IOException {
            deadlines = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "meld-tls-deadline");
                t.setDaemon(true);
                return t;
            });
            deadlines.setRemoveOnCancelPolicy(true);
        }

        @Override
        public void bind(SocketAddress endpoint, int backlog) throws IOException {
            super.bind(endpoint, backlog);
            startAccepting();
        }

        @Override
        public Socket accept() throws IOException {
            try {
                while (!isClosed()) {
                    SSLSocket socket = ready.poll(100, TimeUnit.MILLISECONDS);
                    if (socket != null) {
                        return socket;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SocketException("Socket is closed");
        }

        private void startAccepting() {
            Thread.ofPlatform()
                    .daemon()
                    .name("meld-tls-accept-" + getLocalPort())
                    .uncaughtExceptionHandler(failStop)
                    .start(this::acceptLoop);
        }

        /** Accepts connections and starts their handshakes, until the socket is closed. */
        private void acceptLoop() {
            try {
                while (!isClosed()) {
                    Socket raw;
                    try {
                        raw = super.accept();
                    } catch (IOException e) {
                        if (!isClosed()) {
                            // Out of file descriptors, say: wait a little rather than spin on the error.
                            log.debug("cannot accept a connection on the cluster port: {}", e.toString());
                            LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
                        }
                        continue;
                    }
                    if (!slots.tryAcquire()) {
                        refusals.refused(
                                "a connection to the cluster port from " + raw.getRemoteSocketAddress(),
                                MAX_HANDSHAKES + " TLS handshakes are in progress already");
                        Util.close(raw);
                        continue;
                    }
                    ScheduledFuture<?> deadline;
                    try {
                        deadline = deadlines.schedule(() -> Util.close(raw), timeoutNanos, TimeUnit.NANOSECONDS);
                    } catch (RejectedExecutionException e) { // closed meanwhile
                        Util.close(raw);
                        break;
                    }
                    handshakes.newThread(() -> handshake(raw, deadline)).start();
                }
            } finally {
                // JGroups' acceptor must not wait on a queue nobody fills: closed, it stops. An error that
                // ended the loop goes on to the node's fail-stop.
                Util.close(this);
            }
        }

        /** Runs {@code raw}'s server handshake within the deadline and queues it, or closes it. */
        private void handshake(Socket raw, ScheduledFuture<?> deadline) {
            SocketAddress peer = raw.getRemoteSocketAddress();
            try {
                SSLSocket tls = (SSLSocket) sockets.createSocket(raw, null, true);
                tls.setSSLParameters(server);
                tls.startHandshake();
                if (!deadline.cancel(false)) {
                    throw new SocketException("closed at the deadline");
                }
                ready.add(tls);
                if (isClosed() && ready.remove(tls)) {
                    Util.close(tls);
                }
            } catch (IOException e) {
                Util.close(raw);
                if (deadline.isDone() && !deadline.isCancelled()) {
                    refusals.refused(
                            "a connection to the cluster port from " + peer,
                            "no TLS handshake within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                } else if (closedEarly(e)) {
                    deadline.cancel(false);
                    log.debug(
                            "a connection to the cluster port from {} closed before its TLS handshake ended: {}",
                            peer,
                            e.toString());
                } else {
                    deadline.cancel(false);
                    refusals.refused(
                            "a connection to the cluster port from " + peer,
                            "TLS handshake failed, not a member of this cluster: " + e.getMessage());
                }
            } finally {
                slots.release();
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                deadlines.shutdownNow();
                for (SSLSocket s; (s = ready.poll()) != null; ) {
                    Util.close(s);
                }
            }
        }
    }
}
