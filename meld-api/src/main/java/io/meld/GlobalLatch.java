package io.meld;

import java.time.Duration;

/**
 * A countdown latch shared by every node, allocated collectively with {@link Meld#latch(String, long)}:
 * threads of any node count it down, and threads of any node wait until it reaches zero. It lives on
 * one node (its home). As with {@link java.util.concurrent.CountDownLatch}, what a thread did before
 * {@link #countDown()} (including global memory operations: a count-down fences first) is visible to a
 * thread after its {@link #await()} returns.
 */
public interface GlobalLatch {
    /** @return the name it was allocated under */
    String name();

    /** Fences the calling thread, then decrements the count, unless it is zero already. */
    void countDown();

    /**
     * Waits until the count is zero.
     *
     * @throws NodeFailedException when the latch's home fails
     */
    void await();

    /**
     * Waits at most {@code timeout} until the count is zero.
     *
     * @param timeout how long to wait
     * @return whether the count reached zero
     */
    boolean await(Duration timeout);

    /** @return the count now */
    long count();
}
