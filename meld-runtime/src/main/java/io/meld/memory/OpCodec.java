package io.meld.memory;

/**
 * The opcodes and flags of remote memory operations, which {@link OpRunDescriptor} lays out in {@code
 * MEMORY_OPS} frames.
 *
 * <ul>
 *   <li><b>Opcodes</b>: those that {@link #answers} carry a request id per element and get a VALUES or
 *       ERROR record back. {@link #FENCE} runs have array id 0 and elements of a request id only; {@link
 *       #BULK_GET} is answered with {@code BULK_DATA} frames.
 *   <li><b>Flags</b>: {@link #WIDE} (8-byte slots), {@link #SHARED} (one operand for the run), {@link
 *       #DOUBLE} (the array holds doubles: arithmetic is on their values, comparison on their bits).
 * </ul>
 */
final class OpCodec {
    // Opcodes. Those that answer carry a request id per element.
    static final int GET = 1;
    static final int SET = 2;
    static final int PUT = 3;
    static final int ADD = 4;
    static final int GET_AND_ADD = 5;
    static final int ADD_AND_GET = 6;
    static final int GET_AND_SET = 7;
    static final int CAS = 8;
    static final int ACCUMULATE = 9;
    static final int GET_AND_ACCUMULATE = 10;
    static final int FENCE = 11;
    static final int BULK_GET = 12;
    static final int MAX_OPCODE = 12;

    // Flags.
    static final int WIDE = 1;
    static final int SHARED = 2;
    static final int DOUBLE = 4;
    static final int KNOWN_FLAGS = WIDE | SHARED | DOUBLE;

    private OpCodec() {}

    /** @return whether elements of this opcode carry a request id and get an answer */
    static boolean answers(int opcode) {
        return opcode != PUT && opcode != ADD && opcode != ACCUMULATE;
    }

    /** @return how many int64 operands an element of this opcode carries, before sharing */
    static int operands(int opcode) {
        return switch (opcode) {
            case GET, FENCE, BULK_GET -> 0;
            case CAS -> 2;
            default -> 1;
        };
    }

    /** @return a name for messages */
    static String name(int opcode) {
        return switch (opcode) {
            case GET -> "get";
            case SET -> "set";
            case PUT -> "put";
            case ADD -> "add";
            case GET_AND_ADD -> "getAndAdd";
            case ADD_AND_GET -> "addAndGet";
            case GET_AND_SET -> "getAndSet";
            case CAS -> "compareAndSet";
            case ACCUMULATE -> "accumulate";
            case GET_AND_ACCUMULATE -> "getAndAccumulate";
            case FENCE -> "fence";
            case BULK_GET -> "bulk get";
            default -> "opcode " + opcode;
        };
    }
}
