package io.meld.memory;

import io.meld.NodeFailedException;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Collects the answers to one incoming frame of operations into {@code MEMORY_REPLIES} frames ({@link
 * ReplyDescriptor}) for the connection it came on, and sends them when the frame is done (or when one
 * fills up).
 *
 * <p>Used on the I/O thread that handles the incoming frame only; sending from there writes at once,
 * without a hand-off.
 */
final class ReplyWriter {
    private static final int INITIAL = 4096;

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
        int needed = ReplyDescriptor.ENTRY_LENGTH + (countAt < 0 ? ReplyDescriptor.VALUES_HEADER_LENGTH : 0);
        if (frame == null || frame.writerIndex() + needed > link.maxFrameSize()) {
            finish();
            frame = link.newFrame(FrameType.MEMORY_REPLIES, 0, INITIAL);
        }
        frame.ensureWritable(needed);
        int at = frame.writerIndex();
        if (countAt < 0) {
            frame.setByte(at + ReplyDescriptor.KIND_OFFSET, ReplyDescriptor.VALUES);
            countAt = at + ReplyDescriptor.VALUES_COUNT_OFFSET;
            count = 0;
            at += ReplyDescriptor.VALUES_HEADER_LENGTH;
        }
        frame.setIntLE(at + ReplyDescriptor.ENTRY_REQUEST_ID_OFFSET, requestId);
        frame.setLongLE(at + ReplyDescriptor.ENTRY_VALUE_OFFSET, value);
        frame.writerIndex(at + ReplyDescriptor.ENTRY_LENGTH);
        count++;
    }

    void error(int requestId, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int needed = ReplyDescriptor.ERROR_HEADER_LENGTH + text.length;
        if (frame == null || frame.writerIndex() + needed > link.maxFrameSize()) {
            finish();
            frame = link.newFrame(FrameType.MEMORY_REPLIES, 0, needed);
        }
        closeValues();
        frame.ensureWritable(needed);
        int at = frame.writerIndex();
        frame.setByte(at + ReplyDescriptor.KIND_OFFSET, ReplyDescriptor.ERROR);
        frame.setIntLE(at + ReplyDescriptor.ERROR_REQUEST_ID_OFFSET, requestId);
        frame.setIntLE(at + ReplyDescriptor.ERROR_MESSAGE_LENGTH_OFFSET, text.length);
        frame.setBytes(at + ReplyDescriptor.ERROR_HEADER_LENGTH, text);
        frame.writerIndex(at + needed);
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
