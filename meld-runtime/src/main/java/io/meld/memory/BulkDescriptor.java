package io.meld.memory;

/**
 * The layouts of bulk transfer frames ({@link Bulk}): {@code BULK_PUT}, a range written at its home, and
 * {@code BULK_DATA}, a range read at its home. Both are a 16-byte header and int64 values (a double's
 * bits for double arrays). Little-endian throughout.
 *
 * <pre>
 *  BULK_PUT:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                       Request Id (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |                       Array Id (int32)                        |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +                       First Slot (int64)                      +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |         Signal (24 bytes), when the frame flag SIGNAL is set | 16
 *  +---------------------------------------------------------------+
 *  |                       Values (int64) ...                     ... 16 or 40
 *  +---------------------------------------------------------------+
 *
 *  Signal:
 *  +---------------------------------------------------------------+
 *  |                       Flag Array Id (int32)                   |  0
 *  +---------------------------------------------------------------+
 *  |                       Opcode (int32: PUT or ADD)              |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +                       Flag Slot (int64)                       +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                                                               | 16
 *  +                       Value (int64)                           +
 *  |                                                               | 20
 *  +---------------------------------------------------------------+
 *
 *  BULK_DATA:
 *  +---------------------------------------------------------------+
 *  |                       Request Id (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |                       Reserved (0, int32)                     |  4
 *  +---------------------------------------------------------------+
 *  |                                                               |  8
 *  +           Position in the request (int64, elements)           +
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                       Values (int64) ...                     ... 16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>BULK_PUT frame flags</b>: {@link #LAST_CHUNK} marks the last frame of a transfer; the home
 *       answers it (a VALUES record for the request id, {@link ReplyDescriptor}) once every frame of the
 *       transfer is written. A put with a signal sends its frames unanswered (no {@code LAST_CHUNK},
 *       request id 0), and its last frame to the flag's home has the flag {@link #SIGNAL} and the signal,
 *       which the home applies after the values.
 *   <li><b>Position</b>: where the frame's first value goes among the elements the {@code BULK_GET}
 *       asked for; the frames of one request come in order.
 * </ul>
 */
final class BulkDescriptor {
    /** Frame flag of {@code BULK_PUT}: the last frame of an answered transfer. */
    static final int LAST_CHUNK = 1;
    /** Frame flag of {@code BULK_PUT}: a signal follows the header, applied after the values. */
    static final int SIGNAL = 2;

    /** Offset of the int32 request id in a {@code BULK_PUT} payload. */
    static final int PUT_REQUEST_ID_OFFSET = 0;
    /** Offset of the int32 array id in a {@code BULK_PUT} payload. */
    static final int PUT_ARRAY_ID_OFFSET = 4;
    /** Offset of the int64 first slot in a {@code BULK_PUT} payload. */
    static final int PUT_SLOT_OFFSET = 8;
    /** Length of a {@code BULK_PUT} header without a signal. */
    static final int PUT_HEADER_LENGTH = 16;

    /** Offset of the signal in a {@code BULK_PUT} payload with {@link #SIGNAL}. */
    static final int SIGNAL_OFFSET = PUT_HEADER_LENGTH;
    /** Offset of the int32 flag array id in a signal. */
    static final int SIGNAL_ARRAY_ID_OFFSET = 0;
    /** Offset of the int32 opcode in a signal. */
    static final int SIGNAL_OPCODE_OFFSET = 4;
    /** Offset of the int64 flag slot in a signal. */
    static final int SIGNAL_SLOT_OFFSET = 8;
    /** Offset of the int64 value in a signal. */
    static final int SIGNAL_VALUE_OFFSET = 16;
    /** Length of a signal. */
    static final int SIGNAL_LENGTH = 24;

    /** Offset of the int32 request id in a {@code BULK_DATA} payload. */
    static final int DATA_REQUEST_ID_OFFSET = 0;
    /** Offset of the reserved int32 (0) in a {@code BULK_DATA} payload. */
    static final int DATA_RESERVED_OFFSET = 4;
    /** Offset of the int64 position in a {@code BULK_DATA} payload. */
    static final int DATA_POSITION_OFFSET = 8;
    /** Length of a {@code BULK_DATA} header. */
    static final int DATA_HEADER_LENGTH = 16;

    /** Length of a value, after either header. */
    static final int VALUE_LENGTH = 8;

    private BulkDescriptor() {}

    /** @return the bytes of a {@code BULK_PUT} header with these frame flags, the signal included */
    static int putHeaderLength(int flags) {
        return PUT_HEADER_LENGTH + ((flags & SIGNAL) != 0 ? SIGNAL_LENGTH : 0);
    }
}
