package io.meld.memory;

import io.meld.Distribution;
import io.meld.MeldException;
import io.meld.collective.CollectiveEngine;
import io.meld.config.Setting;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The global arrays a node takes part in, by id and by name. Ids are given in allocation order, which is
 * the same on every node (allocation is a collective), so an id names the same array everywhere and
 * travels in every operation's frame.
 *
 * <p><b>Concurrency</b>: the id table is copy-on-write behind a volatile field, so that I/O threads find
 * an operation's array with one volatile read and no lock; adding and removing copy it under this
 * object's lock. Ids are taken by the thread that allocates, which is one at a time per node (the
 * collectives see to it).
 */
final class ArrayTable {
    /** Marks the gathered text of a node that ran out of memory. */
    private static final String NO_MEMORY = "no memory: ";

    private final int size;
    private final int maxChunkShift;
    private final CollectiveEngine collectives;
    private final Map<String, GlobalStorage> byName = new ConcurrentHashMap<>();
    private volatile GlobalStorage[] byId = new GlobalStorage[1];
    private int nextId = 1;

    /**
     * @param size the number of nodes
     * @param maxChunkShift log2 of {@code meld.memory.chunk-size}
     * @param collectives what allocation agrees through
     */
    ArrayTable(int size, int maxChunkShift, CollectiveEngine collectives) {
        this.size = size;
        this.maxChunkShift = maxChunkShift;
        this.collectives = collectives;
    }

    /** @return the id of the next array this node allocates; called by the allocating thread only */
    int takeId() {
        return nextId++;
    }

    /** @return whether an array of that name is allocated */
    boolean hasName(String name) {
        return byName.containsKey(name);
    }

    /** @return the array with this id, or {@code null} */
    GlobalStorage get(int id) {
        GlobalStorage[] a = byId;
        return id > 0 && id < a.length ? a[id] : null;
    }

    /** @return every array slot, by id, some {@code null}; a snapshot to iterate over */
    GlobalStorage[] snapshot() {
        return byId;
    }

    synchronized void add(GlobalStorage s) {
        GlobalStorage[] next = Arrays.copyOf(byId, Math.max(byId.length, s.id + 1));
        next[s.id] = s;
        byName.put(s.name, s);
        byId = next;
    }

    synchronized void remove(GlobalStorage s) {
        GlobalStorage[] next = byId.clone();
        if (s.id < next.length && next[s.id] == s) {
            next[s.id] = null;
        }
        byName.remove(s.name, s);
        byId = next;
    }

    /**
     * Allocates an array and registers it; a collective, which checks that every node allocated the same
     * and fails alike on every node when one could not.
     *
     * @param rank this node's rank
     * @return the node's part of the array
     * @throws MeldException when the nodes disagree, with the same message on every node
     * @throws IllegalArgumentException when every node's arguments are wrong alike
     */
    GlobalStorage allocate(int rank, String name, boolean isDouble, long length, Distribution distribution) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(distribution, "distribution");
        String problem = null;
        if (name.isBlank()) {
            problem = "an array name must not be blank";
        } else if (length < 0) {
            problem = "array '" + name + "' length " + length + " is negative";
        } else if (hasName(name)) {
            problem = "an array named '" + name + "' is allocated already";
        }
        int id = takeId();
        GlobalStorage storage = null;
        if (problem == null) {
            try {
                storage = new GlobalStorage(id, name, isDouble, length, distribution, size, rank, maxChunkShift, false);
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            } catch (OutOfMemoryError e) {
                long elements = new ArrayLayout(length, size, distribution, maxChunkShift).partitionLength(rank);
                problem = NO_MEMORY + "node " + rank + " ran out of memory allocating its part of array '" + name
                        + "': " + elements + " elements (" + Setting.formatSize(elements * Long.BYTES)
                        + "), with at most "
                        + Setting.formatSize(Runtime.getRuntime().maxMemory())
                        + " of heap (-Xmx): " + e.getMessage();
            }
        }
        if (storage != null) {
            add(storage);
        }
        String mine = problem == null
                ? "'" + name + "' as " + (isDouble ? "double" : "long") + "[" + length + "] " + distribution
                        + (maxChunkShift == ArrayLayout.DEFAULT_MAX_CHUNK_SHIFT
                                ? ""
                                : " in chunks of up to " + (1L << maxChunkShift) + " (meld.memory.chunk-size)")
                : "error: " + problem;
        String[] all = allGather(rank, mine);
        for (String a : all) {
            // A node out of memory is not a disagreement: every node throws that node's message.
            if (a.startsWith("error: " + NO_MEMORY)) {
                if (storage != null) {
                    remove(storage);
                }
                throw new MeldException(a.substring(("error: " + NO_MEMORY).length()));
            }
        }
        for (int r = 0; r < size; r++) {
            if (!all[r].equals(all[0])) {
                if (storage != null) {
                    remove(storage);
                }
                // Only gathered text, never this node's own arguments: every node throws the same message,
                // also when the nodes disagree on the name.
                throw new MeldException("nodes allocated an array differently: node 0 allocated " + all[0]
                        + ", node " + r + " allocated " + all[r]
                        + "; every node must allocate the same name, type, length and distribution, with the"
                        + " same meld.memory.chunk-size");
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return storage;
    }

    /** Every node's string, by rank; a collective (one broadcast per node, for a handful of bytes). */
    private String[] allGather(int rank, String mine) {
        String[] all = new String[size];
        byte[] bytes = mine.getBytes(StandardCharsets.UTF_8);
        for (int r = 0; r < size; r++) {
            all[r] = new String(collectives.broadcast(r == rank ? bytes : null, r), StandardCharsets.UTF_8);
        }
        return all;
    }
}
