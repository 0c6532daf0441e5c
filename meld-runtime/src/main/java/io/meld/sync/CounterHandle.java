package io.meld.sync;

import io.meld.GlobalCounter;
import io.meld.GlobalLongArray;

/**
 * A node's handle to a counter: element {@code home} of a cyclic global array with one element per
 * node, so the counter lives on its home and gets global memory's guarantees.
 *
 * <p><b>Concurrency</b>: any thread; stateless.
 */
final class CounterHandle implements GlobalCounter {
    private final String name;
    private final GlobalLongArray cell;
    private final long index;

    CounterHandle(String name, GlobalLongArray cell, int home) {
        this.name = name;
        this.cell = cell;
        this.index = home;
    }

    /** @return the array whose element {@code home} it is */
    GlobalLongArray cell() {
        return cell;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long get() {
        return cell.get(index);
    }

    @Override
    public void set(long value) {
        cell.set(index, value);
    }

    @Override
    public long incrementAndGet() {
        return cell.addAndGet(index, 1);
    }

    @Override
    public long addAndGet(long delta) {
        return cell.addAndGet(index, delta);
    }

    @Override
    public long getAndAdd(long delta) {
        return cell.getAndAdd(index, delta);
    }

    @Override
    public void add(long delta) {
        cell.add(index, delta);
    }

    @Override
    public boolean compareAndSet(long expected, long value) {
        return cell.compareAndSet(index, expected, value);
    }

    @Override
    public String toString() {
        return "global counter '" + name + "' (home node " + index + ")";
    }
}
