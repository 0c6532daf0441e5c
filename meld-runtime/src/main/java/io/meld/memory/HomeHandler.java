package io.meld.memory;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home's side of delegation: applies the operations of {@code MEMORY_OPS} and {@code BULK_PUT}
 * frames to this node's chunks and answers them.
 *
 * <p><b>Concurrency</b>: runs on the I/O thread of the connection the frame came on, one frame at a
 * time per connection, so each connection's operations apply in order; operations from different
 * connections (other nodes) run on their own I/O threads in parallel, meeting only in the atomics of
 * {@link Atomics}. Nothing here blocks: answers and bulk data are written to the same connection
 * directly. This handler must stay on the I/O thread: {@link MemoryService#fence()} relies on a FENCE
 * being answered only after every earlier frame of its connection was applied.
 */
final class HomeHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HomeHandler.class);
    private static final int LONG_OPS = LongOp.values().length;
    private static final int DOUBLE_OPS = DoubleOp.values().length;

    private final MemoryService service;

    HomeHandler(MemoryService service) {
        this.service = service;
    }

    void onOps(Link link, int flags, ByteBuf p) {
        ReplyWriter out = new ReplyWriter(link);
        try {
            while (p.isReadable()) {
                if (p.readableBytes() < OpCodec.RUN_HEADER) {
                    throw new ProtocolException("run header truncated: " + p.readableBytes() + " bytes left");
                }
                int opcode = p.readUnsignedByte();
                int runFlags = p.readUnsignedByte();
                int operation = p.readUnsignedByte();
                p.skipBytes(1);
                int arrayId = p.readIntLE();
                int count = p.readIntLE();
                check(opcode, runFlags, operation, count);
                long shared = (runFlags & OpCodec.SHARED) != 0 ? p.readLongLE() : 0;
                int element = OpCodec.elementBytes(opcode, runFlags);
                if ((long) count * element > p.readableBytes()) {
                    throw new ProtocolException("run of " + count + " " + OpCodec.name(opcode) + " operations of "
                            + element + " bytes overruns the frame (" + p.readableBytes() + " bytes left)");
                }
                if (opcode == OpCodec.FENCE) {
                    for (int i = 0; i < count; i++) {
                        out.value(p.readIntLE(), 0);
                    }
                    continue;
                }
                GlobalStorage s = service.array(arrayId);
                if (s == null) {
                    unknownArray(out, link, opcode, arrayId, count, element, p);
                } else if (opcode == OpCodec.BULK_GET) {
                    for (int i = 0; i < count; i++) {
                        Bulk.serve(link, s, p.readIntLE(), p.readLongLE(), p.readIntLE());
                    }
                } else if ((s.isDouble != ((runFlags & OpCodec.DOUBLE) != 0))) {
                    throw new ProtocolException("array '" + s.name + "' is " + (s.isDouble ? "double" : "long")
                            + " but the operations say otherwise");
                } else {
                    apply(s, opcode, runFlags, operation, count, shared, p, out);
                }
            }
        } finally {
            out.finish();
        }
    }

    void onBulkPut(Link link, int flags, ByteBuf p) {
        if (p.readableBytes() < OpCodec.BULK_PUT_HEADER || (p.readableBytes() - OpCodec.BULK_PUT_HEADER) % 8 != 0) {
            throw new ProtocolException("bulk put frame of " + p.readableBytes() + " bytes");
        }
        int requestId = p.readIntLE();
        int arrayId = p.readIntLE();
        long slot = p.readLongLE();
        GlobalStorage s = service.array(arrayId);
        boolean last = (flags & OpCodec.LAST_CHUNK) != 0;
        if (s == null) {
            if (last) {
                ReplyWriter out = new ReplyWriter(link);
                out.error(requestId, missing(arrayId));
                out.finish();
            }
            return;
        }
        int n = p.readableBytes() / 8;
        while (n > 0) {
            long[] chunk = s.localChunk(slot);
            int pos = (int) (slot & ArrayLayout.CHUNK_MASK);
            int m = Math.min(n, chunk.length - pos);
            p.nioBuffer(p.readerIndex(), m * 8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asLongBuffer()
                    .get(chunk, pos, m);
            p.skipBytes(m * 8);
            slot += m;
            n -= m;
        }
        if (last) {
            ReplyWriter out = new ReplyWriter(link);
            out.value(requestId, 0);
            out.finish();
        }
    }

    /**
     * Applies one run. Streams of fire-and-forget additions of a shared value with 4-byte slots (random
     * increments) take a loop of their own: a read, a shift, a mask and an atomic add per operation.
     */
    private static void apply(
            GlobalStorage s, int opcode, int flags, int operation, int count, long shared, ByteBuf p, ReplyWriter out) {
        boolean wide = (flags & OpCodec.WIDE) != 0;
        boolean isDouble = (flags & OpCodec.DOUBLE) != 0;
        boolean sharedOperand = (flags & OpCodec.SHARED) != 0;
        if (opcode == OpCodec.ADD && sharedOperand && !wide && !isDouble) {
            for (int i = 0; i < count; i++) {
                long slot = p.readUnsignedIntLE();
                Atomics.LONGS.getAndAdd(s.localChunk(slot), (int) (slot & ArrayLayout.CHUNK_MASK), shared);
            }
            return;
        }
        boolean answers = OpCodec.answers(opcode);
        int operands = OpCodec.operands(opcode);
        for (int i = 0; i < count; i++) {
            int id = answers ? p.readIntLE() : 0;
            long slot = wide ? p.readLongLE() : p.readUnsignedIntLE();
            long a = operands == 0 ? 0 : sharedOperand ? shared : p.readLongLE();
            long b = operands == 2 ? p.readLongLE() : 0;
            long[] chunk = s.localChunk(slot);
            long result =
                    Atomics.apply(opcode, isDouble, operation, chunk, (int) (slot & ArrayLayout.CHUNK_MASK), a, b);
            if (answers) {
                out.value(id, result);
            }
        }
    }

    private static void check(int opcode, int flags, int operation, int count) {
        if (opcode < 1 || opcode > OpCodec.MAX_OPCODE) {
            throw new ProtocolException("unknown memory opcode " + opcode);
        }
        if ((flags & ~OpCodec.KNOWN_FLAGS) != 0) {
            throw new ProtocolException(
                    "unknown flags 0x" + Integer.toHexString(flags) + " on " + OpCodec.name(opcode));
        }
        if ((flags & OpCodec.SHARED) != 0 && OpCodec.operands(opcode) != 1) {
            throw new ProtocolException(OpCodec.name(opcode) + " cannot share an operand");
        }
        if (count < 0) {
            throw new ProtocolException("run of " + count + " operations");
        }
        boolean accumulates = opcode == OpCodec.ACCUMULATE || opcode == OpCodec.GET_AND_ACCUMULATE;
        int limit = (flags & OpCodec.DOUBLE) != 0 ? DOUBLE_OPS : LONG_OPS;
        if (accumulates ? operation >= limit : operation != 0) {
            throw new ProtocolException("operation " + operation + " on " + OpCodec.name(opcode));
        }
    }

    /** Operations on an array this node does not have (freed already): answered with an error, or dropped. */
    private void unknownArray(ReplyWriter out, Link link, int opcode, int arrayId, int count, int element, ByteBuf p) {
        if (OpCodec.answers(opcode)) {
            for (int i = 0; i < count; i++) {
                out.error(p.getIntLE(p.readerIndex()), missing(arrayId));
                p.skipBytes(element);
            }
        } else {
            p.skipBytes(count * element);
            LOG.warn(
                    "node {} dropped {} {} operations from node {} on array #{}, which it does not have (freed?)",
                    service.rank(),
                    count,
                    OpCodec.name(opcode),
                    link.rank(),
                    arrayId);
        }
    }

    private String missing(int arrayId) {
        return "array #" + arrayId + " is not allocated on node " + service.rank() + " (freed, or never allocated)";
    }
}
