package io.meld.checkpoint;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LocalSpan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Moving elements between a global array and the little-endian bytes of a chunk file, and the file
 * operations a checkpoint needs (a file forced to disk, an atomic replace, a directory forced).
 *
 * <p>An {@link Elements} moves a run of consecutive global indices, one buffer at a time, in increasing
 * order: straight from or into the node's own storage when the node holds the run (a {@code BLOCK} array,
 * whose share is the node's part of the {@code BLOCK} split, or any array on one node), otherwise through
 * bulk gets and puts.
 *
 * <p>Not thread-safe: one per array and call, on the thread that runs the checkpoint or restore.
 */
final class ChunkFiles {
    private ChunkFiles() {}

    /**
     * @param length an array's length
     * @param nodes the number of nodes
     * @param p a node
     * @return the first element of node {@code p}'s part of the {@code BLOCK} split of the array
     */
    static long blockStart(long length, int nodes, int p) {
        long q = length / nodes;
        long r = length % nodes;
        return p * q + Math.min(p, r);
    }

    /** @return {@code <f8} for a {@code double} array, {@code <i8} for a {@code long} one */
    static String dtype(GlobalArray a) {
        return a instanceof GlobalDoubleArray ? "<f8" : "<i8";
    }

    /** Moves elements of one array between it and byte buffers. */
    abstract static class Elements {
        /**
         * Copies elements {@code [from, from + n)} into {@code buf}'s positions {@code [0, 8n)}.
         *
         * @param from the first global index; calls go in increasing order
         * @param n how many, at most what {@code buf} holds
         * @param buf a little-endian buffer, cleared
         */
        abstract void toBuffer(long from, int n, ByteBuffer buf);

        /**
         * Copies {@code buf}'s positions {@code [0, 8n)} into elements {@code [from, from + n)}.
         *
         * @param buf a little-endian buffer
         * @param from the first global index; calls go in increasing order
         * @param n how many
         */
        abstract void fromBuffer(ByteBuffer buf, long from, int n);

        /**
         * @param a the array
         * @param lo the first element of the run this node moves
         * @param nodes the cluster's size
         * @param maxElements the most elements one call moves
         * @return the mover: through the node's storage when it holds the run, else through bulk transfers
         */
        static Elements of(GlobalArray a, long lo, int nodes, int maxElements) {
            if (nodes == 1 || a.distribution().kind() == Distribution.Kind.BLOCK) {
                return new Local(a, lo);
            }
            return new Bulk(a, maxElements);
        }
    }

    /**
     * The node's own storage, whose local indices are the run's global indices from {@code lo} on; walked
     * span by span (a span is a run of one chunk of storage).
     */
    private static final class Local extends Elements {
        private final List<LocalSpan> spans;
        private final GlobalArray array;
        private final long lo;
        private int span;
        private Object storage;

        Local(GlobalArray array, long lo) {
            this.array = array;
            this.lo = lo;
            this.spans = array instanceof GlobalDoubleArray d
                    ? d.local().spans()
                    : ((GlobalLongArray) array).local().spans();
        }

        @Override
        void toBuffer(long from, int n, ByteBuffer buf) {
            move(from, n, buf, true);
        }

        @Override
        void fromBuffer(ByteBuffer buf, long from, int n) {
            move(from, n, buf, false);
        }

        private void move(long from, int n, ByteBuffer buf, boolean out) {
            long local = from - lo;
            int done = 0;
            while (done < n) {
                LocalSpan s = spanOf(local + done);
                int pos = s.start() + (int) (local + done - s.localStart());
                int m = Math.min(n - done, s.end() - pos);
                ByteBuffer slice = buf.slice(done * 8, m * 8).order(buf.order());
                if (storage instanceof double[] d) {
                    if (out) {
                        slice.asDoubleBuffer().put(d, pos, m);
                    } else {
                        slice.asDoubleBuffer().get(d, pos, m);
                    }
                } else {
                    long[] l = (long[]) storage;
                    if (out) {
                        slice.asLongBuffer().put(l, pos, m);
                    } else {
                        slice.asLongBuffer().get(l, pos, m);
                    }
                }
                done += m;
            }
        }

        private LocalSpan spanOf(long local) {
            while (span < spans.size()) {
                LocalSpan s = spans.get(span);
                if (local >= s.localStart() && local < s.localStart() + (s.end() - s.start())) {
                    if (storage == null) {
                        storage = array instanceof GlobalDoubleArray d ? s.of(d) : s.of((GlobalLongArray) array);
                    }
                    return s;
                }
                span++;
                storage = null;
            }
            throw new IllegalStateException("local index " + local + " of array '" + array.name()
                    + "' is not held here: the run to move is not this node's share");
        }
    }

    /** Any array, through bulk gets and puts of a staging array. */
    private static final class Bulk extends Elements {
        private final GlobalArray array;
        private final long[] longs;
        private final double[] doubles;

        Bulk(GlobalArray array, int maxElements) {
            this.array = array;
            boolean isDouble = array instanceof GlobalDoubleArray;
            this.longs = isDouble ? null : new long[maxElements];
            this.doubles = isDouble ? new double[maxElements] : null;
        }

        @Override
        void toBuffer(long from, int n, ByteBuffer buf) {
            ByteBuffer b = buf.slice(0, n * 8).order(buf.order());
            if (array instanceof GlobalDoubleArray d) {
                d.get(from, doubles, 0, n);
                b.asDoubleBuffer().put(doubles, 0, n);
            } else {
                ((GlobalLongArray) array).get(from, longs, 0, n);
                b.asLongBuffer().put(longs, 0, n);
            }
        }

        @Override
        void fromBuffer(ByteBuffer buf, long from, int n) {
            ByteBuffer b = buf.slice(0, n * 8).order(buf.order());
            if (array instanceof GlobalDoubleArray d) {
                b.asDoubleBuffer().get(doubles, 0, n);
                d.put(from, doubles, 0, n);
            } else {
                b.asLongBuffer().get(longs, 0, n);
                ((GlobalLongArray) array).put(from, longs, 0, n);
            }
        }
    }

    /** Writes all of {@code buf} at {@code position}. */
    static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            at += ch.write(buf, at);
        }
    }

    /**
     * Reads {@code buf}'s remaining bytes from {@code position}.
     *
     * @throws java.io.EOFException when the file ends first
     */
    static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new java.io.EOFException("the file ends at byte " + at);
            }
            at += n;
        }
    }

    /**
     * Writes a small file atomically: to a temporary file beside it, forced to disk, then renamed over
     * it, and the directory forced. A reader sees the old file or the whole new one, never part of it.
     */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(
                target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, ByteBuffer.wrap(bytes), 0);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Forces a directory's entries to disk (the names of files created or renamed in it), where the file
     * system allows opening a directory; elsewhere (not Linux) the rename's own durability is all there is.
     */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Not every platform opens directories; the files themselves were forced.
        }
    }
}
