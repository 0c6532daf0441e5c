package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import javax.net.ssl.SSLEngine;

/**
 * The TLS of the end of a peer's direct channel that this node serves, once its senders write it
 * themselves ({@link RawWriter}): it takes the place of Netty's {@code SslHandler}, which ran the
 * handshake, and owns the engine from then on. Netty's {@code SslHandler} wraps every record on the I/O
 * thread, so a frame sent from any other thread (a collective's contribution) would be handed to that
 * thread; here the sender wraps and writes its own frame under the writer's lock, and this handler
 * unwraps what arrives, on the I/O thread, into plaintext for the {@link FrameDecoder} behind it.
 *
 * <p><b>Errors.</b> A TLS error goes down the pipeline as the exception the {@code SslHandler} would
 * have raised, and the {@link ConnectionHandler} closes the connection as before; nothing that arrives
 * after it is handed on. A record that does not decrypt is answered with the engine's alert (written by
 * the {@link RawWriter}, in order with the frames); the JDK's engine raises its error at once, BoringSSL's
 * at the next record, which it refuses to read. The peer's {@code close_notify} is the end of its stream,
 * as a closed socket is.
 *
 * <p><b>Concurrency</b>: a Netty handler of one channel: its methods run on that channel's I/O thread,
 * which is the wire's reading side; the writing side is the {@link RawWriter}'s, under its lock. The
 * engine is released once the channel is gone, through the writer, so that no write is in progress and
 * none starts after.
 *
 * <p><b>Buffer ownership</b>: each ciphertext buffer read is released here; each plaintext buffer passed on
 * is the next handler's.
 */
final class ServedTlsDecoder extends ChannelInboundHandlerAdapter {
    private final TlsWire wire;
    private final RawWriter writer;
    private final Arrived arrived;
    /** Once the session failed or ended, nothing more is unwrapped. */
    private boolean done;

    private ServedTlsDecoder(TlsWire wire, RawWriter writer, Arrived arrived) {
        this.wire = wire;
        this.writer = writer;
        this.arrived = arrived;
    }

    /**
     * Takes the TLS session of a served direct channel over from its {@code SslHandler}, whose handshake
     * is done and which has nothing queued: on the I/O thread, after the last frame Netty writes (the
     * handshake's WELCOME).
     *
     * @param fd the connection's socket
     * @param nextSequence the sequence number of the first frame the writer writes
     * @return the writer of the connection's frames, which encrypts them
     */
    static RawWriter takeOver(ChannelPipeline pipeline, SslHandler ssl, FileDescriptor fd, long nextSequence) {
        SSLEngine engine = ssl.engine();
        // The SslHandler releases its engine as it leaves the pipeline; the session lives on here.
        ReferenceCountUtil.retain(engine);
        Arrived arrived = new Arrived();
        TlsWire wire = TlsWire.adopt(engine, arrived, new SocketSink(fd));
        RawWriter writer = new RawWriter(fd, nextSequence, wire);
        wire.answerWith(writer::answerHandshake);
        // After the SslHandler, so that ciphertext it holds and has not unwrapped (a JDK engine unwraps
        // whole records only) comes here as it leaves.
        pipeline.addAfter(pipeline.context(ssl).name(), "meld-served-tls", new ServedTlsDecoder(wire, writer, arrived));
        pipeline.remove(ssl);
        return writer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf ciphertext = (ByteBuf) msg;
        try {
            if (done) {
                return;
            }
            arrived.current = ciphertext;
            while (true) {
                int capacity = wire.engine().getSession().getApplicationBufferSize();
                ByteBuf plaintext = ctx.alloc().directBuffer(capacity);
                int n;
                try {
                    n = wire.read(plaintext.nioBuffer(0, capacity));
                } catch (IOException | RuntimeException e) {
                    plaintext.release();
                    throw e;
                }
                if (n > 0) {
                    plaintext.writerIndex(n);
                    ctx.fireChannelRead(plaintext);
                    continue;
                }
                plaintext.release();
                if (n < 0) {
                    // close_notify: the peer's stream ended, as when its socket closes.
                    done = true;
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    return;
                }
                if (!ciphertext.isReadable() || done) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            done = true;
            ctx.fireExceptionCaught(e);
        } finally {
            arrived.current = null;
            ciphertext.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        done = true;
        writer.closeThen(() -> ReferenceCountUtil.release(wire.engine()));
    }

    /** The ciphertext of the read being handled, as the wire's source: 0 bytes once it is all taken. */
    private static final class Arrived implements ReadableByteChannel {
        private ByteBuf current;

        @Override
        public int read(ByteBuffer dst) {
            ByteBuf in = current;
            if (in == null || !in.isReadable()) {
                return 0;
            }
            int n = Math.min(in.readableBytes(), dst.remaining());
            int limit = dst.limit();
            dst.limit(dst.position() + n);
            in.readBytes(dst);
            dst.limit(limit);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // the connection is Netty's to close
        }
    }

    /** The connection's socket, written with the writer's own system calls: 0 when it is full. */
    private static final class SocketSink implements WritableByteChannel {
        private final FileDescriptor fd;

        SocketSink(FileDescriptor fd) {
            this.fd = fd;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = fd.write(src, src.position(), src.limit());
            if (n > 0) {
                src.position(src.position() + n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // the connection is Netty's to close
        }
    }
}
