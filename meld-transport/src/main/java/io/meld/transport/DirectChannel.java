package io.meld.transport;

import io.meld.ClusterFormationException;
import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one peer that the thread holding it drives itself: it writes its request with its own
 * system call and reads what comes back with its own, so no I/O thread stands between the caller and the
 * wire, and nobody has to be woken. A lane's frame is handed to an I/O thread and its answer is read there
 * and handed back, two hand-offs per round trip, which on a virtual machine cost more than the loopback
 * round trip itself.
 *
 * <p><b>Shape.</b> Every node opens one direct channel to every peer once its lanes are connected (the
 * handshake's lane {@link #LANE}). At the peer the connection is an ordinary one whose I/O thread handles
 * each request as it arrives, but whose frames the senders write straight to the socket ({@link
 * RawWriter}): the answers to the holder's requests, and the small contributions the peer's collective
 * thread sends this node ({@link Links#directFrom(int)}). Frames of any type with a handler may arrive,
 * and are handled on the thread that reads them, whose caller must expect any of them.
 *
 * <p><b>Who reads.</b> A thread {@link #tryAcquire()}s the channel, sends, reads until what it waits for
 * has come ({@link #readAvailable()}, {@link #awaitReadable(long)}), and releases it. A thread that finds
 * the channel held uses its lane instead: the direct channel never makes anyone wait. The collective
 * thread reads every direct channel it can take while it waits; what arrives while nobody reads is read
 * by the node's sweep ({@link DirectChannels}) within 10 ms.
 *
 * <p><b>Failures.</b> An I/O error, the peer closing its end, or a frame that breaks the protocol is the
 * peer's failure, as on a lane: the channel goes down and the {@link LinkListener} hears of it. The
 * socket is non-blocking, so an interrupt of its holder cannot close it (the JDK closes a channel for
 * interrupts of blocking calls only). At the peer, the end of a direct channel blames nobody: a node
 * that fails is reported by its lanes.
 *
 * <p><b>Concurrency</b>: {@link #tryAcquire()} and {@link #release()} from any thread; everything else
 * only by the holder, so the buffers, the sequence numbers and the socket need no further locking. The
 * payload a handler gets is valid only during its call, unless it retains it ({@link FrameHandler}'s
 * contract); then the channel reads on into a new buffer.
 *
 * <p><b>Buffer ownership</b>: {@link #send(ByteBuf)} takes the frame and releases it once written.
 */
public final class DirectChannel implements Link {
    /** The lane number by which a handshake opens a direct channel. */
    public static final int LANE = 0xFFFF;

    private static final Logger LOG = LoggerFactory.getLogger(DirectChannel.class);

    /** The largest frame a direct channel takes: an answer to one request, or a small contribution. */
    static final int READ_CAPACITY = 64 << 10;

    private final Transport transport;
    private final int rank;
    private final long incarnation;
    private final SocketChannel socket;
    /** The socket's TLS, or {@code null} when the data path is plain text. */
    private final TlsWire tls;

    private final int maxFrameSize;
    /** Bytes read and not yet handled; the holder's. */
    private ByteBuf in;

    private final AtomicReference<Thread> holder = new AtomicReference<>();
    /** Created by the first holder that sleeps until the socket is readable; volatile for {@link #close()}. */
    private volatile Selector selector;

    private long nextOutboundSequence;
    private long nextInboundSequence;
    private volatile boolean down;
    private volatile Throwable downCause;
    /**
     * Whether the TLS session holds bytes to read that the socket does not announce (records read with
     * others, as the handshake's last read may be): watchers read such a channel without waiting for the
     * socket. Written by the holder after each read.
     */
    private volatile boolean buffered;

    private DirectChannel(
            Transport transport, int rank, long incarnation, SocketChannel socket, TlsWire tls, long inbound) {
        this.transport = transport;
        this.takes = type -> type > FrameType.REJECT && transport.handles(type);
        this.rank = rank;
        this.incarnation = incarnation;
        this.socket = socket;
        this.tls = tls;
        this.buffered = tls != null && tls.hasReadable();
        this.maxFrameSize = Math.min(transport.maxFrameSize(), READ_CAPACITY);
        // On the heap: the socket reads through the JDK's own direct buffer, and a heap buffer needs no
        // release, so closing the channel from another thread cannot free it under its holder.
        this.in = Unpooled.buffer(maxFrameSize, maxFrameSize);
        this.nextOutboundSequence = 1; // the handshake's HELLO was 0
        this.nextInboundSequence = inbound;
    }

    /**
     * Opens a direct channel to {@code peer} and runs the handshake, with this thread's own non-blocking
     * system calls.
     *
     * @throws ClusterFormationException when the peer cannot be reached, refuses, or does not answer by
     *     {@code deadlineNanos}
     */
    static DirectChannel open(Transport transport, Transport.Peer peer, long deadlineNanos) {
        String where = "the direct channel to node " + peer.rank() + " at " + peer.host() + ":" + peer.port();
        SocketChannel socket = null;
        try (Selector selector = Selector.open()) {
            socket = SocketChannel.open();
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            socket.configureBlocking(false);
            if (!socket.connect(new InetSocketAddress(peer.host(), peer.port()))) {
                SelectionKey key = socket.register(selector, SelectionKey.OP_CONNECT);
                while (!socket.finishConnect()) {
                    selectUntil(selector, deadlineNanos, where);
                    selector.selectedKeys().clear();
                }
                key.cancel();
                selector.selectNow();
            }
            TransportTls contexts = transport.tls();
            TlsWire tls = contexts == null
                    ? null
                    : TlsWire.handshake(
                            contexts.client().newEngine(PooledByteBufAllocator.DEFAULT, peer.host(), peer.port()),
                            socket,
                            selector,
                            deadlineNanos);
            ByteBuf hello = Unpooled.buffer(FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH);
            int start = FrameDescriptor.begin(hello, FrameType.HELLO, 0);
            HandshakeCodec.encode(
                    hello,
                    Transport.PROTOCOL_VERSION,
                    LANE,
                    transport.clusterId(),
                    transport.rank(),
                    peer.rank(),
                    transport.size(),
                    transport.incarnation());
            FrameDescriptor.finish(hello, start);
            ByteBuffer out = hello.nioBuffer();
            if (tls != null) {
                tls.write(out, nanos -> checkDeadline(deadlineNanos, where));
            }
            while (out.hasRemaining()) {
                if (socket.write(out) == 0) {
                    Thread.onSpinWait();
                    checkDeadline(deadlineNanos, where);
                }
            }
            ByteBuf answer = readHandshake(socket, tls, selector, deadlineNanos, where);
            int type = FrameDescriptor.type(answer);
            answer.skipBytes(FrameDescriptor.HEADER_LENGTH);
            if (type == FrameType.REJECT) {
                throw new ClusterFormationException(
                        "node " + peer.rank() + " refused " + where + ": " + answer.toString(StandardCharsets.UTF_8));
            }
            if (type != FrameType.WELCOME) {
                throw new ClusterFormationException(where + " answered the handshake with " + FrameType.name(type));
            }
            HandshakeCodec.Hello welcome = HandshakeCodec.decode(answer);
            String refusal = transport.checkWelcome(welcome, peer, LANE);
            if (refusal != null) {
                throw new ClusterFormationException(where + ": " + refusal);
            }
            return new DirectChannel(transport, peer.rank(), welcome.incarnation(), socket, tls, 1);
        } catch (IOException | ProtocolException e) {
            closeQuietly(socket);
            throw new ClusterFormationException("could not open " + where + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** Reads the one frame a handshake answers with, whole. */
    private static ByteBuf readHandshake(
            SocketChannel socket, TlsWire tls, Selector selector, long deadlineNanos, String where) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH);
        socket.register(selector, SelectionKey.OP_READ);
        ByteBuffer frame = null;
        while (true) {
            ByteBuffer target = frame == null ? header : frame;
            if ((tls != null ? tls.read(target) : socket.read(target)) < 0) {
                throw new ClusterFormationException(where + " closed during the handshake");
            }
            if (!target.hasRemaining()) {
                if (frame != null) {
                    return Unpooled.wrappedBuffer(frame.flip());
                }
                int length = header.getInt(FrameDescriptor.LENGTH_OFFSET);
                length = Integer.reverseBytes(length); // little-endian on the wire
                if (length < FrameDescriptor.HEADER_LENGTH || length > READ_CAPACITY) {
                    throw new ProtocolException("handshake answer of " + length + " bytes");
                }
                frame = ByteBuffer.allocate(length).put(header.flip());
                continue;
            }
            selectUntil(selector, deadlineNanos, where);
            selector.selectedKeys().clear();
        }
    }

    private static void selectUntil(Selector selector, long deadlineNanos, String where) throws IOException {
        checkDeadline(deadlineNanos, where);
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    }

    private static void checkDeadline(long deadlineNanos, String where) {
        if (System.nanoTime() - deadlineNanos >= 0) {
            throw new ClusterFormationException(where + " did not answer the handshake in time");
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int lane() {
        return LANE;
    }

    @Override
    public long incarnation() {
        return incarnation;
    }

    @Override
    public boolean isUp() {
        return !down;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** @return {@code false}: the holder reads its own answers, and no I/O thread reads this channel */
    @Override
    public boolean inIoThread() {
        return false;
    }

    /**
     * Makes the calling thread the channel's holder, if nobody holds it and it is up.
     *
     * @return whether the calling thread now holds the channel; then it must {@link #release()} it
     */
    public boolean tryAcquire() {
        if (down) {
            return false;
        }
        return holder.get() == null && holder.compareAndSet(null, Thread.currentThread());
    }

    /** Lets the next thread have the channel; called by the holder. */
    public void release() {
        holder.set(null);
    }

    @Override
    public ByteBuf newFrame(int type, int flags, int payloadCapacity) {
        Link.checkNewFrame(type, flags, payloadCapacity, maxFrameSize);
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(FrameDescriptor.HEADER_LENGTH + payloadCapacity);
        FrameDescriptor.begin(buf, type, flags);
        return buf;
    }

    /**
     * Writes a frame whole, on the calling thread; called by the holder. The peer reads what it sent, so
     * a full socket buffer only delays the write while the peer catches up.
     *
     * @throws NodeFailedException when the channel is down or breaks now
     */
    @Override
    public void send(ByteBuf frame) {
        try {
            Link.checkAndSetLength(frame, maxFrameSize);
            checkHolder();
            if (down) {
                throw failure("cannot send to node " + rank);
            }
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextOutboundSequence++);
            ByteBuffer out = frame.nioBuffer();
            if (tls != null) {
                tls.write(out, nanos -> checkUp());
            }
            while (out.hasRemaining()) {
                if (socket.write(out) == 0) {
                    Thread.yield();
                    checkUp();
                }
            }
        } catch (IOException e) {
            throw broken(e);
        } finally {
            frame.release();
        }
    }

    /**
     * Reads what has arrived, without waiting, and hands each whole frame to its handler on this thread;
     * called by the holder.
     *
     * @throws NodeFailedException when the channel is down or breaks now
     */
    public void readAvailable() {
        checkHolder();
        if (down) {
            throw failure("cannot read from node " + rank);
        }
        int read;
        do {
            try {
                read = tls == null ? in.writeBytes(socket, in.writableBytes()) : readTls();
            } catch (IOException e) {
                throw broken(e);
            }
            if (read < 0) {
                throw broken(null); // the peer closed: as on a lane, no error of its own
            }
            if (read > 0) {
                try {
                    dispatchFrames();
                } catch (ProtocolException e) {
                    throw broken(e);
                }
            }
            // Records already read may hold more than the buffer took; the socket will not say so again.
        } while (read > 0 && tls != null && tls.hasReadable());
        if (tls != null) {
            buffered = tls.hasReadable(); // a volatile write per look only where there can be something
        }
    }

    /**
     * @return whether bytes were read from the socket with others and wait here: a thread that watches the
     *     channel must {@link #readIfFree()} it without waiting for the socket to be readable
     */
    public boolean hasBuffered() {
        return buffered;
    }

    /** Reads plaintext into {@link #in} through the TLS session. */
    private int readTls() throws IOException {
        int n = tls.read(in.nioBuffer(in.writerIndex(), in.writableBytes()));
        if (n > 0) {
            in.writerIndex(in.writerIndex() + n);
        }
        return n;
    }

    private void checkUp() {
        if (down) {
            throw failure("cannot send to node " + rank);
        }
    }

    /**
     * Reads what has arrived, as {@link #readAvailable()} does, if no other thread holds the channel: for
     * a thread that watches several channels. A channel that breaks is its peer's failure, reported by
     * the channel as always, so nothing is thrown.
     */
    public void readIfFree() {
        if (tryAcquire()) {
            try {
                readAvailable();
            } catch (NodeFailedException e) {
                // reported to the node's listener by broken()
            } finally {
                release();
            }
        }
    }

    /**
     * Sleeps until something arrives or {@code nanos} pass, in the kernel, without reading; called by the
     * holder, between {@link #readAvailable()}s. An interrupt ends the sleep and stays set; the channel
     * stays open.
     */
    public void awaitReadable(long nanos) {
        checkHolder();
        try {
            Selector s = selector;
            if (s == null) {
                s = Selector.open();
                selector = s;
                socket.register(s, SelectionKey.OP_READ);
            }
            s.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
            s.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw failure("the direct channel to node " + rank + " was closed");
        } catch (IOException e) {
            throw broken(e);
        }
    }

    /**
     * Registers the channel with a selector of the node's, for a thread that waits on several channels at
     * once and reads each it can {@link #tryAcquire()}; the key's attachment is this channel.
     *
     * @throws IOException when the channel is closed
     */
    public SelectionKey register(Selector selector) throws IOException {
        return socket.register(selector, SelectionKey.OP_READ, this);
    }

    @Override
    public boolean isWritableNow() {
        return !down;
    }

    /** Not for a direct channel: only its holder writes, and never on an I/O thread. */
    @Override
    public void whenWritable(Runnable task) {
        throw new UnsupportedOperationException("a direct channel has no I/O thread to run tasks on");
    }

    @Override
    public NodeFailedException failure(String what) {
        Throwable cause = downCause;
        return new NodeFailedException(rank, what + (cause != null ? ": " + cause.getMessage() : ""), cause);
    }

    @Override
    public String toString() {
        return "direct channel to node " + rank;
    }

    /**
     * Writes an {@link FrameType#EVICTED} frame with {@code notice} before the channel closes, if no thread
     * holds the channel and the socket takes it at once; never waits. A frame the socket took only part of
     * is cut short, as the close would cut it.
     */
    void tryWriteLast(String notice) {
        if (!tryAcquire()) {
            return;
        }
        ByteBuf frame = ChannelLink.evicted(this, notice);
        try {
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextOutboundSequence++);
            ByteBuffer out = frame.nioBuffer();
            if (tls != null) {
                tls.write(out, TlsWire.Stall.NO_WAIT);
            }
            while (out.hasRemaining() && socket.write(out) > 0) {
                // the socket takes what it has room for
            }
        } catch (IOException e) {
            // the channel closes now all the same
        } finally {
            frame.release();
            release();
        }
    }

    /** Closes the socket, from any thread; the channel goes down without blaming the peer. */
    void close() {
        down = true;
        closeQuietly(socket);
        Selector s = selector;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }

    /** The frame types this channel takes: its handlers', and no handshake frames (that is over). */
    private final IntPredicate takes;

    /** Hands every whole frame in the read buffer to its handler, then keeps the rest at the start. */
    private void dispatchFrames() {
        while (in.readableBytes() >= FrameDescriptor.HEADER_LENGTH) {
            int start = in.readerIndex();
            int length = FrameDescriptor.checkedLength(in, maxFrameSize, takes);
            int type = in.getUnsignedByte(start + FrameDescriptor.TYPE_OFFSET);
            if (in.readableBytes() < length) {
                break;
            }
            long sequence = in.getLongLE(start + FrameDescriptor.SEQUENCE_OFFSET);
            if (sequence != nextInboundSequence) {
                throw new ProtocolException(
                        "frame sequence number " + sequence + " where " + nextInboundSequence + " was due");
            }
            nextInboundSequence++;
            int flags = in.getUnsignedByte(start + FrameDescriptor.FLAGS_OFFSET);
            ByteBuf payload =
                    in.retainedSlice(start + FrameDescriptor.HEADER_LENGTH, length - FrameDescriptor.HEADER_LENGTH);
            in.skipBytes(length);
            try {
                transport.dispatch(this, type, flags, payload);
            } finally {
                payload.release();
            }
        }
        if (in.refCnt() > 1) {
            // A handler kept a slice of a payload: its bytes must stay as they are, so reads go on in a
            // buffer of their own.
            ByteBuf kept = in;
            in = Unpooled.buffer(maxFrameSize, maxFrameSize).writeBytes(kept);
            kept.release();
        } else {
            in.discardReadBytes();
        }
    }

    /**
     * The channel broke under the holder ({@code e} is {@code null} when the peer closed it): the peer's
     * failure, which the node hears of as from a lane, unless this node closed the channel itself.
     */
    private RuntimeException broken(Exception e) {
        if (e instanceof ProtocolException) {
            LOG.warn("closing {}: {}", this, e.getMessage());
        }
        boolean first = !down;
        if (first) {
            downCause = e;
            close();
            if (!(e instanceof AsynchronousCloseException) && !transport.isClosing()) {
                transport.directDown(this, e);
            }
        }
        return failure("the direct channel to node " + rank + " broke");
    }

    private void checkHolder() {
        if (holder.get() != Thread.currentThread()) {
            throw new IllegalStateException(
                    this + " is used by " + Thread.currentThread().getName() + ", which does not hold it");
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }
}
