package io.meld.memory;

import java.util.Arrays;
import java.util.Map;
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
    private final Map<String, GlobalStorage> byName = new ConcurrentHashMap<>();
    private volatile GlobalStorage[] byId = new GlobalStorage[1];
    private int nextId = 1;

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
}
