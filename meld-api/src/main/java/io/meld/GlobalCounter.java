package io.meld;

/**
 * A {@code long} shared by every node, updated atomically, allocated collectively with {@link
 * Meld#counter(String)}; it starts at zero. It lives on one node (its home); every operation runs
 * there, so operations on a counter are linearizable. Like an element of a {@link GlobalLongArray},
 * which is what it is built on.
 */
public interface GlobalCounter {
    /** @return the name it was allocated under */
    String name();

    /** @return the value */
    long get();

    /** @param value the new value */
    void set(long value);

    /** @return the value after adding one */
    long incrementAndGet();

    /**
     * @param delta what to add
     * @return the value after adding it
     */
    long addAndGet(long delta);

    /**
     * @param delta what to add
     * @return the value before adding it
     */
    long getAndAdd(long delta);

    /**
     * Adds {@code delta} without waiting; complete at the calling thread's next fence.
     *
     * @param delta what to add
     */
    void add(long delta);

    /**
     * @param expected the value it must have
     * @param value the new value
     * @return whether it had the expected value
     */
    boolean compareAndSet(long expected, long value);
}
