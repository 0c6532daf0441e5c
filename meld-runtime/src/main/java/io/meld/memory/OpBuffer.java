package io.meld.memory;

import io.meld.transport.DirectChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The combining buffer of one sending thread for one destination node: operations are appended as runs
 * ({@link OpRunDescriptor}) and the whole buffer goes out as one frame when it is full, when its thread fences
 * or blocks on that node, or when the flusher finds it idle.
 *
 * <h2>Concurrency</h2>
 *
 * Owned by one {@link Sender}'s thread, which appends; the flusher thread may take an idle buffer to
 * send it. They exclude each other with {@link #state}: the owner moves it FREE to OWNER around each
 * append (one uncontended compare-and-set, on a line no other thread writes while the buffer is busy),
 * the flusher FREE to FLUSHER. Neither holds it across anything but an append or a send. The flusher
 * reads the owner's position (opaque, racy by design) and compares it with what it saw last time to
 * tell an idle buffer from a busy one; a stale read can only make it send a busy buffer early, which
 * the state word keeps safe.
 *
 * <p>The encoding state (position, open run) is plain: only the holder of {@link #state} touches it,
 * and the compare-and-set / release pair orders those accesses between holders.
 */
final class OpBuffer {
    static final int FREE = 0;
    static final int OWNER = 1;
    static final int FLUSHER = 2;

    private static final VarHandle STATE;
    private static final VarHandle POS;
    private static final VarHandle EMPTY;
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(OpBuffer.class, "state", int.class);
            POS = lookup.findVarHandle(OpBuffer.class, "pos", int.class);
            EMPTY = lookup.findVarHandle(OpBuffer.class, "empty", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Sender owner;
    final int destination;
    private final MemoryService service;
    private final byte[] data;
    private int pos;
    private int runStart = -1;
    private int runKey;
    private int runArray;
    private long runShared;
    private int runCount;

    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    @SuppressWarnings("unused") // through EMPTY
    private boolean empty = true;

    /** Whether the buffer went from empty to holding operations in the current hold; the holder's. */
    private boolean dirtiedInHold;

    /** The flusher's last look at the position; only the flusher thread uses it. */
    int flusherSeen;

    /** How many looks of the flusher in a row found the buffer unchanged; only the flusher uses it. */
    int flusherIdleLooks;

    OpBuffer(MemoryService service, Sender owner, int destination, int capacity) {
        this.service = service;
        this.owner = owner;
        this.destination = destination;
        this.data = new byte[capacity];
    }

    /**
     * Takes the buffer for the owner; waits while the flusher, or another virtual thread sharing the
     * sender, holds it.
     */
    void acquire() {
        if (!STATE.compareAndSet(this, FREE, OWNER)) {
            acquireContended();
        }
    }

    /** Waits for the buffer by the node's {@linkplain Waiting#backOff back-off}. */
    private void acquireContended() {
        boolean virtual = Thread.currentThread().isVirtual();
        for (int round = 0; !STATE.compareAndSet(this, FREE, OWNER); round++) {
            Waiting.backOff(round, virtual);
        }
    }

    /**
     * Whether the buffer is empty, as its owner sees it without taking it: only the owner makes it
     * non-empty, so when the owner reads 0 it is empty (the flusher may empty it at any time, which a
     * stale non-zero read merely makes the owner check again under the state word). {@link #flush()}
     * empties it only after sending (or, for this node, applying) what it held, so 0 also means that
     * is done; the acquire pairs with flush's release, so the owner sees what applying it wrote.
     */
    boolean isEmptyForOwner() {
        return (int) POS.getAcquire(this) == 0;
    }

    /** @return whether the flusher took the buffer */
    boolean tryAcquireForFlusher() {
        return STATE.compareAndSet(this, FREE, FLUSHER);
    }

    void release() {
        // The flusher is woken for a buffer that this hold left holding operations, not for one that
        // went out before the hold ended: a blocking operation's request, which its thread sends at once,
        // would otherwise wake it for nothing (a wake-up costs tens of microseconds on a virtual machine).
        boolean wake = dirtiedInHold && pos > 0;
        dirtiedInHold = false;
        STATE.setRelease(this, FREE);
        if (wake) {
            service.wakeFlusher();
        }
    }

    /** @return the owner's position, as the flusher sees it */
    int positionSeen() {
        return (int) POS.getOpaque(this);
    }

    /** @return whether the buffer held nothing at its last change, as another thread sees it */
    boolean looksEmpty() {
        return (boolean) EMPTY.getOpaque(this);
    }

    /**
     * Appends one operation on an array element. A single operand is shared by the run (written once
     * in its header) unless the open run of the same kind already carries operands per element, or
     * shares a different one: streams like {@code add(i, 1)} cost only the slot per operation, and
     * streams of varying operands cost one run header. The caller holds the buffer.
     *
     * @param opcode the {@link OpCodec} opcode
     * @param baseFlags {@link OpCodec#WIDE} and {@link OpCodec#DOUBLE} as the array needs
     * @param operation the accumulate operation's ordinal, or 0
     * @param array the array id
     * @param requestId the request id, for opcodes that answer
     * @param slot the element's slot
     * @param a the first operand, if the opcode takes one
     * @param b the second operand (CAS's new value)
     */
    void append(int opcode, int baseFlags, int operation, int array, int requestId, long slot, long a, long b) {
        // The common case first: the open run shares this operation's operand, so the element is the
        // request id (if any) and the slot.
        if (runStart >= 0
                && array == runArray
                && a == runShared
                && runKey == (opcode | (baseFlags | OpCodec.SHARED) << 8 | operation << 16)) {
            boolean answers = OpCodec.answers(opcode);
            boolean wide = (baseFlags & OpCodec.WIDE) != 0;
            int bytes = (answers ? OpRunDescriptor.REQUEST_ID_LENGTH : 0)
                    + (wide ? OpRunDescriptor.WIDE_SLOT_LENGTH : OpRunDescriptor.NARROW_SLOT_LENGTH);
            int at = pos;
            if (at + bytes <= data.length) {
                if (answers) {
                    INT_LE.set(data, at, requestId);
                    at += OpRunDescriptor.REQUEST_ID_LENGTH;
                }
                putSlot(at, slot, wide);
                pos += bytes;
                runCount++;
                return;
            }
        }
        appendToNewRun(opcode, baseFlags, operation, array, requestId, slot, a, b);
    }

    /**
     * Appends one fire-and-forget operation per slot of {@code slots[from, to)}, all with the operand
     * {@code a}: each time round, one {@link #append} opens (or extends) a run sharing {@code a}, then as
     * many slots as fit are copied into it in one loop. The caller holds the buffer.
     *
     * @param opcode an {@link OpCodec} opcode that takes one operand and answers nothing
     */
    void appendAll(int opcode, int baseFlags, int array, long a, long[] slots, int from, int to) {
        boolean wide = (baseFlags & OpCodec.WIDE) != 0;
        int bytes = wide ? OpRunDescriptor.WIDE_SLOT_LENGTH : OpRunDescriptor.NARROW_SLOT_LENGTH;
        int key = opcode | (baseFlags | OpCodec.SHARED) << 8;
        int i = from;
        while (i < to) {
            append(opcode, baseFlags, 0, array, 0, slots[i++], a, 0);
            if (runStart < 0 || runKey != key || runArray != array || runShared != a) {
                continue; // the open run carries operands per element: one at a time
            }
            int n = Math.min(to - i, (data.length - pos) / bytes);
            int at = pos;
            if (wide) {
                for (int k = 0; k < n; k++) {
                    LONG_LE.set(data, at + OpRunDescriptor.WIDE_SLOT_LENGTH * k, slots[i + k]);
                }
            } else {
                for (int k = 0; k < n; k++) {
                    INT_LE.set(data, at + OpRunDescriptor.NARROW_SLOT_LENGTH * k, (int) slots[i + k]);
                }
            }
            pos = at + n * bytes;
            runCount += n;
            i += n;
        }
    }

    /**
     * The rest of {@link #append}: the operation starts a run, or carries its own operand, or the buffer
     * is full. Apart, so that the common case stays small enough for the JIT to inline into its callers.
     */
    private void appendToNewRun(
            int opcode, int baseFlags, int operation, int array, int requestId, long slot, long a, long b) {
        int operands = OpCodec.operands(opcode);
        int flags = baseFlags;
        if (operands == 1 && shareable(opcode | baseFlags << 8 | operation << 16, array, a)) {
            flags |= OpCodec.SHARED;
        }
        int at = element(opcode, flags, operation, array, a, OpRunDescriptor.elementLength(opcode, flags));
        if (OpCodec.answers(opcode)) {
            INT_LE.set(data, at, requestId);
            at += OpRunDescriptor.REQUEST_ID_LENGTH;
        }
        at = putSlot(at, slot, (flags & OpCodec.WIDE) != 0);
        if (operands == 2) {
            LONG_LE.set(data, at, a);
            LONG_LE.set(data, at + OpRunDescriptor.OPERAND_LENGTH, b);
        } else if (operands == 1 && (flags & OpCodec.SHARED) == 0) {
            LONG_LE.set(data, at, a);
        }
    }

    /** Appends a request for {@code count} elements from {@code slot} on, answered with BULK_DATA frames. */
    void appendBulkGet(int array, int requestId, long slot, int count) {
        int at = element(OpCodec.BULK_GET, 0, 0, array, 0, OpRunDescriptor.BULK_GET_ELEMENT_LENGTH);
        INT_LE.set(data, at + OpRunDescriptor.BULK_GET_REQUEST_ID_OFFSET, requestId);
        LONG_LE.set(data, at + OpRunDescriptor.BULK_GET_SLOT_OFFSET, slot);
        INT_LE.set(data, at + OpRunDescriptor.BULK_GET_COUNT_OFFSET, count);
    }

    /** Whether an operand should be shared by a new or the open run. */
    private boolean shareable(int key, int array, long operand) {
        if (runStart < 0 || key != (runKey & ~(OpCodec.SHARED << 8)) || array != runArray) {
            return true;
        }
        boolean openShares = (runKey & (OpCodec.SHARED << 8)) != 0;
        return openShares && operand == runShared;
    }

    /**
     * Reserves room for one element of a run, extending the open run when it matches. May send the
     * buffer first to make room.
     *
     * @return where the element goes
     */
    private int element(int opcode, int flags, int operation, int array, long shared, int elementBytes) {
        int key = opcode | flags << 8 | operation << 16;
        if (runStart >= 0
                && key == runKey
                && array == runArray
                && ((flags & OpCodec.SHARED) == 0 || shared == runShared)
                && pos + elementBytes <= data.length) {
            runCount++;
            return advance(elementBytes);
        }
        int header = OpRunDescriptor.headerLength(flags);
        if (pos + header + elementBytes > data.length) {
            flush();
        }
        closeRun();
        if (pos == 0) {
            EMPTY.setOpaque(this, false);
            service.dirtied(destination);
            dirtiedInHold = true;
        }
        runStart = pos;
        runKey = key;
        runArray = array;
        runShared = shared;
        runCount = 1;
        data[pos + OpRunDescriptor.OPCODE_OFFSET] = (byte) opcode;
        data[pos + OpRunDescriptor.FLAGS_OFFSET] = (byte) flags;
        data[pos + OpRunDescriptor.OPERATION_OFFSET] = (byte) operation;
        data[pos + OpRunDescriptor.RESERVED_OFFSET] = 0;
        INT_LE.set(data, pos + OpRunDescriptor.ARRAY_ID_OFFSET, array);
        if ((flags & OpCodec.SHARED) != 0) {
            LONG_LE.set(data, pos + OpRunDescriptor.SHARED_OPERAND_OFFSET, shared);
        }
        pos += header;
        return advance(elementBytes);
    }

    /** Writes a slot, 4 or 8 bytes; returns the position after it. */
    private int putSlot(int at, long slot, boolean wide) {
        if (wide) {
            LONG_LE.set(data, at, slot);
            return at + OpRunDescriptor.WIDE_SLOT_LENGTH;
        }
        INT_LE.set(data, at, (int) slot);
        return at + OpRunDescriptor.NARROW_SLOT_LENGTH;
    }

    /**
     * Sends what the buffer holds as one frame, if anything. The caller holds the buffer. The buffer is
     * empty afterwards even when sending fails (the operations in it are then lost with their
     * destination, and the failure propagates).
     */
    void flush() {
        send(true);
    }

    /**
     * {@link #flush()} for a caller that will wait for the answer to the buffer's last operation: the
     * whole frame is applied at the home by the time that answer comes, so no fence needs to cover it
     * ({@link MemoryService#sendOps}).
     */
    void flushAwaited() {
        send(false, null);
    }

    /** {@link #flushAwaited()} through {@code direct}, which the caller holds, instead of the lane. */
    void flushAwaited(DirectChannel direct) {
        send(false, direct);
    }

    private void send(boolean unawaited) {
        send(unawaited, null);
    }

    private void send(boolean unawaited, DirectChannel direct) {
        if (pos == 0) {
            return;
        }
        closeRun();
        int length = pos;
        runStart = -1;
        try {
            service.sendOps(owner, destination, data, length, unawaited, direct);
        } finally {
            EMPTY.setOpaque(this, true);
            service.cleaned(destination);
            // Empty only once sent, which for this node's own buffer means applied: an owner that reads
            // 0 without taking the buffer (isEmptyForOwner) then knows its operations are done, also
            // when the flusher sent them. Release, so that it also sees what applying them wrote.
            POS.setRelease(this, 0);
        }
    }

    private int advance(int elementBytes) {
        int at = pos;
        pos += elementBytes;
        return at;
    }

    private void closeRun() {
        if (runStart >= 0) {
            INT_LE.set(data, runStart + OpRunDescriptor.COUNT_OFFSET, runCount);
            runStart = -1;
        }
    }
}
