package io.meld.memory;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
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

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Each I/O thread's copy of the frame it is applying; grows to the largest frame seen. */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[64 << 10];
        }
    };

    /** Each I/O thread's slots of a run of additions, widened ({@link #addRun}). */
    private static final FastThreadLocal<long[]> SLOTS = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            return new long[Scatter.BLOCK];
        }
    };

    /** Each I/O thread's operands of a run of accumulations ({@link #accumulateRun}). */
    private static final FastThreadLocal<long[]> OPERANDS = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            return new long[Scatter.BLOCK];
        }
    };

    /** An element of {@link #accumulateRun} that shares its operand: a 4-byte slot. */
    private static final int SLOT_ONLY = OpRunDescriptor.NARROW_SLOT_LENGTH;

    /** An element of {@link #accumulateRun} with an operand of its own: a 4-byte slot, then the operand. */
    private static final int SLOT_AND_OPERAND = OpRunDescriptor.NARROW_SLOT_LENGTH + OpRunDescriptor.OPERAND_LENGTH;

    private static final int LONG_SUM = LongOp.SUM.ordinal();
    private static final int DOUBLE_SUM = DoubleOp.SUM.ordinal();

    private final MemoryService service;

    HomeHandler(MemoryService service) {
        this.service = service;
    }

    void onOps(Link link, int flags, ByteBuf payload) {
        // One copy of the frame into this I/O thread's scratch array, then plain array reads: the
        // per-element reads of the loops below stay cheap, with bounds checks the JIT can hoist.
        int length = payload.readableBytes();
        byte[] b = scratch(length);
        payload.getBytes(payload.readerIndex(), b, 0, length);
        ReplyWriter out = new ReplyWriter(link);
        try {
            applyRuns(b, length, link, out);
        } finally {
            out.finish();
        }
    }

    /**
     * Applies a combining buffer of this node's own fire-and-forget operations on its own elements, on
     * the thread that sends the buffer (its owner, or the flusher). The same loops as for a peer's frame,
     * without answers.
     */
    void applyLocal(byte[] b, int length) {
        applyRuns(b, length, null, null);
    }

    /** Applies the runs in {@code b[0, length)}; {@code link} and {@code out} are null for local runs. */
    private void applyRuns(byte[] b, int length, Link link, ReplyWriter out) {
        int pos = 0;
        while (pos < length) {
            if (length - pos < OpRunDescriptor.HEADER_LENGTH) {
                throw new ProtocolException("run header truncated: " + (length - pos) + " bytes left");
            }
            int opcode = b[pos + OpRunDescriptor.OPCODE_OFFSET] & 0xff;
            int runFlags = b[pos + OpRunDescriptor.FLAGS_OFFSET] & 0xff;
            int operation = b[pos + OpRunDescriptor.OPERATION_OFFSET] & 0xff;
            int arrayId = (int) INT_LE.get(b, pos + OpRunDescriptor.ARRAY_ID_OFFSET);
            int count = (int) INT_LE.get(b, pos + OpRunDescriptor.COUNT_OFFSET);
            check(opcode, runFlags, operation, count);
            long shared = 0;
            if ((runFlags & OpCodec.SHARED) != 0) {
                if (length - pos < OpRunDescriptor.SHARED_OPERAND_OFFSET + OpRunDescriptor.SHARED_OPERAND_LENGTH) {
                    throw new ProtocolException("shared operand truncated");
                }
                shared = (long) LONG_LE.get(b, pos + OpRunDescriptor.SHARED_OPERAND_OFFSET);
            }
            pos += OpRunDescriptor.headerLength(runFlags);
            int element = OpRunDescriptor.elementLength(opcode, runFlags);
            if ((long) count * element > length - pos) {
                throw new ProtocolException("run of " + count + " " + OpCodec.name(opcode) + " operations of " + element
                        + " bytes overruns the frame (" + (length - pos) + " bytes left)");
            }
            if (out == null && OpCodec.answers(opcode)) {
                throw new IllegalStateException(OpCodec.name(opcode) + " in a buffer of local operations");
            }
            if (opcode == OpCodec.FENCE) {
                for (int i = 0; i < count; i++) {
                    out.value((int) INT_LE.get(b, pos + OpRunDescriptor.FENCE_ELEMENT_LENGTH * i), 0);
                }
            } else {
                GlobalStorage s = service.array(arrayId);
                if (s == null) {
                    unknownArray(out, link, opcode, arrayId, count, element, b, pos);
                } else if (opcode == OpCodec.BULK_GET) {
                    for (int i = 0, at = pos; i < count; i++, at += element) {
                        Bulk.serve(
                                link,
                                s,
                                (int) INT_LE.get(b, at + OpRunDescriptor.BULK_GET_REQUEST_ID_OFFSET),
                                (long) LONG_LE.get(b, at + OpRunDescriptor.BULK_GET_SLOT_OFFSET),
                                (int) INT_LE.get(b, at + OpRunDescriptor.BULK_GET_COUNT_OFFSET));
                    }
                } else if (s.isDouble != ((runFlags & OpCodec.DOUBLE) != 0)) {
                    throw new ProtocolException("array '" + s.name + "' is " + (s.isDouble ? "double" : "long")
                            + " but the operations say otherwise");
                } else {
                    apply(s, opcode, runFlags, operation, count, shared, b, pos, out);
                    if (opcode != OpCodec.GET) {
                        s.wakeWaiters();
                    }
                }
            }
            pos += count * element;
        }
    }

    void onBulkPut(Link link, int flags, ByteBuf p) {
        boolean signal = (flags & BulkDescriptor.SIGNAL) != 0;
        int header = BulkDescriptor.putHeaderLength(flags);
        if (p.readableBytes() < header || (p.readableBytes() - header) % BulkDescriptor.VALUE_LENGTH != 0) {
            throw new ProtocolException(
                    "bulk put frame of " + p.readableBytes() + " bytes" + (signal ? " with a signal" : ""));
        }
        int at = p.readerIndex();
        int requestId = p.getIntLE(at + BulkDescriptor.PUT_REQUEST_ID_OFFSET);
        int arrayId = p.getIntLE(at + BulkDescriptor.PUT_ARRAY_ID_OFFSET);
        long slot = p.getLongLE(at + BulkDescriptor.PUT_SLOT_OFFSET);
        int flagsId = 0;
        int signalOp = 0;
        long flagSlot = 0;
        long signalValue = 0;
        if (signal) {
            int sig = at + BulkDescriptor.SIGNAL_OFFSET;
            flagsId = p.getIntLE(sig + BulkDescriptor.SIGNAL_ARRAY_ID_OFFSET);
            signalOp = p.getIntLE(sig + BulkDescriptor.SIGNAL_OPCODE_OFFSET);
            flagSlot = p.getLongLE(sig + BulkDescriptor.SIGNAL_SLOT_OFFSET);
            signalValue = p.getLongLE(sig + BulkDescriptor.SIGNAL_VALUE_OFFSET);
            if (signalOp != OpCodec.PUT && signalOp != OpCodec.ADD) {
                throw new ProtocolException("signal opcode " + signalOp + " is neither PUT nor ADD");
            }
        }
        p.skipBytes(header);
        GlobalStorage s = service.array(arrayId);
        boolean last = (flags & BulkDescriptor.LAST_CHUNK) != 0;
        if (s == null) {
            if (last) {
                ReplyWriter out = new ReplyWriter(link);
                out.error(requestId, missing(arrayId));
                out.finish();
            } else if (signal) {
                LOG.warn(
                        "node {} dropped a put with a signal from node {} into array #{}, which it does not have"
                                + " (freed?)",
                        service.rank(),
                        link.rank(),
                        arrayId);
            }
            return;
        }
        int n = p.readableBytes() / BulkDescriptor.VALUE_LENGTH;
        while (n > 0) {
            int pos = s.position(slot);
            int m = Math.min(n, s.heldFrom(slot));
            ByteBuffer in = p.nioBuffer(p.readerIndex(), m * BulkDescriptor.VALUE_LENGTH)
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (s.isDouble) {
                in.asDoubleBuffer().get(s.doubleChunk(slot), pos, m);
            } else {
                in.asLongBuffer().get(s.longChunk(slot), pos, m);
            }
            p.skipBytes(m * BulkDescriptor.VALUE_LENGTH);
            slot += m;
            n -= m;
        }
        s.wakeWaitersAfterPlainWrites();
        if (signal) {
            // After the data: whoever sees the flag's new value finds the data written.
            GlobalStorage f = service.array(flagsId);
            if (f == null || f.isDouble) {
                throw new ProtocolException("the signal of a put into '" + s.name + "' names array #" + flagsId
                        + ", which is not a long array of node " + service.rank());
            }
            Atomics.applyLong(signalOp, 0, f.longChunk(flagSlot), f.position(flagSlot), signalValue, 0);
            f.wakeWaiters();
        }
        if (last) {
            ReplyWriter out = new ReplyWriter(link);
            out.value(requestId, 0);
            out.finish();
        }
    }

    /**
     * Applies one run from {@code b[pos]}. Streams of fire-and-forget additions of a shared value with
     * 4-byte slots (random increments) take a loop of their own: a read, a shift, a mask and an atomic
     * add per operation.
     */
    private static void apply(
            GlobalStorage s,
            int opcode,
            int flags,
            int operation,
            int count,
            long shared,
            byte[] b,
            int pos,
            ReplyWriter out) {
        boolean wide = (flags & OpCodec.WIDE) != 0;
        boolean isDouble = (flags & OpCodec.DOUBLE) != 0;
        boolean sharedOperand = (flags & OpCodec.SHARED) != 0;
        if (opcode == OpCodec.ADD && sharedOperand && !wide && !isDouble) {
            addRun(s, count, shared, b, pos);
            return;
        }
        if ((opcode == OpCodec.ACCUMULATE || opcode == OpCodec.ADD) && !wide) {
            // Additions of doubles and of different longs are sums: the same loop.
            int op = opcode == OpCodec.ACCUMULATE ? operation : isDouble ? DOUBLE_SUM : LONG_SUM;
            accumulateRun(s, count, isDouble, op, sharedOperand, shared, b, pos);
            return;
        }
        boolean answers = OpCodec.answers(opcode);
        int operands = OpCodec.operands(opcode);
        int at = pos;
        for (int i = 0; i < count; i++) {
            int id = 0;
            if (answers) {
                id = (int) INT_LE.get(b, at);
                at += OpRunDescriptor.REQUEST_ID_LENGTH;
            }
            long slot;
            if (wide) {
                slot = (long) LONG_LE.get(b, at);
                at += OpRunDescriptor.WIDE_SLOT_LENGTH;
            } else {
                slot = (int) INT_LE.get(b, at) & 0xFFFF_FFFFL;
                at += OpRunDescriptor.NARROW_SLOT_LENGTH;
            }
            long a = shared;
            long c = 0;
            if (operands >= 1 && !sharedOperand) {
                a = (long) LONG_LE.get(b, at);
                at += OpRunDescriptor.OPERAND_LENGTH;
            }
            if (operands == 2) {
                c = (long) LONG_LE.get(b, at);
                at += OpRunDescriptor.OPERAND_LENGTH;
            }
            long result = isDouble
                    ? Atomics.applyDouble(opcode, operation, s.doubleChunk(slot), s.position(slot), a, c)
                    : Atomics.applyLong(opcode, operation, s.longChunk(slot), s.position(slot), a, c);
            if (answers) {
                out.value(id, result);
            }
        }
    }

    /**
     * A run of fire-and-forget additions of one value with 4-byte slots: random increments, the
     * commonest run there is. The slots are widened into a scratch array a block at a time and added
     * by {@link Atomics#addAll}, which overlaps the elements' cache misses. A slot outside this node's
     * chunks fails the frame, named; the elements before its block are added.
     */
    private static void addRun(GlobalStorage s, int count, long delta, byte[] b, int pos) {
        long[] slots = SLOTS.get();
        int n = 0;
        try {
            for (int done = 0; done < count; done += n) {
                n = Math.min(slots.length, count - done);
                int at = pos + OpRunDescriptor.NARROW_SLOT_LENGTH * done;
                for (int k = 0; k < n; k++) {
                    slots[k] = (int) INT_LE.get(b, at + OpRunDescriptor.NARROW_SLOT_LENGTH * k) & 0xFFFF_FFFFL;
                }
                Atomics.addAll(s.longChunks, s.chunkShift, s.chunkMask, slots, 0, n, delta);
            }
        } catch (ArrayIndexOutOfBoundsException | NullPointerException e) {
            throw notHeld(s, slots, n);
        }
    }

    /**
     * A run of fire-and-forget accumulations (or additions other than {@link #addRun}'s: of doubles, or of
     * a different long each) with 4-byte slots, each with its own operand or all with {@code shared}:
     * scattered updates such as random access, pushes and histograms. Slots and operands are unpacked a
     * block at a time and applied by {@link Atomics#accumulateAll}, which overlaps the elements' cache
     * misses. A slot outside this node's chunks fails the frame, named; the elements before its block
     * are applied.
     */
    private static void accumulateRun(
            GlobalStorage s,
            int count,
            boolean isDouble,
            int operation,
            boolean sharedOperand,
            long shared,
            byte[] b,
            int pos) {
        long[] slots = SLOTS.get();
        long[] operands = sharedOperand ? null : OPERANDS.get();
        int element = sharedOperand ? SLOT_ONLY : SLOT_AND_OPERAND;
        int n = 0;
        try {
            for (int done = 0; done < count; done += n) {
                n = Math.min(slots.length, count - done);
                int at = pos + element * done;
                for (int k = 0; k < n; k++) {
                    slots[k] = (int) INT_LE.get(b, at + element * k) & 0xFFFF_FFFFL;
                }
                if (operands != null) {
                    for (int k = 0; k < n; k++) {
                        operands[k] =
                                (long) LONG_LE.get(b, at + SLOT_AND_OPERAND * k + OpRunDescriptor.NARROW_SLOT_LENGTH);
                    }
                }
                if (isDouble) {
                    Atomics.accumulateAllDouble(
                            s.doubleChunks, s.chunkShift, s.chunkMask, slots, operands, shared, 0, n, operation);
                } else {
                    Atomics.accumulateAll(
                            s.longChunks, s.chunkShift, s.chunkMask, slots, operands, shared, 0, n, operation);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | NullPointerException e) {
            throw notHeld(s, slots, n);
        }
    }

    /** The error of a run that addressed a slot this node does not hold, naming the first in {@code slots[0, n)}. */
    private static ProtocolException notHeld(GlobalStorage s, long[] slots, int n) {
        for (int k = 0; k < n; k++) {
            try {
                s.heldFrom(slots[k]);
            } catch (ProtocolException e) {
                return e;
            }
        }
        return new ProtocolException("a slot of array '" + s.name + "' is not held by node " + s.rank);
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
    private void unknownArray(
            ReplyWriter out, Link link, int opcode, int arrayId, int count, int element, byte[] b, int pos) {
        if (OpCodec.answers(opcode)) {
            for (int i = 0; i < count; i++) {
                out.error((int) INT_LE.get(b, pos + i * element), missing(arrayId));
            }
        } else {
            LOG.warn(
                    "node {} dropped {} {} operations from {} on array #{}, which it does not have (freed?)",
                    service.rank(),
                    count,
                    OpCodec.name(opcode),
                    link == null ? "itself" : "node " + link.rank(),
                    arrayId);
        }
    }

    private static byte[] scratch(int length) {
        byte[] b = SCRATCH.get();
        if (b.length < length) {
            b = new byte[Math.max(length, b.length * 2)];
            SCRATCH.set(b);
        }
        return b;
    }

    private String missing(int arrayId) {
        return "array #" + arrayId + " is not allocated on node " + service.rank() + " (freed, or never allocated)";
    }
}
