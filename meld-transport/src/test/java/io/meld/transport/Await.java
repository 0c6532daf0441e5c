package io.meld.transport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition that another thread makes true, with a deadline. */
final class Await {
    /** Long enough for any event on loopback, even on a busy 2-core machine; a failure waits this long. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    /**
     * Waits until {@code condition} holds.
     *
     * @param what what is awaited, for the failure message
     * @param condition the condition
     * @throws AssertionError when it does not hold within {@link #TIMEOUT}
     */
    static void until(String what, BooleanSupplier condition) {
        until(what, TIMEOUT, condition, () -> "");
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @param what what is awaited, for the failure message
     * @param timeout how long
     * @param condition the condition
     * @param state what to add to the failure message: the state that was seen
     * @throws AssertionError when it does not hold in time
     */
    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(
                        "timed out after " + timeout.toMillis() + "ms waiting for " + what + " " + state.get());
            }
            sleep(2);
        }
    }

    /** Sleeps, turning an interrupt (a JUnit timeout) into a failure. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
