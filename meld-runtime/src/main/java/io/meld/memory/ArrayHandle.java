package io.meld.memory;

import io.meld.Distribution;
import java.util.concurrent.CompletableFuture;

/**
 * What the two array classes share: identity, bounds checks, the mapping queries and the collective
 * {@link #close()}.
 *
 * <p><b>Concurrency</b>: immutable apart from the storage's state ({@link GlobalStorage#state}), which a
 * free or the node's close sets (volatile) so
 * that later operations from any thread fail; an operation racing with the free is the program's data
 * race, answered by the home with an error if its frame arrives after the free.
 */
abstract class ArrayHandle {
    final MemoryService service;
    final GlobalStorage storage;
    final ArrayLayout layout;
    final long length;
    final int rank;
    final long[][] chunks;
    final int[] homes;
    /** Whether fire-and-forget operations on local elements are buffered ({@code meld.memory.local-batching}). */
    final boolean batchLocal;

    ArrayHandle(MemoryService service, GlobalStorage storage) {
        this.service = service;
        this.storage = storage;
        this.layout = storage.layout;
        this.length = layout.length();
        this.rank = storage.rank;
        this.chunks = storage.chunks;
        this.homes = storage.homes;
        this.batchLocal = service.batchesLocal();
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
        return storage.localLength();
    }

    public final long globalIndex(long localIndex) {
        if (localIndex < 0 || localIndex >= storage.localLength()) {
            throw new IndexOutOfBoundsException("local index " + localIndex + " of array '" + storage.name
                    + "' is outside node " + rank + "'s " + storage.localLength() + " elements");
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

    /**
     * A blocking operation: at once on a local element (after this thread's pending local operations),
     * delegated to the home otherwise.
     *
     * @return the answer the opcode defines, as bits
     */
    final long update(long index, int opcode, int operation, long a, long b) {
        long slot = slot(index);
        int chunk = (int) (slot >>> ArrayLayout.CHUNK_SHIFT);
        int home = homes[chunk];
        if (home == rank) {
            service.settleLocal();
            return Atomics.apply(
                    opcode, storage.isDouble, operation, chunks[chunk], (int) (slot & ArrayLayout.CHUNK_MASK), a, b);
        }
        return service.call(storage, home, opcode, operation, slot, a, b, index);
    }

    /** An async operation: completed at once on a local element, queued for the home otherwise. */
    final <T> CompletableFuture<T> async(
            long index, int opcode, int operation, long a, long b, Pending.Future.Converter<T> converter) {
        long slot = slot(index);
        int chunk = (int) (slot >>> ArrayLayout.CHUNK_SHIFT);
        int home = homes[chunk];
        if (home == rank) {
            service.settleLocal();
            return CompletableFuture.completedFuture(converter.convert(Atomics.apply(
                    opcode, storage.isDouble, operation, chunks[chunk], (int) (slot & ArrayLayout.CHUNK_MASK), a, b)));
        }
        return service.callAsync(storage, home, opcode, operation, slot, a, b, index, converter);
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
