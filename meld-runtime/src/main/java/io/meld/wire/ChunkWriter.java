package io.meld.wire;

import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Puts an array on a link as a stream of frames: the one implementation of chunked sending, for every
 * service whose arrays may be larger than a frame. Each frame is the service's own header, which says
 * where the frame's data starts in the stream and how long the whole stream is, then the data:
 *
 * <pre>
 *  frame 1     | service header (offset 0,       total T) | bytes [0, C)          |
 *  frame 2     | service header (offset C,       total T) | bytes [C, 2C)         |
 *  ...
 *  frame n     | service header (offset (n-1)C,  total T) | bytes [(n-1)C, T)     |
 * </pre>
 *
 * C is the {@linkplain #chunkCapacity chunk capacity}: the link's largest payload less the service's
 * header, rounded down to {@link #ALIGNMENT}, so every frame but the last is full and every frame carries
 * whole elements. An array of 0 bytes is one frame without data: the receiver still learns that it was
 * sent. {@link ChunkAssembler} is the receiving side.
 *
 * <p><b>Buffers</b>: each frame is allocated by the link, filled here and handed to {@link Link#send},
 * which owns it from then on and releases it, also when the link is down.
 *
 * <p><b>Concurrency</b>: no state; any thread. The frames of one call are consecutive on the link only if
 * no other thread sends that service's frames on it meanwhile: the caller excludes them (messaging holds
 * the lane's send lock; a node's collectives are sent by one thread at a time).
 */
public final class ChunkWriter {
    /**
     * Chunks are cut at multiples of 8 bytes, whole elements of every type. Byte arrays are cut there too,
     * which keeps the frames exactly as they were when each service cut its own.
     */
    public static final int ALIGNMENT = 8;

    /** Writes a service's header into each frame of a stream. */
    @FunctionalInterface
    public interface HeaderEncoder {
        /**
         * Writes the header of one frame at the frame's writer index, exactly as many bytes as the header
         * length given to {@link #send}.
         *
         * @param frame the frame, positioned at the start of its payload
         * @param offset where this frame's data starts in the stream, in bytes
         * @param total the length of the whole stream, in bytes
         */
        void encode(ByteBuf frame, long offset, long total);
    }

    private ChunkWriter() {}

    /**
     * @param maxPayload the largest payload of a frame ({@link Link#maxPayload()})
     * @param headerLength the service's header in each frame
     * @return the data bytes each full frame carries
     * @throws IllegalArgumentException when the header leaves no room for a chunk
     */
    public static int chunkCapacity(int maxPayload, int headerLength) {
        int capacity = (maxPayload - headerLength) / ALIGNMENT * ALIGNMENT;
        if (capacity < ALIGNMENT) {
            throw new IllegalArgumentException("a header of " + headerLength + " bytes leaves no room for data in a"
                    + " payload of " + maxPayload + " bytes");
        }
        return capacity;
    }

    /**
     * Sends {@code array} to the link's peer as frames of {@code frameType}, each starting with a header
     * written by {@code header}. Returns once every frame is handed to the link; the caller may change the
     * array at once.
     *
     * @param link where to send
     * @param frameType the frames' type, as for {@link Link#newFrame}
     * @param headerLength the bytes {@code header} writes in each frame
     * @param type the array's element type
     * @param array the array, or {@code null} for one frame without data, as for an empty array
     * @param header writes each frame's header
     * @throws io.meld.NodeFailedException when the link is down
     * @throws IllegalArgumentException when the header leaves no room for data
     * @throws IllegalStateException when {@code header} wrote another length than {@code headerLength}
     */
    public static <A> void send(
            Link link, int frameType, int headerLength, Elements<A> type, A array, HeaderEncoder header) {
        long total = array == null ? 0 : type.byteLength(array);
        int capacity = chunkCapacity(link.maxPayload(), headerLength);
        long offset = 0;
        do {
            int chunk = (int) Math.min(capacity, total - offset);
            ByteBuf frame = link.newFrame(frameType, 0, headerLength + chunk);
            try {
                int start = frame.writerIndex();
                header.encode(frame, offset, total);
                if (frame.writerIndex() - start != headerLength) {
                    throw new IllegalStateException("the header encoder wrote " + (frame.writerIndex() - start)
                            + " bytes instead of " + headerLength);
                }
                if (chunk > 0) {
                    frame.ensureWritable(chunk);
                    ByteBuffer out = frame.nioBuffer(frame.writerIndex(), chunk).order(ByteOrder.LITTLE_ENDIAN);
                    type.encode(array, (int) (offset / type.size()), chunk / type.size(), out);
                    frame.writerIndex(frame.writerIndex() + chunk);
                }
            } catch (RuntimeException e) {
                frame.release();
                throw e;
            }
            link.send(frame);
            offset += chunk;
        } while (offset < total);
    }
}
