package io.meld.memory;

/**
 * Fire-and-forget additions of one value to many elements: {@code add(long[] indices, ...)}. A block of
 * {@value #BLOCK} indices at a time, the elements' slots are computed and split into this node's and
 * the others', each list in the caller's order; this node's part is added directly, and the others' go
 * into this thread's combining buffer for their home in one pass each (on more than two nodes after a
 * stable counting sort by home, so each home still sees its elements in the caller's order).
 *
 * <p>What the block form saves over one {@code add} per element: the buffer's lookup, compare-and-set and
 * run checks per element (the slots are copied into the open run in a tight loop). The split itself has
 * no branch on the home: taken at random, such a branch is mispredicted every other element, and each
 * misprediction also throws away the cache misses the processor had started for the elements after it.
 * The local elements are then added in groups whose misses overlap ({@link Atomics#addAll}).
 *
 * <p><b>Concurrency</b>: stateless; the caller's thread does all the work on arrays of its own.
 */
final class Scatter {
    /** How many indices are sorted at a time: the scratch arrays stay in the first-level cache. */
    static final int BLOCK = 1024;

    /** Each thread's two lists of slots, this node's and the others'. */
    private static final ThreadLocal<long[][]> SCRATCH = ThreadLocal.withInitial(() -> new long[2][BLOCK]);

    private Scatter() {}

    /**
     * Adds {@code delta} to every element {@code indices[offset, offset + length)} names.
     *
     * @param service the node's memory service
     * @param s the array
     * @param indices the elements
     * @param offset the first position in {@code indices}
     * @param length how many
     * @param delta what to add: a {@code long}, or a {@code double}'s raw bits for a double array
     * @throws IndexOutOfBoundsException naming the first bad position or index, before anything is added
     */
    static void add(MemoryService service, GlobalStorage s, long[] indices, int offset, int length, long delta) {
        check(s, indices, offset, length);
        if (length == 0) {
            return;
        }
        // This node's part is added directly, after the thread's buffered local operations: issue order.
        service.settleLocal();
        long[][] scratch = SCRATCH.get();
        long[] local = scratch[0];
        long[] remote = scratch[1];
        ArrayLayout layout = s.layout;
        int[] homes = s.homes;
        int rank = s.rank;
        int end = offset + length;
        for (int base = offset; base < end; base += BLOCK) {
            int count = Math.min(BLOCK, end - base);
            // Partition without a branch: each slot is written to both lists and only the list it
            // belongs to moves on, so the counters stay in registers and nothing is mispredicted.
            int locals = 0;
            int remotes = 0;
            for (int i = 0; i < count; i++) {
                long slot = layout.slot(indices[base + i]);
                int isLocal = homes[(int) (slot >>> ArrayLayout.CHUNK_SHIFT)] == rank ? 1 : 0;
                local[locals] = slot;
                remote[remotes] = slot;
                locals += isLocal;
                remotes += 1 - isLocal;
            }
            if (locals > 0) {
                if (s.isDouble) {
                    Atomics.addDoubleAll(s.chunks, local, 0, locals, delta);
                } else {
                    Atomics.addAll(s.chunks, local, 0, locals, delta);
                }
            }
            if (remotes > 0) {
                post(service, s, remote, remotes, local, delta);
            }
        }
    }

    /**
     * Sends each home its part of {@code slots[0, count)}: at once when one home has them all (always so
     * on two nodes), else after a stable counting sort by home into {@code sorted}.
     */
    private static void post(
            MemoryService service, GlobalStorage s, long[] slots, int count, long[] sorted, long delta) {
        int first = home(s, slots[0]);
        int i = 1;
        while (i < count && home(s, slots[i]) == first) {
            i++;
        }
        if (i == count) {
            service.postAll(s, first, OpCodec.ADD, slots, 0, count, delta);
            return;
        }
        int nodes = s.layout.nodes();
        int[] start = new int[nodes + 1];
        for (int k = 0; k < count; k++) {
            start[home(s, slots[k]) + 1]++;
        }
        int[] next = new int[nodes];
        for (int h = 0; h < nodes; h++) {
            start[h + 1] += start[h];
            next[h] = start[h];
        }
        for (int k = 0; k < count; k++) {
            sorted[next[home(s, slots[k])]++] = slots[k];
        }
        for (int h = 0; h < nodes; h++) {
            if (start[h] < start[h + 1]) {
                service.postAll(s, h, OpCodec.ADD, sorted, start[h], start[h + 1], delta);
            }
        }
    }

    private static int home(GlobalStorage s, long slot) {
        return s.homes[(int) (slot >>> ArrayLayout.CHUNK_SHIFT)];
    }

    /** Checks the positions, every index and that the array is live, before anything is added. */
    private static void check(GlobalStorage s, long[] indices, int offset, int length) {
        if (length < 0 || offset < 0 || offset > indices.length - length) {
            throw new IndexOutOfBoundsException("positions [" + offset + ", " + offset + " + " + length
                    + ") are outside the index array of length " + indices.length);
        }
        long size = s.layout.length();
        // The sign of index | (size - 1 - index) is set exactly when index is outside [0, size): or-ed
        // over all, one test, no branch per index.
        long outside = 0;
        for (int i = offset; i < offset + length; i++) {
            outside |= indices[i] | (size - 1 - indices[i]);
        }
        if (outside < 0) {
            for (int i = offset; i < offset + length; i++) {
                long index = indices[i];
                if (index < 0 || index >= size) {
                    throw new IndexOutOfBoundsException("index " + index + " (at position " + i + ") is outside array '"
                            + s.name + "' of length " + size + "; nothing was added");
                }
            }
        }
        if (s.state != GlobalStorage.LIVE) {
            throw new IllegalStateException("array '" + s.name + "' " + s.stateText());
        }
    }
}
