package io.meld.memory;

import io.meld.Distribution;
import java.util.concurrent.CompletableFuture;

/**
 * What the two array classes share: identity, bounds checks, the mapping queries, the way to a local
 * element, and the collective {@link #close()}.
 *
 * <h2>The way to a local element</h2>
 *
 * An operation first asks {@link #local(long)} whether this node holds the element, with the layout's
 * arithmetic and nothing else: for {@link Distribution#BLOCK} (and on one node) a subtraction and one
 * unsigned comparison against the node's range, which also rejects an index outside the array; for
 * the cyclic distributions a division by a constant, done as a multiplication ({@link FastDivisor}).
 * The local index then names the chunk ({@code local >>> shift}) and the position ({@code local &
 * mask}) in this node's own chunk table. Everything else (an index out of range, a freed array, a
 * remote element) takes the slow path, which checks and throws or delegates.
 *
 * <p><b>Concurrency</b>: immutable apart from the storage's state ({@link GlobalStorage#state}), which a
 * free or the node's close sets (volatile) so that later operations from any thread fail; an operation
 * racing with the free is the program's data race, answered by the home with an error if its frame
 * arrives after the free.
 */
abstract class ArrayHandle {
    final MemoryService service;
    final GlobalStorage storage;
    final ArrayLayout layout;
    final long length;
    final int rank;
    final int[] homes;
    final int shift;
    final int mask;
    /** Whether fire-and-forget operations on local elements are buffered ({@code meld.memory.local-batching}). */
    final boolean batchLocal;
    /** Whether this node's elements are the global indices {@code [localStart, localStart + localCount)}. */
    private final boolean contiguous;

    private final long localStart;
    private final long localCount;

    ArrayHandle(MemoryService service, GlobalStorage storage) {
        this.service = service;
        this.storage = storage;
        this.layout = storage.layout;
        this.length = layout.length();
        this.rank = storage.rank;
        this.homes = storage.homes;
        this.shift = storage.chunkShift;
        this.mask = storage.chunkMask;
        this.batchLocal = service.batchesLocal();
        this.localCount = layout.partitionLength(rank);
        this.contiguous = layout.nodes() == 1 || storage.distribution.kind() == Distribution.Kind.BLOCK;
        this.localStart = localCount > 0 ? layout.globalIndex(rank, 0) : 0;
    }

    public final String name() {
        return storage.name;
    }

    public final long length() {
        return length;
    }

    public final Distribution distribution() {
        return storage.distribution;
    }

    public final int owner(long index) {
        return storage.home(slot(index));
    }

    public final long localLength() {
        return localCount;
    }

    public final long globalIndex(long localIndex) {
        if (localIndex < 0 || localIndex >= localCount) {
            throw new IndexOutOfBoundsException("local index " + localIndex + " of array '" + storage.name
                    + "' is outside node " + rank + "'s " + localCount + " elements");
        }
        return layout.globalIndex(rank, localIndex);
    }

    public final void close() {
        if (storage.state != GlobalStorage.LIVE) {
            return;
        }
        service.free(storage);
    }

    @Override
    public final String toString() {
        return "global " + storage.describe() + " '" + storage.name + "'"
                + (storage.state == GlobalStorage.LIVE ? "" : " (" + storage.stateText() + ")");
    }

    /**
     * @param index any global index
     * @return the element's index in this node's share when this node holds it and the array is live,
     *     otherwise -1 (also for an index outside the array: the slow path then says what is wrong)
     */
    final long local(long index) {
        long local;
        if (contiguous) {
            local = index - localStart;
            if (Long.compareUnsigned(local, localCount) >= 0) {
                return -1;
            }
        } else if (index < 0 || index >= length || (local = layout.localIndexIn(rank, index)) < 0) {
            return -1;
        }
        // A plain read: an operation that races with the array's free is the program's race (see above).
        return storage.isLivePlain() ? local : -1;
    }

    /** @return the element's slot, after checking the index and that the array is live */
    final long slot(long index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " is outside array '" + storage.name + "' of length " + length);
        }
        if (storage.state != GlobalStorage.LIVE) {
            throw new IllegalStateException("array '" + storage.name + "' " + storage.stateText());
        }
        return layout.slot(index);
    }

    /** A local element's chunk number in the storage's chunk tables. */
    final int chunkOf(long local) {
        return storage.localBase + (int) (local >>> shift);
    }

    /**
     * Applies one operation to an element of this node's storage, by its global chunk number and position.
     *
     * @return the answer the opcode defines, as bits
     */
    abstract long applyHere(int opcode, int operation, int chunk, int pos, long a, long b);

    /**
     * Applies one operation to a local element, by its local index.
     *
     * @return the answer the opcode defines, as bits
     */
    abstract long applyLocal(int opcode, int operation, long local, long a, long b);

    /**
     * A blocking operation: at once on a local element (after this thread's pending local operations),
     * delegated to the home otherwise.
     *
     * @return the answer the opcode defines, as bits
     */
    final long update(long index, int opcode, int operation, long a, long b) {
        long local = local(index);
        if (local >= 0) {
            service.settleLocal();
            long answer = applyLocal(opcode, operation, local, a, b);
            if (opcode != OpCodec.GET) {
                storage.wakeWaiters();
            }
            return answer;
        }
        return delegate(index, opcode, operation, a, b);
    }

    /**
     * A blocking operation on an element {@link #local} did not find here: checks the index and the
     * array (throwing what is wrong), then runs it at the element's home and waits. Every element this
     * node holds is its partition's ({@link #local} finds them all: nothing is re-homed yet).
     *
     * @return the answer the opcode defines, as bits
     */
    final long delegate(long index, int opcode, int operation, long a, long b) {
        long slot = slot(index);
        return service.call(storage, homes[(int) (slot >>> shift)], opcode, operation, slot, a, b, index);
    }

    /** An async operation: completed at once on a local element, queued for the home otherwise. */
    final <T> CompletableFuture<T> async(
            long index, int opcode, int operation, long a, long b, Pending.Future.Converter<T> converter) {
        long slot = slot(index);
        int chunk = (int) (slot >>> shift);
        int home = homes[chunk];
        if (home == rank) {
            service.settleLocal();
            long answer = applyHere(opcode, operation, chunk, (int) slot & mask, a, b);
            storage.wakeWaiters();
            return CompletableFuture.completedFuture(converter.convert(answer));
        }
        return service.callAsync(storage, home, opcode, operation, slot, a, b, index, converter);
    }

    /**
     * A fire-and-forget operation: applied at once on a local element when local operations are not
     * buffered, queued for the home (this one included) otherwise.
     */
    final void post(long index, int opcode, int operation, long a) {
        long slot = slot(index);
        int chunk = (int) (slot >>> shift);
        int home = homes[chunk];
        if (!batchLocal && home == rank) {
            applyHere(opcode, operation, chunk, (int) slot & mask, a, 0);
            storage.wakeWaiters();
            return;
        }
        service.post(storage, home, opcode, operation, slot, a);
    }

    /**
     * A fire-and-forget operation that leaves at once: a signal. Applied on this thread when the element
     * is local (after the thread's buffered local operations), sent to its home now otherwise.
     */
    final void postNow(long index, int opcode, long a) {
        long slot = slot(index);
        int chunk = (int) (slot >>> shift);
        int home = homes[chunk];
        if (home == rank) {
            service.settleLocal();
            applyHere(opcode, 0, chunk, (int) slot & mask, a, 0);
            storage.wakeWaiters();
            return;
        }
        service.postNow(storage, home, opcode, slot, a);
    }

    /** Throws when the array is freed or its node closed. */
    final void checkLive() {
        if (storage.state != GlobalStorage.LIVE) {
            throw new IllegalStateException("array '" + storage.name + "' " + storage.stateText());
        }
    }

    /** Checks a bulk range against the array and the caller's array. */
    final void checkRange(long from, int callerLength, int offset, int count) {
        if (count < 0 || offset < 0 || offset > callerLength - count) {
            throw new IndexOutOfBoundsException("positions [" + offset + ", " + offset + " + " + count
                    + ") are outside the local array of length " + callerLength);
        }
        if (from < 0 || from > length - count) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + from + " + " + count + ") is outside array '"
                    + storage.name + "' of length " + length);
        }
        if (storage.state != GlobalStorage.LIVE) {
            throw new IllegalStateException("array '" + storage.name + "' " + storage.stateText());
        }
    }
}
