package io.meld.transport;

/**
 * Every frame type of the Meld protocol, in one place so that numbers are never reused. The transport
 * owns the handshake types; the runtime registers a {@link FrameHandler} for each of the others.
 */
public final class FrameType {
    /** Handshake, connecting side: {@link HandshakeCodec}. Always sequence number 0. */
    public static final int HELLO = 1;
    /** Handshake, accepting side's answer: {@link HandshakeCodec}. Always sequence number 0. */
    public static final int WELCOME = 2;
    /** Handshake refused: a UTF-8 reason; the sender closes the connection after it. */
    public static final int REJECT = 3;
    /** Collective operations (barrier, reductions, broadcast, close): laid out by the runtime. */
    public static final int COLLECTIVE = 8;
    /** Remote memory operations, in runs: laid out by the runtime ({@code OpRunDescriptor}). */
    public static final int MEMORY_OPS = 16;
    /** Answers to remote memory operations. */
    public static final int MEMORY_REPLIES = 17;
    /** Part of a range written at its home (bulk put). */
    public static final int BULK_PUT = 18;
    /** Part of a range read at its home (bulk get), on its way back. */
    public static final int BULK_DATA = 19;
    /** Requests to a lock's or latch's home, and its answers: laid out by the runtime ({@code SyncCodec}). */
    public static final int SYNC = 24;
    /** Remote tasks, their results and finish reports: laid out by the runtime ({@code TaskCodec}). */
    public static final int TASK = 32;
    /** One chunk of a message (send/receive), or a sender's BYE: laid out by the runtime ({@code MessageCodec}). */
    public static final int MESSAGE = 40;
    /** Flow control of messages: a receiver's grant of window, or a waiting sender's request for one. */
    public static final int MESSAGE_CREDIT = 41;
    /**
     * A node's last word to a peer the cluster declared failed: a UTF-8 reason, written on each connection
     * to the peer just before it closes ({@link Links#disconnect}), read by the peer if it ever runs again
     * (a frozen process woken up).
     */
    public static final int EVICTED = 48;

    /** The largest type number; types are one unsigned byte. */
    public static final int MAX = 255;

    private FrameType() {}

    /**
     * @param type a frame type number
     * @return its name, or {@code unknown(n)}
     */
    public static String name(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case WELCOME -> "WELCOME";
            case REJECT -> "REJECT";
            case COLLECTIVE -> "COLLECTIVE";
            case MEMORY_OPS -> "MEMORY_OPS";
            case MEMORY_REPLIES -> "MEMORY_REPLIES";
            case BULK_PUT -> "BULK_PUT";
            case BULK_DATA -> "BULK_DATA";
            case SYNC -> "SYNC";
            case TASK -> "TASK";
            case MESSAGE -> "MESSAGE";
            case MESSAGE_CREDIT -> "MESSAGE_CREDIT";
            case EVICTED -> "EVICTED";
            default -> "unknown(" + type + ")";
        };
    }
}
