package io.meld;

import java.time.Duration;

/**
 * A mutual-exclusion lock shared by every thread of every node, allocated collectively with {@link
 * Meld#lock(String)}. It lives on one node (its home), which grants it to one thread at a time, in the
 * order the requests reached it (FIFO).
 *
 * <p>{@link #unlock()} first {@linkplain Meld#fence() fences} the calling thread, so everything the
 * holder did to global memory is complete before the next holder gets the lock: a program that guards
 * shared data with a lock sees it as under a Java lock.
 *
 * <p>Not reentrant: a thread that holds the lock and asks for it again gets {@link
 * IllegalStateException}; only the holding thread may unlock it.
 */
public interface GlobalLock {
    /** @return the name it was allocated under */
    String name();

    /**
     * Waits until the lock is granted to the calling thread.
     *
     * @throws IllegalStateException when the calling thread holds it already
     * @throws NodeFailedException when the lock's home fails
     */
    void lock();

    /**
     * Waits at most {@code timeout} for the lock.
     *
     * @param timeout how long to wait
     * @return whether the calling thread got the lock
     * @throws IllegalStateException when the calling thread holds it already
     */
    boolean tryLock(Duration timeout);

    /**
     * Fences the calling thread, then releases the lock to the next waiting thread, if any.
     *
     * @throws IllegalStateException when the calling thread does not hold the lock
     */
    void unlock();
}
