package io.meld.collective;

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
    /** Each sender's stream: its total length in bytes and the bytes received of it. */
    final long[] totals;

    final long[] received;
    /** Each sender's array, by element type: only the type of the collective is ever allocated. */
    long[][] longs;

    double[][] doubles;
    byte[][] bytes;

    Round(int size) {
        from = new Signature[size];
        complete = new boolean[size];
        values = new long[size];
        totals = new long[size];
        received = new long[size];
    }

    /** @return the number of nodes */
    int size() {
        return from.length;
    }
}
