package io.meld.transport;

import java.util.Objects;

/**
 * What a node does with what arrives: the {@link FrameHandler} of each frame type and the {@link
 * LinkListener} of links that go down. Given to whatever carries the node's frames ({@link
 * Transport.Builder#handlers}, {@link InMemoryNetwork#attach}), so both dispatch alike.
 *
 * <p><b>Concurrency</b>: filled by one thread before the node connects; read-only after that.
 */
public final class FrameHandlers {
    private final FrameHandler[] handlers = new FrameHandler[FrameType.MAX + 1];
    private LinkListener listener = (link, cause) -> {};

    /**
     * Registers the handler of one frame type; frames of types without a handler close the connection
     * they arrive on.
     *
     * @param type the frame type, above {@link FrameType#REJECT}
     * @param handler its handler
     * @return this
     */
    public FrameHandlers handle(int type, FrameHandler handler) {
        if (type <= FrameType.REJECT || type > FrameType.MAX) {
            throw new IllegalArgumentException("frame type " + type + " is reserved or out of range");
        }
        if (handlers[type] != null) {
            throw new IllegalArgumentException("frame type " + FrameType.name(type) + " already has a handler");
        }
        handlers[type] = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * @param listener told when a link goes down
     * @return this
     */
    public FrameHandlers onLinkDown(LinkListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** @return a copy of the table of handlers, indexed by frame type; {@code null} where none */
    FrameHandler[] table() {
        return handlers.clone();
    }

    LinkListener listener() {
        return listener;
    }
}
