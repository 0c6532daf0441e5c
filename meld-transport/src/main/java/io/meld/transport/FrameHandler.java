package io.meld.transport;

import io.netty.buffer.ByteBuf;

/**
 * Receives the frames of one type. Registered with {@link Transport.Builder#handle(int, FrameHandler)}.
 *
 * <p><b>Threading and ownership</b>: called on the I/O thread of the link the frame came on, or, for a
 * {@link DirectChannel}, on whichever thread reads it (its holder, a collective's waiting thread, or the
 * node's sweep on an I/O thread); one frame at a time per link, in the order they were sent. The payload buffer belongs to the transport and is
 * released when the method returns: a handler that keeps bytes copies them (or {@link
 * ByteBuf#retainedSlice() retains} a slice and releases it later). A handler must not block.
 */
@FunctionalInterface
public interface FrameHandler {
    /**
     * Handles one frame.
     *
     * @param link the link it came on; {@link Link#rank()} is the sender
     * @param flags the frame's flags
     * @param payload the payload, from its reader index to its writer index
     * @throws ProtocolException when the payload is malformed: the link is closed
     */
    void onFrame(Link link, int flags, ByteBuf payload);
}
