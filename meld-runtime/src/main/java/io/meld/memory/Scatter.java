package io.meld.memory;

import io.meld.DoubleOp;

/**
 * Fire-and-forget updates of many elements in one call: {@code add(long[] indices, ...)} and {@code
 * accumulate(long[] indices, op, values, ...)}. A block of {@value #BLOCK} indices at a time, the
 * elements' slots are computed and split into this node's and the others', each list in the caller's
 * order; this node's part is added directly, and the others' go into this thread's combining buffer
 * for their home in one pass each (on more than two nodes after a stable counting sort by home, so each
 * home still sees its elements in the caller's order).
 *
 * <p>What the block form saves over one {@code add} per element: the buffer's lookup, compare-and-set and
 * run checks per element (the slots are copied into the open run in a tight loop). The split itself has
 * no branch on the home: taken at random, such a branch is mispredicted every other element, and each
 * misprediction also throws away the cache misses the processor had started for the elements after it.
 * The local elements are then added in groups whose misses overlap ({@link Atomics#addAll}).
 *
 * <p>{@code accumulate(long[] indices, op, values, ...)} splits the same way, each element's value
 * travelling with its slot; the others' elements go into the buffers one operation (and operand) at a
 * time, since their operands differ.
 *
 * <p><b>Concurrency</b>: stateless; the caller's thread does all the work on arrays of its own.
 */
final class Scatter {
    /** How many indices are sorted at a time: the scratch arrays stay in the first-level cache. */
    static final int BLOCK = 1024;

    /** Each thread's two lists of slots, this node's and the others'. */
    private static final ThreadLocal<long[][]> SCRATCH = ThreadLocal.withInitial(() -> new long[2][BLOCK]);

    /** Each thread's slots and values, this node's and the others', for {@link #accumulate}. */
    private static final ThreadLocal<long[][]> VALUES_SCRATCH = ThreadLocal.withInitial(() -> new long[4][BLOCK]);

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
        check(s, indices, offset, length, "added");
        if (length == 0) {
            return;
        }
        // This node's part is added directly, after the thread's buffered local operations: issue order.
        service.settleLocal();
        long[][] scratch = SCRATCH.get();
        long[] local = scratch[0];
        long[] remote = scratch[1];
        ArrayLayout layout = s.layout;
        boolean identity = layout.slotIsIndex();
        int[] homes = s.homes;
        int shift = s.chunkShift;
        int rank = s.rank;
        int end = offset + length;
        for (int base = offset; base < end; base += BLOCK) {
            int count = Math.min(BLOCK, end - base);
            // Partition without a branch: each slot is written to both lists and only the list it
            // belongs to moves on, so the counters stay in registers and nothing is mispredicted.
            int locals = 0;
            int remotes = 0;
            for (int i = 0; i < count; i++) {
                // The usual power-of-two BLOCK array's index is its slot: the loop-invariant test lets the
                // compiler make a copy of this loop without the layout arithmetic.
                long slot = identity ? indices[base + i] : layout.slot(indices[base + i]);
                int isLocal = homes[(int) (slot >>> shift)] == rank ? 1 : 0;
                local[locals] = slot;
                remote[remotes] = slot;
                locals += isLocal;
                remotes += 1 - isLocal;
            }
            if (locals > 0) {
                if (s.isDouble) {
                    Atomics.accumulateAllDouble(
                            s.doubleChunks, shift, s.chunkMask, local, null, delta, 0, locals, DoubleOp.SUM.ordinal());
                } else {
                    Atomics.addAll(s.longChunks, shift, s.chunkMask, local, 0, locals, delta);
                }
                s.wakeWaiters();
            }
            if (remotes > 0) {
                post(service, s, remote, remotes, local, delta);
            }
        }
    }

    /**
     * Replaces every element {@code indices[offset, offset + length)} names by {@code op(element,
     * values[i])}, with the value at the same position: the split of {@link #add}, carrying each
     * element's value along; this node's part is applied directly, the others' queued per home with an
     * operand each.
     *
     * @param values the operands: a {@code long[]} for a long array, a {@code double[]} for a double array
     * @param operation the {@code LongOp} or {@code DoubleOp} ordinal
     * @throws IndexOutOfBoundsException naming the first bad position or index, before anything is applied
     */
    static void accumulate(
            MemoryService service,
            GlobalStorage s,
            long[] indices,
            int operation,
            Object values,
            int offset,
            int length) {
        long[] longs = values instanceof long[] l ? l : null;
        double[] doubles = values instanceof double[] d ? d : null;
        int valuesLength = longs != null ? longs.length : doubles.length;
        check(s, indices, offset, length, "applied");
        if (offset > valuesLength - length) {
            throw new IndexOutOfBoundsException("positions [" + offset + ", " + offset + " + " + length
                    + ") are outside the value array of length " + valuesLength + "; nothing was applied");
        }
        if (length == 0) {
            return;
        }
        service.settleLocal();
        long[][] scratch = VALUES_SCRATCH.get();
        long[] localSlots = scratch[0];
        long[] localValues = scratch[1];
        long[] remoteSlots = scratch[2];
        long[] remoteValues = scratch[3];
        ArrayLayout layout = s.layout;
        int rank = s.rank;
        int end = offset + length;
        for (int base = offset; base < end; base += BLOCK) {
            int count = Math.min(BLOCK, end - base);
            int locals = 0;
            int remotes = 0;
            for (int i = 0; i < count; i++) {
                long slot = layout.slot(indices[base + i]);
                long value = longs != null ? longs[base + i] : Double.doubleToRawLongBits(doubles[base + i]);
                int isLocal = home(s, slot) == rank ? 1 : 0;
                localSlots[locals] = slot;
                localValues[locals] = value;
                remoteSlots[remotes] = slot;
                remoteValues[remotes] = value;
                locals += isLocal;
                remotes += 1 - isLocal;
            }
            if (locals > 0) {
                if (s.isDouble) {
                    Atomics.accumulateAllDouble(
                            s.doubleChunks,
                            s.chunkShift,
                            s.chunkMask,
                            localSlots,
                            localValues,
                            0,
                            0,
                            locals,
                            operation);
                } else {
                    Atomics.accumulateAll(
                            s.longChunks, s.chunkShift, s.chunkMask, localSlots, localValues, 0, 0, locals, operation);
                }
                s.wakeWaiters();
            }
            if (remotes == 0) {
                continue;
            }
            int first = home(s, remoteSlots[0]);
            if (oneHome(s, remoteSlots, remotes, first)) {
                service.postEach(s, first, OpCodec.ACCUMULATE, operation, remoteSlots, remoteValues, 0, remotes);
                continue;
            }
            int[] start = sortByHome(s, remoteSlots, remoteValues, remotes, localSlots, localValues);
            for (int h = 0; h < start.length - 1; h++) {
                if (start[h] < start[h + 1]) {
                    service.postEach(
                            s, h, OpCodec.ACCUMULATE, operation, localSlots, localValues, start[h], start[h + 1]);
                }
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
        if (oneHome(s, slots, count, first)) {
            service.postAll(s, first, OpCodec.ADD, slots, 0, count, delta);
            return;
        }
        int[] start = sortByHome(s, slots, null, count, sorted, null);
        for (int h = 0; h < start.length - 1; h++) {
            if (start[h] < start[h + 1]) {
                service.postAll(s, h, OpCodec.ADD, sorted, start[h], start[h + 1], delta);
            }
        }
    }

    /** Whether every slot of {@code slots[0, count)} is homed at {@code home}. */
    private static boolean oneHome(GlobalStorage s, long[] slots, int count, int home) {
        int i = 1;
        while (i < count && home(s, slots[i]) == home) {
            i++;
        }
        return i == count;
    }

    /**
     * Sorts {@code slots[0, count)} (and {@code values} alongside, when not {@code null}) by home into
     * {@code sortedSlots} ({@code sortedValues}), stably: each home's part keeps the caller's order.
     *
     * @return where each home's part starts, and at {@code [nodes]} its end
     */
    private static int[] sortByHome(
            GlobalStorage s, long[] slots, long[] values, int count, long[] sortedSlots, long[] sortedValues) {
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
            int at = next[home(s, slots[k])]++;
            sortedSlots[at] = slots[k];
            if (values != null) {
                sortedValues[at] = values[k];
            }
        }
        return start;
    }

    private static int home(GlobalStorage s, long slot) {
        return s.homes[(int) (slot >>> s.chunkShift)];
    }

    /**
     * Checks the positions, every index and that the array is live, before anything is done.
     *
     * @param done what the call does, for the message: nothing was {@code done}
     */
    private static void check(GlobalStorage s, long[] indices, int offset, int length, String done) {
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
                            + s.name + "' of length " + size + "; nothing was " + done);
                }
            }
        }
        if (s.state != GlobalStorage.LIVE) {
            throw new IllegalStateException("array '" + s.name + "' " + s.stateText());
        }
    }
}
