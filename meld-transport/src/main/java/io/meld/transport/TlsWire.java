package io.meld.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking socket that Meld's threads drive with their own system calls, where no Netty
 * {@code SslHandler} stands between them and the socket: a {@link DirectChannel}'s (the client, which
 * runs the handshake here), and the end of a peer's direct channel that a node serves (the server, whose
 * handshake Netty ran and whose engine it hands over, {@link ServedTlsDecoder}). It writes each buffer as
 * records, and reads by unwrapping what has arrived into the caller's buffer; plaintext that did not fit
 * stays here until the next read.
 *
 * <p><b>Concurrency</b>: the writing side ({@link #write}, {@link #answerHandshake}) and the reading side
 * ({@link #read}, {@link #hasReadable}) have state of their own, so one thread may write while another
 * reads; each side is for one thread at a time. The engine allows that: the JDK's {@code SSLEngine}
 * takes one {@code wrap} and one {@code unwrap} at once, and BoringSSL's (netty-tcnative's {@code
 * ReferenceCountedOpenSslEngine}) runs both under the engine's monitor, one after the other. A record
 * the reading side must answer (a key update) is written by {@link #answer}, which a wire of two threads
 * points at its writers' lock. Closing the socket from another thread makes the next call fail.
 */
final class TlsWire {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** A TLS record's header: type, version, length. */
    private static final int RECORD_HEADER = 5;

    private final SSLEngine engine;
    /** Where the reading side takes ciphertext from; it returns 0 when nothing more has arrived. */
    private final ReadableByteChannel source;
    /** Where the writing side puts ciphertext; it returns 0 when the socket is full. */
    private final WritableByteChannel sink;
    /** The reading side's: ciphertext read and not yet unwrapped, in write mode. */
    private ByteBuffer netIn;
    /** The writing side's: ciphertext to write, in read mode once filled. */
    private ByteBuffer netOut;
    /** The reading side's: plaintext unwrapped and not yet handed out, in write mode. */
    private ByteBuffer appIn;
    /** Writes a record the reading side must answer; the writing side's {@link #answerHandshake} by default. */
    private IoAction answer = this::answerHandshake;

    private TlsWire(SSLEngine engine, ReadableByteChannel source, WritableByteChannel sink) {
        this.engine = engine;
        this.source = source;
        this.sink = sink;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet);
        this.netOut = ByteBuffer.allocateDirect(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * A wire over an engine whose handshake is done (Netty's {@code SslHandler} ran it and let it go).
     *
     * @param source the ciphertext that arrives, read by the reading side
     * @param sink the socket, written by the writing side
     */
    static TlsWire adopt(SSLEngine engine, ReadableByteChannel source, WritableByteChannel sink) {
        return new TlsWire(engine, source, sink);
    }

    /**
     * Has records the reading side must answer written by {@code answer} instead of directly: for a wire
     * whose writing side takes a lock, which the answer must take too.
     */
    void answerWith(IoAction answer) {
        this.answer = answer;
    }

    /** @return the engine, for its owner to release */
    SSLEngine engine() {
        return engine;
    }

    /**
     * Runs the TLS handshake as the client on a connected socket.
     *
     * @param selector a selector of the calling thread's, to sleep on while the peer answers
     * @param deadlineNanos when to give up
     * @return the wire, ready for application data
     * @throws SSLException when the peer refuses, or is refused (its certificate is not trusted)
     * @throws IOException when the socket fails, or the deadline passes ({@link TimeoutException})
     */
    static TlsWire handshake(SSLEngine engine, SocketChannel socket, Selector selector, long deadlineNanos)
            throws IOException {
        TlsWire wire = new TlsWire(engine, socket, socket);
        socket.register(selector, SelectionKey.OP_READ);
        engine.beginHandshake();
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        while (status != SSLEngineResult.HandshakeStatus.FINISHED
                && status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
            switch (status) {
                case NEED_WRAP -> {
                    wire.netOut.clear();
                    SSLEngineResult r = engine.wrap(EMPTY, wire.netOut);
                    wire.netOut.flip();
                    wire.writeOut(deadlineNanos);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the TLS handshake ended without a session");
                    }
                    status = r.getHandshakeStatus();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    wire.netIn.flip();
                    SSLEngineResult r;
                    try {
                        r = engine.unwrap(wire.netIn, wire.appIn);
                    } finally {
                        wire.netIn.compact();
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the peer closed the TLS handshake");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        int n = wire.source.read(wire.netIn);
                        if (n < 0) {
                            throw new SSLException("the peer closed the connection during the TLS handshake");
                        }
                        if (n == 0) {
                            long left = deadlineNanos - System.nanoTime();
                            if (left <= 0) {
                                throw new TimeoutException("the TLS handshake did not finish in time");
                            }
                            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                            selector.selectedKeys().clear();
                        }
                    }
                    status = r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            ? engine.getHandshakeStatus()
                            : r.getHandshakeStatus();
                }
                case NEED_TASK -> {
                    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                        task.run();
                    }
                    status = engine.getHandshakeStatus();
                }
                default -> throw new SSLException("TLS handshake in an unexpected state: " + status);
            }
        }
        return wire;
    }

    /**
     * Reads what has arrived, without waiting, and puts its plaintext into {@code dst}.
     *
     * @return the bytes put into {@code dst}, or -1 when the peer has closed and nothing is left
     * @throws SSLException when the peer's records are not valid
     */
    int read(ByteBuffer dst) throws IOException {
        int total = 0;
        boolean readSocket = false;
        while (dst.hasRemaining()) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(appIn.remaining(), dst.remaining());
                dst.put(appIn.slice(appIn.position(), n));
                appIn.position(appIn.position() + n);
                appIn.compact();
                total += n;
                continue;
            }
            netIn.flip();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                netIn.compact();
            }
            switch (r.getStatus()) {
                case OK -> runTasksAndAnswer(r.getHandshakeStatus());
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                case BUFFER_UNDERFLOW -> {
                    if (netIn.remaining() == 0) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                    }
                    if (readSocket) {
                        return total; // read once already: take the rest at the next call
                    }
                    int n = source.read(netIn);
                    if (n < 0) {
                        return total > 0 ? total : -1;
                    }
                    if (n == 0) {
                        return total;
                    }
                    readSocket = true;
                }
                case CLOSED -> {
                    return total > 0 ? total : -1;
                }
            }
        }
        return total;
    }

    /**
     * @return whether plaintext, or a whole record not yet unwrapped, is held here: bytes the next {@link
     *     #read} returns without the socket, of which the socket's readiness says nothing
     */
    boolean hasReadable() {
        int held = netIn.position();
        return appIn.position() > 0 || (held >= RECORD_HEADER && held >= RECORD_HEADER + (netIn.getShort(3) & 0xFFFF));
    }

    /**
     * Writes {@code src} whole as records, yielding while the socket's buffer is full; the writing side.
     *
     * @param stop told while the socket is full: a channel that went down, or a peer that stopped reading,
     *     stops the write by throwing
     */
    void write(ByteBuffer src, Stall stop) throws IOException {
        do {
            wrapAndWrite(src, stop);
        } while (src.hasRemaining());
    }

    /**
     * Writes the records the engine asks for after the reading side took a post-handshake message (a key
     * update that asks for one back); the writing side.
     */
    void answerHandshake() throws IOException {
        answerHandshake(nanos -> {});
    }

    /** {@link #answerHandshake()}, told of a full socket as {@link #write} is. */
    void answerHandshake(Stall stop) throws IOException {
        // The result says what is due, where the engine's own status may not: BoringSSL's engine reports a
        // record it could not decrypt as NEED_WRAP in the unwrap's result only, to send its alert first,
        // and throws at the wrap after it.
        SSLEngineResult.HandshakeStatus due;
        do {
            due = wrapAndWrite(EMPTY, stop).getHandshakeStatus();
        } while (due == SSLEngineResult.HandshakeStatus.NEED_WRAP
                || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP);
    }

    /** Wraps one record of {@code src} (none for a handshake message) and writes it whole. */
    private SSLEngineResult wrapAndWrite(ByteBuffer src, Stall stop) throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("the TLS session is closed");
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            netOut = grow(netOut, engine.getSession().getPacketBufferSize());
            return r;
        }
        netOut.flip();
        long stalledSince = 0;
        while (netOut.hasRemaining()) {
            if (sink.write(netOut) > 0) {
                stalledSince = 0;
                continue;
            }
            long now = System.nanoTime();
            if (stalledSince == 0) {
                stalledSince = now;
            }
            Thread.yield();
            stop.stalled(now - stalledSince);
        }
        return r;
    }

    /** A post-handshake message (a key update) may ask for an answer: it is written at once. */
    private void runTasksAndAnswer(SSLEngineResult.HandshakeStatus status) throws IOException {
        if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                task.run();
            }
        }
        if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP
                || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            answer.run();
        }
    }

    private void writeOut(long deadlineNanos) throws IOException {
        while (netOut.hasRemaining()) {
            if (sink.write(netOut) == 0) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new TimeoutException("the TLS handshake did not finish in time");
                }
                Thread.yield();
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast) {
        ByteBuffer bigger = b.isDirect()
                ? ByteBuffer.allocateDirect(Math.max(atLeast, b.capacity() * 2))
                : ByteBuffer.allocate(Math.max(atLeast, b.capacity() * 2));
        b.flip();
        bigger.put(b);
        return bigger;
    }

    /** Told while a write finds the socket full; throws to stop it. */
    @FunctionalInterface
    interface Stall {
        /** Stops a write the first time it finds the socket full: for a last frame that must not wait. */
        Stall NO_WAIT = nanos -> {
            throw new IOException("the socket is full");
        };

        /** @param nanos how long the socket has been full */
        void stalled(long nanos) throws IOException;
    }

    /** Something the wire does that may fail with an I/O error. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /** The deadline passed during the handshake. */
    static final class TimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        TimeoutException(String message) {
            super(message);
        }
    }
}
