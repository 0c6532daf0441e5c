package io.meld;

/**
 * A message a node received: who sent it, under which tag, and what it carries. Returned by {@link
 * Meld#receive(int)} and {@link Meld#receive(int, int)}.
 *
 * <p>The payload is what the sender passed to {@code send}, as this node's own copy: a {@code byte[]},
 * {@code long[]} or {@code double[]} (elements bit for bit), or an object rebuilt from its encoding
 * (see {@link Meld#register(Class[])}). The typed accessors say which it is expected to be and fail with
 * a message naming what it is instead. As a record holding an array, two messages are equal only when
 * they hold the same array instance.
 *
 * @param source the rank of the node that sent it (this node's own rank for a message to itself)
 * @param tag the tag it was sent with, 0 or more
 * @param payload what it carries, never {@code null}
 */
public record Message(int source, int tag, Object payload) {
    /**
     * @throws IllegalArgumentException when {@code source} or {@code tag} is negative
     * @throws NullPointerException when {@code payload} is {@code null}
     */
    public Message {
        if (source < 0 || tag < 0) {
            throw new IllegalArgumentException("message source " + source + " and tag " + tag + " must be 0 or more");
        }
        if (payload == null) {
            throw new NullPointerException("message payload");
        }
    }

    /**
     * @return the payload as a {@code byte[]}
     * @throws ClassCastException when it is something else, naming what
     */
    public byte[] bytes() {
        if (payload instanceof byte[] b) {
            return b;
        }
        throw wrongType("a byte[]");
    }

    /**
     * @return the payload as a {@code long[]}
     * @throws ClassCastException when it is something else, naming what
     */
    public long[] longs() {
        if (payload instanceof long[] l) {
            return l;
        }
        throw wrongType("a long[]");
    }

    /**
     * @return the payload as a {@code double[]}
     * @throws ClassCastException when it is something else, naming what
     */
    public double[] doubles() {
        if (payload instanceof double[] d) {
            return d;
        }
        throw wrongType("a double[]");
    }

    /**
     * @param type the class the payload is expected to be an instance of
     * @param <T> that class
     * @return the payload as a {@code T}
     * @throws ClassCastException when it is something else, naming what
     */
    public <T> T object(Class<T> type) {
        if (type.isInstance(payload)) {
            return type.cast(payload);
        }
        throw wrongType("a " + type.getName());
    }

    private ClassCastException wrongType(String expected) {
        return new ClassCastException("the message from node " + source + " with tag " + tag + " carries "
                + describe(payload) + ", not " + expected);
    }

    private static String describe(Object payload) {
        return switch (payload) {
            case byte[] b -> "a byte[" + b.length + "]";
            case long[] l -> "a long[" + l.length + "]";
            case double[] d -> "a double[" + d.length + "]";
            default -> "a " + payload.getClass().getName();
        };
    }

    @Override
    public String toString() {
        return "Message[source=" + source + ", tag=" + tag + ", payload=" + describe(payload) + "]";
    }
}
