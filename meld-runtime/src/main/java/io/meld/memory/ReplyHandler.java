package io.meld.memory;

import io.meld.MeldException;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The requesting side of delegation: completes waiting operations with the answers of {@code
 * MEMORY_REPLIES} frames and fills bulk reads from {@code BULK_DATA} frames.
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
            int kind = p.readUnsignedByte();
            switch (kind) {
                case OpCodec.REPLY_VALUES -> {
                    if (p.readableBytes() < 4) {
                        throw new ProtocolException("truncated reply record");
                    }
                    int count = p.readIntLE();
                    if (count < 0 || (long) count * OpCodec.REPLY_VALUE_BYTES > p.readableBytes()) {
                        throw new ProtocolException("reply record of " + count + " values overruns the frame");
                    }
                    for (int i = 0; i < count; i++) {
                        int id = p.readIntLE();
                        long value = p.readLongLE();
                        Pending pending = service.pending.take(id);
                        if (pending != null) {
                            pending.complete(value);
                        }
                    }
                }
                case OpCodec.REPLY_ERROR -> {
                    if (p.readableBytes() < 8) {
                        throw new ProtocolException("truncated error record");
                    }
                    int id = p.readIntLE();
                    int length = p.readIntLE();
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
        if (p.readableBytes() < OpCodec.BULK_DATA_HEADER || (p.readableBytes() - OpCodec.BULK_DATA_HEADER) % 8 != 0) {
            throw new ProtocolException("bulk data frame of " + p.readableBytes() + " bytes");
        }
        int id = p.readIntLE();
        p.skipBytes(4);
        long position = p.readLongLE();
        Pending pending = service.pending.get(id);
        if (pending instanceof Bulk.Receiving r) {
            if (r.receive(position, p)) {
                service.pending.take(id);
                r.complete(0);
            }
        }
    }
}
