package io.meld.memory;

import io.meld.NodeFailedException;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Collects the answers to one incoming frame of operations into {@code MEMORY_REPLIES} frames for the
 * connection it came on, and sends them when the frame is done (or when one fills up).
 *
 * <p>Used on the I/O thread that handles the incoming frame only; sending from there writes at once,
 * without a hand-off.
 */
final class ReplyWriter {
    private static final int INITIAL = 4096;
    /** A VALUES record's kind byte and count, written before its first value. */
    private static final int VALUES_HEADER = 1 + 4;

    private final Link link;
    private ByteBuf frame;
    private int countAt = -1;
    private int count;

    ReplyWriter(Link link) {
        this.link = link;
    }

    void value(int requestId, long value) {
        // A value that opens a record (the first of a frame, or the first after an error record) brings
        // the record's header with it: both must fit, or the frame exceeds the limit and the link breaks.
        int needed = OpCodec.REPLY_VALUE_BYTES + (countAt < 0 ? VALUES_HEADER : 0);
        if (frame == null || frame.writerIndex() + needed > link.maxFrameSize()) {
            finish();
            frame = link.newFrame(FrameType.MEMORY_REPLIES, 0, INITIAL);
        }
        if (countAt < 0) {
            frame.writeByte(OpCodec.REPLY_VALUES);
            countAt = frame.writerIndex();
            frame.writeIntLE(0);
            count = 0;
        }
        frame.writeIntLE(requestId).writeLongLE(value);
        count++;
    }

    void error(int requestId, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int needed = 1 + 8 + text.length;
        if (frame == null || frame.writerIndex() + needed > link.maxFrameSize()) {
            finish();
            frame = link.newFrame(FrameType.MEMORY_REPLIES, 0, needed);
        }
        closeValues();
        frame.writeByte(OpCodec.REPLY_ERROR)
                .writeIntLE(requestId)
                .writeIntLE(text.length)
                .writeBytes(text);
    }

    /** Sends what was collected. */
    void finish() {
        if (frame == null) {
            return;
        }
        closeValues();
        ByteBuf f = frame;
        frame = null;
        try {
            link.send(f);
        } catch (NodeFailedException e) {
            // The requester is gone; its waiting operations fail on its side.
        }
    }

    private void closeValues() {
        if (countAt >= 0) {
            frame.setIntLE(countAt, count);
            countAt = -1;
        }
    }
}
