package io.meld.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * How the threads of a node poll for what they wait for (an answer of global memory), before
 * they park: one policy, and one count of pollers, for the whole node.
 *
 * <p>A platform thread polls, looking again and again and yielding the processor between looks, for up
 * to {@code meld.memory.spin}; then its caller parks it. The poll takes what comes within a round trip or
 * two without the wake-up of a parked thread, which on a virtual machine costs tens of microseconds, more
 * than a loopback round trip itself. It yields rather than only spinning, so that a runnable thread (the
 * I/O thread that must read the answer, or another JVM's on the same machine) runs at once.
 *
 * <p><b>One poller per node.</b> Only a thread that is the only one of its node polling now polls, and it
 * stops as soon as another starts: threads that poll together take the cores the I/O threads need to
 * bring their answers, so with more waiters than cores every answer comes later. A parked thread is not
 * counted: it takes no core. A virtual thread never polls: it parks at once and gives its carrier to the
 * others.
 *
 * <p><b>Concurrency</b>: any thread.
 */
public final class Poller {
    /** Polls never: every waiter parks at once. */
    public static final Poller NONE = new Poller(0);

    private final long spinNanos;
    private final AtomicInteger polling = new AtomicInteger();

    /** @param spinNanos how long one wait may poll at most ({@code meld.memory.spin}); 0 never polls */
    public Poller(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    /**
     * Polls {@code done} while the policy lets this thread poll: a platform thread, the only poller of
     * the node, for at most {@code meld.memory.spin} and {@code budgetNanos}.
     *
     * @return whether {@code done} held; {@code false} tells the caller to park
     */
    public boolean poll(BooleanSupplier done, long budgetNanos) {
        if (spinNanos <= 0 || budgetNanos <= 0 || Thread.currentThread().isVirtual()) {
            return done.getAsBoolean();
        }
        int others = polling.getAndIncrement();
        try {
            long until = System.nanoTime() + Math.min(spinNanos, budgetNanos);
            while (true) {
                if (done.getAsBoolean()) {
                    return true;
                }
                if (others != 0 || polling.get() != 1 || System.nanoTime() - until >= 0) {
                    return false;
                }
                Thread.yield();
            }
        } finally {
            polling.decrementAndGet();
        }
    }
}
