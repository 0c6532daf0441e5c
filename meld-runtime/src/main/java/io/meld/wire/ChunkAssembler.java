package io.meld.wire;

import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One array being rebuilt from the frames of its stream ({@link ChunkWriter}): the one implementation of
 * reassembly. It is {@linkplain #start started} when the first chunk of a stream arrives, with the
 * stream's element type and total length, {@linkplain #accept accepts} the chunks in order, and says when
 * the array is whole.
 *
 * <p>A chunk must start where the previous one ended (the first at 0), announce the same total, stay
 * within it and carry whole elements; one that does not is a {@link ProtocolException} that names the
 * sender and the offsets, and the transport closes the connection it came on. A stream whose total is
 * not whole elements, or more than an array holds, fails at its start.
 *
 * <h2>Memory</h2>
 *
 * The total a stream announces is the sender's word, so it is checked ({@link #start}) but not
 * allocated: the array starts at the total or {@value #PREALLOCATED_BYTES} bytes, whichever is less, and
 * doubles as chunks arrive that do not fit, up to the total. A peer that announces a gigabyte and sends a
 * kilobyte costs this node a megabyte at most; beyond that, what a stream holds is never more than twice
 * what arrived, and never more than its total, so the finished array has exactly the total's length.
 *
 * <h2>Concurrency</h2>
 *
 * Not thread-safe. The chunks of one stream come on one link, in order, and its caller hands them over
 * from that link's I/O thread (messaging) or under its own lock (collectives); whoever reads the
 * finished {@link #array()} on another thread gets it through that lock or a queue guarded by one.
 *
 * @param <A> the array type
 */
public final class ChunkAssembler<A> {
    /** The most bytes allocated for a stream before its chunks arrive. */
    static final int PREALLOCATED_BYTES = 1 << 20;

    /** The largest array a JVM allocates, in elements. */
    public static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final String what;
    private final int sender;
    private final Elements<A> type;
    private final long total;
    private A array;
    private long received;
    private boolean complete;

    private ChunkAssembler(String what, int sender, Elements<A> type, long total) {
        this.what = what;
        this.sender = sender;
        this.type = type;
        this.total = total;
        this.array = type.allocate((int) Math.min(total / type.size(), PREALLOCATED_BYTES / type.size()));
    }

    /**
     * Starts a stream whose first chunk has arrived (the caller then {@linkplain #accept accepts} it), and
     * allocates its array.
     *
     * @param what what the stream carries, for messages, e.g. {@code message}
     * @param sender the sending node's rank
     * @param type the element type
     * @param total the stream's length in bytes, as its first chunk announces it
     * @return the stream, with nothing received yet
     * @throws ProtocolException when {@code total} is negative, not whole elements, or more than an array
     *     holds
     */
    public static <A> ChunkAssembler<A> start(String what, int sender, Elements<A> type, long total) {
        if (total < 0 || total % type.size() != 0 || total / type.size() > MAX_ARRAY) {
            throw new ProtocolException("node " + sender + " started a " + what + " of " + total + " bytes, which is"
                    + " not an array of " + type + " elements");
        }
        return new ChunkAssembler<>(what, sender, type, total);
    }

    /**
     * Copies the next chunk into the array: the readable bytes of {@code chunk}, which this consumes.
     *
     * @param offset where the chunk starts in the stream, as its frame says
     * @param total the stream's length, as its frame says
     * @param chunk the chunk's data
     * @return whether the array is whole now
     * @throws ProtocolException when the chunk does not continue the stream, leaves its total, or does not
     *     carry whole elements; nothing is copied
     */
    public boolean accept(long offset, long total, ByteBuf chunk) {
        int length = chunk.readableBytes();
        if (complete || offset != received || total != this.total) {
            throw new ProtocolException(what + " chunk from node " + sender + " at offset " + offset + " of " + total
                    + " bytes, expected " + (complete ? "none after the end" : "offset " + received) + " of "
                    + this.total);
        }
        if (length > total - offset || length % type.size() != 0) {
            throw new ProtocolException(what + " chunk from node " + sender + " at offset " + offset + " of " + total
                    + " bytes carries " + length + " bytes: more than the rest, or not whole " + type + " elements");
        }
        if (length > 0) {
            int end = (int) ((offset + length) / type.size());
            if (end > type.length(array)) {
                long doubled = 2L * type.length(array);
                array = type.resize(array, (int) Math.min(total / type.size(), Math.max(end, doubled)));
            }
            ByteBuffer in = chunk.nioBuffer(chunk.readerIndex(), length).order(ByteOrder.LITTLE_ENDIAN);
            type.decode(in, array, (int) (offset / type.size()), length / type.size());
            chunk.skipBytes(length);
            received += length;
        }
        complete = received == total;
        return complete;
    }

    /** @return whether every chunk has arrived */
    public boolean isComplete() {
        return complete;
    }

    /** @return the array, whole once {@link #isComplete()}; before, a buffer that may still be replaced */
    public A array() {
        return array;
    }

    /** @return the element type */
    public Elements<A> type() {
        return type;
    }

    /** @return the stream's length in bytes */
    public long total() {
        return total;
    }

    /** @return the bytes received so far */
    public long received() {
        return received;
    }
}
