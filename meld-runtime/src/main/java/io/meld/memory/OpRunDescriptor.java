package io.meld.memory;

import io.netty.buffer.ByteBuf;

/**
 * The layout of a {@code MEMORY_OPS} frame's payload: a sequence of runs of operations. Little-endian
 * throughout. The values of its fields (opcodes, flags) are {@link OpCodec}'s.
 *
 * <p>A run is a header and {@code count} elements; consecutive operations of one sender with the same
 * opcode, array and flags (and the same operand, when shared) extend the run, so a stream of {@code
 * add(i, 1)} costs 4 bytes per operation on the wire.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |    Opcode     |     Flags     |   Operation   |   Reserved    |  0
 *  +---------------+---------------+---------------+---------------+
 *  |                       Array Id (int32)                        |  4
 *  +---------------------------------------------------------------+
 *  |                       Count (int32)                           |  8
 *  +---------------------------------------------------------------+
 *  |                                                               | 12
 *  +            Shared Operand (int64), when SHARED is set         +
 *  |                                                               | 16
 *  +---------------------------------------------------------------+
 *  |            Elements ...                                      ... 12 or 20
 *  +---------------------------------------------------------------+
 *
 *  Element of an operation, its fields in this order:
 *    [Request Id (int32)]   when the opcode answers
 *    Slot (int32 unsigned, or int64 when WIDE is set)
 *    [Operand (int64)]      when the opcode takes one and SHARED is not set
 *    [Update (int64)]       CAS only: the operand is the expected value
 *
 *  Element of a FENCE run (array id 0):
 *  +---------------------------------------------------------------+
 *  |                       Request Id (int32)                      |  0
 *  +---------------------------------------------------------------+
 *
 *  Element of a BULK_GET run:
 *  +---------------------------------------------------------------+
 *  |                       Request Id (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |                                                               |  4
 *  +                       First Slot (int64)                      +
 *  |                                                               |  8
 *  +---------------------------------------------------------------+
 *  |                       Element Count (int32)                   | 12
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Opcode</b>: one of {@link OpCodec}'s.
 *   <li><b>Flags</b>: {@link OpCodec#WIDE} (8-byte slots), {@link OpCodec#SHARED} (one operand for the
 *       run), {@link OpCodec#DOUBLE} (the array holds doubles: arithmetic is on their values, comparison
 *       on their bits).
 *   <li><b>Operation</b>: for {@link OpCodec#ACCUMULATE} and {@link OpCodec#GET_AND_ACCUMULATE}, the
 *       ordinal of the {@code LongOp} or {@code DoubleOp}; 0 otherwise.
 *   <li><b>Count</b>: the elements that follow the header (and the shared operand).
 *   <li><b>Slot</b>: the element's storage slot ({@link ArrayLayout}): its chunk and position.
 *   <li>A fence request ({@link MemoryService#fence()}) is a frame of one run of one FENCE element,
 *       {@link #FENCE_LENGTH} bytes ({@link #writeFence}); the home answers it once it has applied every
 *       earlier frame of the connection.
 * </ul>
 */
final class OpRunDescriptor {
    /** Offset of the uint8 opcode in a run header. */
    static final int OPCODE_OFFSET = 0;
    /** Offset of the uint8 flags in a run header. */
    static final int FLAGS_OFFSET = 1;
    /** Offset of the uint8 operation in a run header. */
    static final int OPERATION_OFFSET = 2;
    /** Offset of the reserved byte (0) in a run header. */
    static final int RESERVED_OFFSET = 3;
    /** Offset of the int32 array id in a run header. */
    static final int ARRAY_ID_OFFSET = 4;
    /** Offset of the int32 element count in a run header. */
    static final int COUNT_OFFSET = 8;
    /** Length of a run header without a shared operand. */
    static final int HEADER_LENGTH = 12;
    /** Offset of the int64 shared operand, which follows the header when the run has {@link OpCodec#SHARED}. */
    static final int SHARED_OPERAND_OFFSET = HEADER_LENGTH;
    /** Length of the shared operand. */
    static final int SHARED_OPERAND_LENGTH = 8;

    /** Length of an element's int32 request id, its first field when the opcode answers. */
    static final int REQUEST_ID_LENGTH = 4;
    /** Length of an element's slot without {@link OpCodec#WIDE}: an unsigned int32. */
    static final int NARROW_SLOT_LENGTH = 4;
    /** Length of an element's slot with {@link OpCodec#WIDE}: an int64. */
    static final int WIDE_SLOT_LENGTH = 8;
    /** Length of an element's int64 operand, and of CAS's int64 update after it. */
    static final int OPERAND_LENGTH = 8;

    /** Length of a FENCE element: a request id. */
    static final int FENCE_ELEMENT_LENGTH = REQUEST_ID_LENGTH;
    /** Length of a fence request: a run header and one FENCE element. */
    static final int FENCE_LENGTH = HEADER_LENGTH + FENCE_ELEMENT_LENGTH;

    /** Offset of the int32 request id in a BULK_GET element. */
    static final int BULK_GET_REQUEST_ID_OFFSET = 0;
    /** Offset of the int64 first slot in a BULK_GET element. */
    static final int BULK_GET_SLOT_OFFSET = 4;
    /** Offset of the int32 element count in a BULK_GET element. */
    static final int BULK_GET_COUNT_OFFSET = 12;
    /** Length of a BULK_GET element. */
    static final int BULK_GET_ELEMENT_LENGTH = 16;

    private OpRunDescriptor() {}

    /** @return the bytes of a run header with these flags, the shared operand included */
    static int headerLength(int flags) {
        return HEADER_LENGTH + ((flags & OpCodec.SHARED) != 0 ? SHARED_OPERAND_LENGTH : 0);
    }

    /** @return the bytes of a slot with these flags */
    static int slotLength(int flags) {
        return (flags & OpCodec.WIDE) != 0 ? WIDE_SLOT_LENGTH : NARROW_SLOT_LENGTH;
    }

    /** @return the bytes of one element of a run of this opcode with these flags */
    static int elementLength(int opcode, int flags) {
        if (opcode == OpCodec.FENCE) {
            return FENCE_ELEMENT_LENGTH;
        }
        if (opcode == OpCodec.BULK_GET) {
            return BULK_GET_ELEMENT_LENGTH;
        }
        int bytes = (OpCodec.answers(opcode) ? REQUEST_ID_LENGTH : 0) + slotLength(flags);
        int operands = OpCodec.operands(opcode);
        if ((flags & OpCodec.SHARED) != 0 && operands == 1) {
            operands = 0;
        }
        return bytes + OPERAND_LENGTH * operands;
    }

    /**
     * Writes a fence request, {@link #FENCE_LENGTH} bytes, at the buffer's writer index: a run of one
     * FENCE element.
     *
     * @param buf the buffer
     * @param requestId the id the home answers with
     */
    static void writeFence(ByteBuf buf, int requestId) {
        buf.ensureWritable(FENCE_LENGTH);
        int run = buf.writerIndex();
        buf.setByte(run + OPCODE_OFFSET, OpCodec.FENCE);
        buf.setByte(run + FLAGS_OFFSET, 0);
        buf.setByte(run + OPERATION_OFFSET, 0);
        buf.setByte(run + RESERVED_OFFSET, 0);
        buf.setIntLE(run + ARRAY_ID_OFFSET, 0);
        buf.setIntLE(run + COUNT_OFFSET, 1);
        buf.setIntLE(run + HEADER_LENGTH, requestId);
        buf.writerIndex(run + FENCE_LENGTH);
    }
}
