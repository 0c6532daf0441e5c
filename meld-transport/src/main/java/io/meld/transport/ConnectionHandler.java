package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's protocol state: the handshake, then sequence checking and dispatch of every frame to
 * its {@link FrameHandler}, and sequence stamping of every frame sent.
 *
 * <p>Once a connection has broken the protocol it is {@code CLOSED}: frames the decoder had already cut
 * from the same read are released unread, so no handler sees a frame that follows a bad one. Its link
 * goes down (if the handshake had installed one) with the protocol error as the cause.
 *
 * <p><b>Concurrency</b>: a Netty handler of one channel, so every method runs on that channel's I/O
 * thread; no field needs more than plain access.
 */
final class ConnectionHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private enum State {
        AWAIT_HELLO,
        AWAIT_RANK,
        AWAIT_WELCOME,
        OPEN,
        CLOSED
    }

    private final Transport transport;
    private final Transport.Peer expectedPeer;
    private final Transport.ConnectAttempt attempt;
    private State state;
    private long nextInboundSequence;
    private long nextOutboundSequence;
    private ChannelLink link;
    private Throwable closeCause;
    private ScheduledFuture<?> handshakeTimer;

    /** An accepted connection: waits for the peer's HELLO. */
    ConnectionHandler(Transport transport) {
        this.transport = transport;
        this.expectedPeer = null;
        this.attempt = null;
        this.state = State.AWAIT_HELLO;
    }

    /** A connection this node opened to {@code peer}: sends HELLO and waits for WELCOME. */
    ConnectionHandler(Transport transport, Transport.Peer peer, Transport.ConnectAttempt attempt) {
        this.transport = transport;
        this.expectedPeer = peer;
        this.attempt = attempt;
        this.state = State.AWAIT_WELCOME;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor()
                .schedule(
                        transport.failStop().guard(() -> handshakeTimedOut(ctx)),
                        transport.handshakeTimeoutMillis(),
                        TimeUnit.MILLISECONDS);
        if (state == State.AWAIT_WELCOME) {
            ctx.writeAndFlush(handshakeFrame(ctx, FrameType.HELLO, expectedPeer.rank(), attempt.lane()));
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (state == State.CLOSED) {
                return;
            }
            long sequence = FrameDescriptor.sequence(frame);
            if (sequence != nextInboundSequence) {
                throw new ProtocolException(
                        "frame sequence number " + sequence + " where " + nextInboundSequence + " was due");
            }
            nextInboundSequence++;
            int type = FrameDescriptor.type(frame);
            int flags = FrameDescriptor.flags(frame);
            frame.skipBytes(FrameDescriptor.HEADER_LENGTH);
            switch (state) {
                case OPEN -> {
                    if (type <= FrameType.REJECT) {
                        throw new ProtocolException(FrameType.name(type) + " frame after the handshake");
                    }
                    transport.dispatch(link, type, flags, frame);
                }
                case AWAIT_HELLO -> onHello(ctx, type, frame);
                case AWAIT_RANK ->
                    throw new ProtocolException(FrameType.name(type) + " frame before the handshake was answered");
                case AWAIT_WELCOME -> onWelcome(ctx, type, frame);
                default -> throw new IllegalStateException(state.name());
            }
        } catch (ProtocolException e) {
            protocolError(ctx, e.getMessage());
        } finally {
            frame.release();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(stamp((ByteBuf) msg), promise);
    }

    /**
     * Gives a frame the next sequence number. Frames written through the channel pass {@link #write};
     * the handshake frames this handler writes itself through its context do not, and call this.
     */
    private ByteBuf stamp(ByteBuf frame) {
        if (frame.isReadable()) {
            frame.setLongLE(frame.readerIndex() + FrameDescriptor.SEQUENCE_OFFSET, nextOutboundSequence++);
        }
        return frame;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (link != null) {
            link.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (FailStop.isFatal(root)) {
            // Netty caught it for the I/O thread, which would go on serving this node's other connections
            // in whatever state the error left them.
            closeCause = root;
            state = State.CLOSED;
            close(ctx);
            transport.failStop().fatal(Thread.currentThread(), root);
        } else if (root instanceof ProtocolException) {
            protocolError(ctx, root.getMessage());
        } else if (attempt == null && link == null && isTlsRefusal(root)) {
            // A stranger, or a peer of another cluster: it never got past TLS, so it learned nothing.
            closeCause = root;
            state = State.CLOSED;
            transport
                    .refusals()
                    .refused(
                            describe(ctx),
                            "not a member (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")");
            close(ctx);
        } else {
            if (closeCause == null) {
                closeCause = root;
            }
            state = State.CLOSED;
            if (root instanceof IOException) {
                LOG.debug("I/O error on {}: {}", describe(ctx), root.toString());
            } else {
                LOG.warn("closing {} after an unexpected error", describe(ctx), root);
            }
            close(ctx);
        }
    }

    /** @return whether {@code t} is a failed TLS handshake or a peer that does not speak TLS */
    private static boolean isTlsRefusal(Throwable t) {
        return t instanceof SSLException || t instanceof NotSslRecordException;
    }

    /** Before this node closes the connection on purpose: the link goes down with {@code cause}. */
    void closeWith(Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        state = State.CLOSED;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        state = State.CLOSED;
        // A link is set only once registered: then it must go down, however the connection ended.
        if (link != null) {
            transport.linkDown(link, closeCause);
        } else if (attempt != null) {
            attempt.failed(
                    closeCause != null ? closeCause.getMessage() : "the connection closed during the handshake", false);
        }
        ctx.fireChannelInactive();
    }

    private void onHello(ChannelHandlerContext ctx, int type, ByteBuf payload) {
        if (type != FrameType.HELLO) {
            throw new ProtocolException("not a Meld peer: the first frame is " + FrameType.name(type) + ", not HELLO");
        }
        HandshakeCodec.Hello hello = HandshakeCodec.decode(payload);
        state = State.AWAIT_RANK;
        // A peer may finish forming the cluster a moment before this node does: its HELLO then waits,
        // on this connection's I/O thread, until this node knows its own rank.
        if (transport.whenRanked(() ->
                ctx.executor().execute(transport.failStop().guard(() -> accept(ctx, hello))))) {
            accept(ctx, hello);
        }
    }

    private void accept(ChannelHandlerContext ctx, HandshakeCodec.Hello hello) {
        if (state != State.AWAIT_RANK) {
            return;
        }
        String refusal = transport.checkHello(hello);
        if (refusal == null && hello.lane() == DirectChannel.LANE) {
            acceptDirect(ctx, hello);
            return;
        }
        if (refusal == null) {
            // Registration refuses a rank that is already connected, atomically with installing it.
            link = new ChannelLink(transport, hello.senderRank(), hello.lane(), hello.incarnation(), ctx.channel());
            refusal = transport.register(link);
        }
        if (refusal != null) {
            link = null;
            reject(ctx, refusal);
            return;
        }
        handshakeTimer.cancel(false);
        ctx.writeAndFlush(handshakeFrame(ctx, FrameType.WELCOME, hello.senderRank(), hello.lane()));
        state = State.OPEN;
        LOG.debug("accepted {}", link);
    }

    /**
     * Accepts a peer's direct channel: WELCOME goes first, written at once on this I/O thread, and only
     * then may the link's senders write the socket themselves and others find the link, so that no frame
     * of theirs can precede it.
     */
    private void acceptDirect(ChannelHandlerContext ctx, HandshakeCodec.Hello hello) {
        handshakeTimer.cancel(false);
        ctx.writeAndFlush(handshakeFrame(ctx, FrameType.WELCOME, hello.senderRank(), hello.lane()));
        link = new ChannelLink(transport, hello.senderRank(), hello.lane(), hello.incarnation(), ctx.channel());
        link.writeRaw(nextOutboundSequence);
        String refusal = transport.register(link);
        if (refusal != null) {
            LOG.warn(
                    "closing a second direct channel from {}: {}", ctx.channel().remoteAddress(), refusal);
            link = null;
            state = State.CLOSED;
            ctx.close();
            return;
        }
        state = State.OPEN;
        LOG.debug("accepted {}", link);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            // A connection that allows half-closure (its senders write it themselves): the peer closed.
            state = State.CLOSED;
            close(ctx);
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Closes the connection, through its link when it has one: a link's senders may be writing it. */
    private void close(ChannelHandlerContext ctx) {
        if (link != null) {
            link.closeChannel();
        } else {
            ctx.close();
        }
    }

    private void onWelcome(ChannelHandlerContext ctx, int type, ByteBuf payload) {
        if (type == FrameType.REJECT) {
            String reason = payload.toString(StandardCharsets.UTF_8);
            closeCause = new ProtocolException("node " + expectedPeer.rank() + " refused the connection: " + reason);
            attempt.failed(closeCause.getMessage(), true);
            ctx.close();
            return;
        }
        if (type != FrameType.WELCOME) {
            throw new ProtocolException("expected WELCOME, got " + FrameType.name(type));
        }
        HandshakeCodec.Hello welcome = HandshakeCodec.decode(payload);
        String refusal = transport.checkWelcome(welcome, expectedPeer, attempt.lane());
        if (refusal == null) {
            link = new ChannelLink(
                    transport, welcome.senderRank(), welcome.lane(), welcome.incarnation(), ctx.channel());
            refusal = transport.register(link);
        }
        if (refusal != null) {
            link = null;
            closeCause = new ProtocolException(refusal);
            attempt.failed(refusal, true);
            ctx.close();
            return;
        }
        handshakeTimer.cancel(false);
        state = State.OPEN;
        attempt.succeeded();
        LOG.debug("connected {}", link);
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        LOG.warn("refusing connection from {}: {}", ctx.channel().remoteAddress(), reason);
        state = State.CLOSED;
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = ctx.alloc().buffer(FrameDescriptor.HEADER_LENGTH + text.length);
        int start = FrameDescriptor.begin(frame, FrameType.REJECT, 0);
        frame.writeBytes(text);
        FrameDescriptor.finish(frame, start);
        ctx.writeAndFlush(stamp(frame)).addListener(ChannelFutureListener.CLOSE);
    }

    private void protocolError(ChannelHandlerContext ctx, String reason) {
        if (state == State.CLOSED && closeCause != null) {
            return;
        }
        transport.badFrames().refused(describe(ctx), reason);
        closeCause = new ProtocolException(reason);
        if (attempt != null && link == null) {
            attempt.failed(reason, true);
        }
        // Also when OPEN: the rest of the read that held the bad frame must not reach a handler.
        state = State.CLOSED;
        close(ctx);
    }

    /**
     * The handshake timer. An accepted connection whose peer says nothing is closed as a protocol error.
     * A connection this node opened whose peer does not answer is closed and tried again while {@link
     * Transport#connect} has time: the peer answers only once it knows its own rank, which it may learn
     * later than this node. A HELLO waiting for this node's rank ({@code AWAIT_RANK}) is not timed out
     * here: the connecting peer's own timer bounds that wait.
     */
    private void handshakeTimedOut(ChannelHandlerContext ctx) {
        long millis = transport.handshakeTimeoutMillis();
        if (state == State.AWAIT_HELLO) {
            // A peer that connects and says nothing is a stranger more often than a member: its line is
            // rate-limited like the others'.
            closeCause = new ProtocolException("no handshake within " + millis + "ms");
            state = State.CLOSED;
            transport.refusals().refused(describe(ctx), "no handshake within " + millis + "ms");
            close(ctx);
        } else if (state == State.AWAIT_WELCOME) {
            String reason = "node " + expectedPeer.rank() + " did not answer the handshake within " + millis + "ms";
            LOG.debug("closing {} to try again: {}", describe(ctx), reason);
            closeCause = new ProtocolException(reason);
            state = State.CLOSED;
            ctx.close(); // channelInactive reports the failure to the attempt, which tries again
        }
    }

    private ByteBuf handshakeFrame(ChannelHandlerContext ctx, int type, int receiverRank, int lane) {
        ByteBuf frame = ctx.alloc().buffer(FrameDescriptor.HEADER_LENGTH + HandshakeCodec.LENGTH);
        int start = FrameDescriptor.begin(frame, type, 0);
        HandshakeCodec.encode(
                frame,
                Transport.PROTOCOL_VERSION,
                lane,
                transport.clusterId(),
                transport.rank(),
                receiverRank,
                transport.size(),
                transport.incarnation());
        FrameDescriptor.finish(frame, start);
        return stamp(frame);
    }

    private String describe(ChannelHandlerContext ctx) {
        return link != null
                ? link.toString()
                : "connection "
                        + (expectedPeer != null
                                ? "to node " + expectedPeer.rank() + " lane " + attempt.lane() + " "
                                : "from ")
                        + ctx.channel().remoteAddress();
    }
}
