package io.meld.memory;

import io.meld.MeldException;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The requesting side of delegation: completes waiting operations with the answers of {@code
 * MEMORY_REPLIES} frames ({@link ReplyDescriptor}) and fills bulk reads from {@code BULK_DATA} frames
 * ({@link BulkDescriptor}).
 *
 * <p><b>Concurrency</b>: runs on I/O threads. Each answer completes its {@link Pending} once; the
 * waiting thread is woken by it.
 */
final class ReplyHandler {
    private final MemoryService service;

    ReplyHandler(MemoryService service) {
        this.service = service;
    }

    void onReplies(Link link, int flags, ByteBuf p) {
        while (p.isReadable()) {
            int at = p.readerIndex();
            int kind = p.getUnsignedByte(at + ReplyDescriptor.KIND_OFFSET);
            switch (kind) {
                case ReplyDescriptor.VALUES -> {
                    if (p.readableBytes() < ReplyDescriptor.VALUES_HEADER_LENGTH) {
                        throw new ProtocolException("truncated reply record");
                    }
                    int count = p.getIntLE(at + ReplyDescriptor.VALUES_COUNT_OFFSET);
                    p.skipBytes(ReplyDescriptor.VALUES_HEADER_LENGTH);
                    if (count < 0 || (long) count * ReplyDescriptor.ENTRY_LENGTH > p.readableBytes()) {
                        throw new ProtocolException("reply record of " + count + " values overruns the frame");
                    }
                    int first = p.readerIndex();
                    for (int i = 0; i < count; i++) {
                        int entry = first + i * ReplyDescriptor.ENTRY_LENGTH;
                        int id = p.getIntLE(entry + ReplyDescriptor.ENTRY_REQUEST_ID_OFFSET);
                        long value = p.getLongLE(entry + ReplyDescriptor.ENTRY_VALUE_OFFSET);
                        Pending pending = service.pending.take(id);
                        if (pending != null) {
                            pending.complete(value);
                        }
                    }
                    p.skipBytes(count * ReplyDescriptor.ENTRY_LENGTH);
                }
                case ReplyDescriptor.ERROR -> {
                    if (p.readableBytes() < ReplyDescriptor.ERROR_HEADER_LENGTH) {
                        throw new ProtocolException("truncated error record");
                    }
                    int id = p.getIntLE(at + ReplyDescriptor.ERROR_REQUEST_ID_OFFSET);
                    int length = p.getIntLE(at + ReplyDescriptor.ERROR_MESSAGE_LENGTH_OFFSET);
                    p.skipBytes(ReplyDescriptor.ERROR_HEADER_LENGTH);
                    if (length < 0 || length > p.readableBytes()) {
                        throw new ProtocolException("error record of " + length + " bytes overruns the frame");
                    }
                    String message =
                            p.readCharSequence(length, StandardCharsets.UTF_8).toString();
                    Pending pending = service.pending.take(id);
                    if (pending != null) {
                        pending.fail(new MeldException(pending.describe() + " failed: " + message));
                    }
                }
                default -> throw new ProtocolException("unknown reply record kind " + kind);
            }
        }
    }

    void onBulkData(Link link, int flags, ByteBuf p) {
        if (p.readableBytes() < BulkDescriptor.DATA_HEADER_LENGTH
                || (p.readableBytes() - BulkDescriptor.DATA_HEADER_LENGTH) % BulkDescriptor.VALUE_LENGTH != 0) {
            throw new ProtocolException("bulk data frame of " + p.readableBytes() + " bytes");
        }
        int at = p.readerIndex();
        int id = p.getIntLE(at + BulkDescriptor.DATA_REQUEST_ID_OFFSET);
        long position = p.getLongLE(at + BulkDescriptor.DATA_POSITION_OFFSET);
        p.skipBytes(BulkDescriptor.DATA_HEADER_LENGTH);
        Pending pending = service.pending.get(id);
        if (pending instanceof Bulk.Receiving r) {
            if (r.receive(position, p)) {
                service.pending.take(id);
                r.complete(0);
            }
        }
    }
}
