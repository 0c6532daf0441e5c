package io.meld.transport;

import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes the frames of this node's end of a peer's {@link DirectChannel} straight to the socket, each on
 * the sender's own thread, under a lock: the I/O thread's answers to the peer's requests, and the small
 * collective contributions this node's collective thread sends the peer ({@code
 * Links#directFrom(int)}). The peer's thread that waits reads them from its socket itself, so no thread
 * of either node is handed a frame or woken. Netty keeps reading the connection; it no longer writes it.
 *
 * <p><b>TLS.</b> With TLS the sender also encrypts its frame, with the connection's engine, which Netty's
 * {@code SslHandler} handed over once the handshake was done ({@link ServedTlsDecoder}, which unwraps
 * what arrives on the I/O thread): records are numbered by the engine as they are wrapped, so wrapping
 * and writing under the one lock keeps them in the order the peer must read them. A record the reading
 * side must answer is written here too ({@link #answerHandshake()}).
 *
 * <p><b>The socket's life.</b> Netty closes a connection's file descriptor on its own I/O thread, which a
 * write from another thread could race, and the number could meanwhile name another file. So the channel
 * allows half-closure (Netty then reports the peer's end of the stream instead of closing), and every close
 * of the connection passes {@link #closeThen(Runnable)}, which marks this writer closed under the lock
 * first: no write starts after it, and none is in progress.
 *
 * <p><b>A full socket.</b> What a direct channel carries is bounded: one answer at a time to the request
 * its holder waits for, and a collective's contribution or two (a node is at most one collective ahead
 * of another), a few KiB. The socket's buffers hold far more, so a write that cannot go on means the peer
 * stopped reading altogether; after {@link #STALL_NANOS} the connection is closed as broken.
 *
 * <p><b>Concurrency</b>: any thread; writes and the close exclude each other by {@link #lock}.
 */
final class RawWriter {
    /** How long a write may find the socket full before the connection counts as broken. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Stops a TLS write that has found the socket full for longer than {@link #STALL_NANOS}. */
    private static final TlsWire.Stall STALL = nanos -> {
        if (nanos > STALL_NANOS) {
            throw new StalledException();
        }
    };

    private final FileDescriptor fd;
    /** The connection's TLS, whose writing side is this writer's; {@code null} in plain text. */
    private final TlsWire tls;

    private final ReentrantLock lock = new ReentrantLock();
    private long nextSequence;
    private boolean closed;

    /**
     * @param fd the connection's socket
     * @param nextSequence the sequence number of the first frame written here (the handshake's were
     *     written by Netty)
     */
    RawWriter(FileDescriptor fd, long nextSequence) {
        this(fd, nextSequence, null);
    }

    /**
     * @param fd the connection's socket
     * @param nextSequence the sequence number of the first frame written here
     * @param tls the connection's TLS, which writes to {@code fd}; {@code null} for plain text
     */
    RawWriter(FileDescriptor fd, long nextSequence, TlsWire tls) {
        this.fd = fd;
        this.nextSequence = nextSequence;
        this.tls = tls;
    }

    /**
     * Stamps the frame's sequence number and writes it whole; releases it.
     *
     * @throws NodeFailedException when the connection is closed or breaks now (then it is closed)
     */
    void write(ByteBuf frame, ChannelLink link) {
        lock.lock();
        try {
            if (closed) {
                throw link.failure("cannot send to node " + link.rank());
            }
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextSequence++);
            if (tls != null) {
                tls.write(frame.nioBuffer(), STALL);
                return;
            }
            int pos = frame.readerIndex();
            int end = frame.writerIndex();
            ByteBuffer nio = frame.hasMemoryAddress() ? null : frame.nioBuffer(0, frame.capacity());
            long stalledSince = 0;
            while (pos < end) {
                int n = nio == null ? fd.writeAddress(frame.memoryAddress(), pos, end) : fd.write(nio, pos, end);
                if (n > 0) {
                    pos += n;
                    stalledSince = 0;
                    continue;
                }
                long now = System.nanoTime();
                if (stalledSince == 0) {
                    stalledSince = now;
                } else if (now - stalledSince > STALL_NANOS) {
                    throw new StalledException();
                }
                Thread.yield();
            }
        } catch (StalledException e) {
            throw broken(link, new IOException("node " + link.rank() + " stopped reading its direct channel"));
        } catch (IOException e) {
            throw broken(link, e);
        } finally {
            lock.unlock();
            frame.release();
        }
    }

    /**
     * Writes a last frame if it can go at once (no write in progress, room in the socket), for a connection
     * about to close; never waits. A frame the socket took only part of is cut short, as the close would
     * cut it. Releases it.
     *
     * @return whether it was written whole
     */
    boolean tryWrite(ByteBuf frame) {
        if (!lock.tryLock()) {
            frame.release();
            return false;
        }
        try {
            if (closed) {
                return false;
            }
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextSequence++);
            ByteBuffer nio = frame.nioBuffer();
            if (tls != null) {
                tls.write(nio, TlsWire.Stall.NO_WAIT);
                return true;
            }
            while (nio.hasRemaining()) {
                int n = fd.write(nio, nio.position(), nio.limit());
                if (n <= 0) {
                    return false;
                }
                nio.position(nio.position() + n);
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            lock.unlock();
            frame.release();
        }
    }

    /**
     * Writes what the TLS engine asks to send after a post-handshake message the reading side took (a key
     * update that asks for one back), in order with the frames; nothing once the writer is closed.
     *
     * @throws IOException when the socket fails or stays full; the reading side then closes the connection
     */
    void answerHandshake() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                tls.answerHandshake(STALL);
            }
        } catch (StalledException e) {
            throw new IOException("the peer stopped reading its direct channel");
        } finally {
            lock.unlock();
        }
    }

    /** Marks the writer closed, with no write in progress, then runs {@code close}; from any thread. */
    void closeThen(Runnable close) {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        close.run();
    }

    /** Under the lock: the connection broke; it closes with {@code cause}, and the sender learns of it. */
    private NodeFailedException broken(ChannelLink link, IOException cause) {
        closed = true;
        link.close(cause);
        return new NodeFailedException(
                link.rank(), "the connection to node " + link.rank() + " broke: " + cause.getMessage(), cause);
    }

    /** A write found the socket full for longer than {@link #STALL_NANOS}. */
    private static final class StalledException extends IOException {
        private static final long serialVersionUID = 1L;

        StalledException() {
            super("the socket stayed full", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
