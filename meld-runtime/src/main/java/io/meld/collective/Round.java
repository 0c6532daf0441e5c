package io.meld.collective;

import io.meld.wire.ChunkAssembler;
import io.meld.wire.Elements;

/**
 * Everything that arrived for one collective of one node: each sender's signature, whether its
 * contribution is complete, and the contribution itself (a scalar's bits, or an array as its stream fills).
 *
 * <p>Concurrency: filled by the transport's I/O threads under the engine's lock; once complete, the engine
 * removes it from its map under that lock and hands it to the program thread, which alone reads it after.
 */
final class Round {
    final Signature[] from;
    final boolean[] complete;
    /** Each sender's scalar, as its bits. */
    final long[] values;
    /** Each sender's array, from its stream's first frame on. */
    final ChunkAssembler<?>[] streams;

    Round(int size) {
        from = new Signature[size];
        complete = new boolean[size];
        values = new long[size];
        streams = new ChunkAssembler<?>[size];
    }

    /**
     * @return a new array of each sender's array of {@code type}, by rank: {@code null} for a sender that sent
     *     none, or one of another type
     */
    <A> A[] arrays(Elements<A> type) {
        A[] arrays = type.allocateArrays(streams.length);
        for (int r = 0; r < streams.length; r++) {
            if (streams[r] != null && streams[r].type() == type) {
                arrays[r] = type.cast(streams[r].array());
            }
        }
        return arrays;
    }
}
