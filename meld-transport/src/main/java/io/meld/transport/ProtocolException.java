package io.meld.transport;

import java.io.Serial;

/**
 * A peer broke the protocol: a malformed, truncated, oversize or out-of-sequence frame, or a payload a
 * handler cannot decode. The connection it came on is closed with the message logged; the node goes on
 * serving its other connections.
 */
public final class ProtocolException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong, with the values seen
     */
    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
