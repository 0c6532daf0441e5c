package io.meld.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a socket channel with an {@link SSLEngine}: the least a Java program does to send encrypted
 * bytes, the raw baseline of what TLS costs a bulk transfer ({@link RawTcpStream}'s TLS mode) and a round
 * trip ({@link BusyPollPingPong}'s). The handshake needs a blocking socket; after it a non-blocking one
 * is polled, by the thread that reads or writes.
 * A write wraps its bytes into records (16 KiB of plaintext each) and writes them; a read unwraps
 * straight into the caller's buffer when a whole record fits, else through a buffer of its own.
 *
 * <p><b>Concurrency</b>: one thread.
 */
final class TlsByteChannel implements ByteChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel socket;
    private final SSLEngine engine;
    /** Ciphertext read and not yet unwrapped, in write mode. */
    private ByteBuffer netIn;
    /** Ciphertext to write. */
    private ByteBuffer netOut;
    /** Plaintext unwrapped and not yet read, in write mode. */
    private ByteBuffer appIn;

    private TlsByteChannel(SocketChannel socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
        this.netIn = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
        this.netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
        this.appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize());
    }

    /** Runs the handshake on a connected blocking socket. */
    static TlsByteChannel handshake(SocketChannel socket, SSLEngine engine) throws IOException {
        TlsByteChannel c = new TlsByteChannel(socket, engine);
        engine.beginHandshake();
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        while (status != SSLEngineResult.HandshakeStatus.FINISHED
                && status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
            switch (status) {
                case NEED_WRAP -> status = c.wrapAndWrite(EMPTY).getHandshakeStatus();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    c.netIn.flip();
                    SSLEngineResult r = engine.unwrap(c.netIn, c.appIn);
                    c.netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && socket.read(c.netIn) < 0) {
                        throw new SSLException("the peer closed the connection in the TLS handshake");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the peer ended the TLS handshake");
                    }
                    status = engine.getHandshakeStatus();
                }
                case NEED_TASK -> {
                    for (Runnable t = engine.getDelegatedTask(); t != null; t = engine.getDelegatedTask()) {
                        t.run();
                    }
                    status = engine.getHandshakeStatus();
                }
                default -> throw new SSLException("TLS handshake in state " + status);
            }
        }
        return c;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        while (src.hasRemaining()) {
            wrapAndWrite(src);
        }
        return n;
    }

    private SSLEngineResult wrapAndWrite(ByteBuffer src) throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("wrap: " + r.getStatus());
        }
        netOut.flip();
        while (netOut.hasRemaining()) {
            socket.write(netOut);
        }
        return r;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        boolean overflowed = false;
        while (true) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(appIn.remaining(), dst.remaining());
                dst.put(appIn.slice(appIn.position(), n));
                appIn.position(appIn.position() + n).compact();
                return n;
            }
            boolean direct =
                    !overflowed && dst.remaining() >= engine.getSession().getApplicationBufferSize();
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, direct ? dst : appIn);
            netIn.compact();
            switch (r.getStatus()) {
                case OK -> {
                    if (r.bytesProduced() > 0 && direct) {
                        return r.bytesProduced();
                    }
                    // a post-handshake message, or plaintext now in appIn: look again
                }
                case BUFFER_UNDERFLOW -> {
                    if (!netIn.hasRemaining()) {
                        throw new SSLException("a TLS record larger than the packet buffer");
                    }
                    int n;
                    while ((n = socket.read(netIn)) == 0) {
                        Thread.onSpinWait(); // a non-blocking socket: poll it, not the engine
                    }
                    if (n < 0) {
                        return -1;
                    }
                }
                case BUFFER_OVERFLOW -> {
                    // The engine wants more room than it said (OpenSSL's may near a buffer's end): this record
                    // goes through appIn, grown if it was appIn that was too small.
                    if (!direct) {
                        appIn = ByteBuffer.allocateDirect(2 * appIn.capacity());
                    }
                    overflowed = true;
                }
                case CLOSED -> {
                    return -1;
                }
            }
        }
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
