package io.meld.transport;

import io.meld.NodeFailedException;
import io.netty.buffer.ByteBuf;

/**
 * The connection to one peer on one lane, after a successful handshake: frames sent here arrive at the
 * peer in the order they were sent, and the peer's frames arrive at this node's {@link FrameHandler}s in
 * its order. The services of a node see their peers only through links ({@link Links}), so a protocol
 * runs the same over TCP ({@link Transport}) and in memory ({@link InMemoryNetwork}).
 *
 * <p>This interface is also where per-link concerns will attach without the services changing: counters
 * of frames and bytes, and a sequence/acknowledgement layer that resends after a reconnection (the
 * header's sequence number is stamped per link for it).
 *
 * <p><b>Concurrency</b>: any thread may send, except on a {@link DirectChannel}, which only the thread
 * that holds it uses. Each other link has an I/O thread, on which the peer's frames are handled; frames
 * sent by one thread keep that thread's order. When more than {@code
 * meld.transport.send-buffer} bytes are queued, a sending thread that is not the I/O thread waits until
 * the queue drains to half (back-pressure bounds the memory in flight); the I/O thread itself never
 * waits.
 *
 * <p><b>Buffer ownership</b>: {@link #send(ByteBuf)} takes the buffer; the link releases it once
 * written, or if it cannot be sent.
 */
public interface Link {
    /** @return the peer's rank */
    int rank();

    /** @return which of the connections to the peer this is, from 0 to the lanes less one */
    int lane();

    /** @return the peer's incarnation, as it announced in the handshake */
    long incarnation();

    /** @return whether frames can still be sent on this link */
    boolean isUp();

    /** @return the maximum frame size, header included */
    int maxFrameSize();

    /** @return the largest payload one frame can carry */
    default int maxPayload() {
        return maxFrameSize() - FrameDescriptor.HEADER_LENGTH;
    }

    /** @return whether the calling thread is this link's I/O thread */
    boolean inIoThread();

    /**
     * Allocates a frame with its header written; the caller appends the payload and calls {@link
     * #send(ByteBuf)}.
     *
     * @param type the frame type, above {@link FrameType#REJECT} (the handshake's types belong to the
     *     transport) and at most {@link FrameType#MAX}
     * @param flags the frame's flags, 0 to 255
     * @param payloadCapacity how many payload bytes the caller will write, 0 to {@link #maxPayload()}
     * @return a pooled buffer, positioned at the start of the payload
     * @throws IllegalArgumentException when a value is out of range; nothing is allocated
     */
    ByteBuf newFrame(int type, int flags, int payloadCapacity);

    /**
     * Sends a frame allocated by {@link #newFrame}, setting its length from its writer index. Waits while
     * the link's queue is full, unless called on the I/O thread.
     *
     * @param frame the frame; this link owns it from now on
     * @throws NodeFailedException when the link is down; the frame is released
     * @throws IllegalArgumentException when the frame exceeds the maximum frame size or is shorter than a
     *     header; the frame is released
     */
    void send(ByteBuf frame);

    /** @return whether the link's queue is below its high-water mark */
    boolean isWritableNow();

    /**
     * Runs {@code task} on the I/O thread once the link's queue has drained below its low-water mark
     * (now, if it has). For producers on the I/O thread, which must not block, to send much without
     * queueing it all: they send while {@link #isWritableNow()} and then ask to be called back. Tasks of
     * a link that goes down are dropped.
     *
     * @param task what to run; must be called on this link's I/O thread
     */
    void whenWritable(Runnable task);

    /**
     * @param what what was being done
     * @return the exception that reports this link's failure
     */
    NodeFailedException failure(String what);

    /**
     * Checks the arguments of {@link #newFrame}, for every implementation alike: the header has one byte
     * for the type and one for the flags, so a wider value would be cut silently, and a handshake type
     * closes the connection at the peer.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    static void checkNewFrame(int type, int flags, int payloadCapacity, int maxFrameSize) {
        if (type <= FrameType.REJECT || type > FrameType.MAX) {
            throw new IllegalArgumentException("frame type " + type + " is reserved or out of range ("
                    + (FrameType.REJECT + 1) + ".." + FrameType.MAX + ")");
        }
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("flags " + flags + " do not fit the frame header's byte");
        }
        int maxPayload = maxFrameSize - FrameDescriptor.HEADER_LENGTH;
        if (payloadCapacity < 0 || payloadCapacity > maxPayload) {
            throw new IllegalArgumentException("payload of " + payloadCapacity + " bytes is outside 0.." + maxPayload
                    + ", the largest payload of a frame of " + maxFrameSize + " bytes ("
                    + TransportSettings.MAX_FRAME_SIZE.name() + ", " + FrameDescriptor.HEADER_LENGTH
                    + " of them header)");
        }
    }

    /**
     * Checks a frame handed to {@link #send} and sets its length field, for every implementation alike.
     *
     * @throws IllegalArgumentException when it is shorter than a header or longer than a frame may be;
     *     the frame is released
     */
    static void checkAndSetLength(ByteBuf frame, int maxFrameSize) {
        int length = frame.readableBytes();
        if (length > maxFrameSize || length < FrameDescriptor.HEADER_LENGTH) {
            frame.release();
            throw new IllegalArgumentException("frame of " + length + " bytes is outside "
                    + FrameDescriptor.HEADER_LENGTH + ".." + maxFrameSize + " ("
                    + TransportSettings.MAX_FRAME_SIZE.name() + ")");
        }
        frame.setIntLE(frame.readerIndex() + FrameDescriptor.LENGTH_OFFSET, length);
    }
}
