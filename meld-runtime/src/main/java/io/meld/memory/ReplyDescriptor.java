package io.meld.memory;

/**
 * The layout of a {@code MEMORY_REPLIES} frame's payload: a sequence of records, each starting with a
 * one-byte kind, that answer the operations of {@code MEMORY_OPS} frames ({@link OpRunDescriptor}) and
 * the last frames of answered bulk puts. Little-endian throughout; records are not aligned.
 *
 * <pre>
 *  VALUES record: answers, in the order their operations were applied
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+-----------------------------------------------+
 *  |   Kind (1)    |               Count (int32) ...               |  0
 *  +---------------+-----------------------------------------------+
 *  |  ... Count    |   Count x Value Entry ...                    ...  4
 *  +---------------+-----------------------------------------------+
 *
 *  Value entry:
 *  +---------------------------------------------------------------+
 *  |                       Request Id (int32)                      |  0
 *  +---------------------------------------------------------------+
 *  |                                                               |  4
 *  +                       Value (int64)                           +
 *  |                                                               |  8
 *  +---------------------------------------------------------------+
 *
 *  ERROR record: an operation or transfer that failed at its home
 *  +---------------+-----------------------------------------------+
 *  |   Kind (2)    |             Request Id (int32) ...            |  0
 *  +---------------+-----------------------------------------------+
 *  | ... Req. Id   |          Message Length (int32) ...           |  4
 *  +---------------+-----------------------------------------------+
 *  | ... Length    |   Message (UTF-8, Message Length bytes) ...  ...  8
 *  +---------------+-----------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>Value</b>: the operation's result (a double's bits for double arrays; 1 or 0 for CAS); 0 for
 *       a fence or a bulk put.
 *   <li>A record of another kind closes the connection.
 * </ul>
 */
final class ReplyDescriptor {
    /** Kind of a VALUES record. */
    static final int VALUES = 1;
    /** Kind of an ERROR record. */
    static final int ERROR = 2;

    /** Offset of the uint8 kind in every record. */
    static final int KIND_OFFSET = 0;
    /** Length of the kind. */
    static final int KIND_LENGTH = 1;

    /** Offset of the int32 count in a VALUES record. */
    static final int VALUES_COUNT_OFFSET = 1;
    /** Length of a VALUES record before its first entry. */
    static final int VALUES_HEADER_LENGTH = 5;

    /** Offset of the int32 request id in a value entry. */
    static final int ENTRY_REQUEST_ID_OFFSET = 0;
    /** Offset of the int64 value in a value entry. */
    static final int ENTRY_VALUE_OFFSET = 4;
    /** Length of a value entry. */
    static final int ENTRY_LENGTH = 12;

    /** Offset of the int32 request id in an ERROR record. */
    static final int ERROR_REQUEST_ID_OFFSET = 1;
    /** Offset of the int32 message length in an ERROR record. */
    static final int ERROR_MESSAGE_LENGTH_OFFSET = 5;
    /** Length of an ERROR record before its message. */
    static final int ERROR_HEADER_LENGTH = 9;

    private ReplyDescriptor() {}
}
