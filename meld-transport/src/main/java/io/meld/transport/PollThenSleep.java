package io.meld.transport;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * How an I/O thread waits for its connections: it polls them (a non-blocking {@code epoll_wait}, yielding
 * the processor between looks) for up to {@code meld.transport.poll} after the last frame it read or the
 * last task it ran, and only then sleeps in the kernel until a frame or a task arrives.
 *
 * <p>Why: a thread asleep in {@code epoll_wait} costs a wake-up per message (the kernel marks it
 * runnable, the scheduler runs it), and a sender on another thread that hands it a frame costs a second
 * one (an {@code eventfd} write, since Netty writes a channel only on its own I/O thread). On a virtual
 * machine each wake-up is several microseconds, more than the loopback round trip itself. A request's
 * answer, and the next request of a busy peer, come within a round trip or two of the last message, so an
 * I/O thread that is still polling then takes them without being woken, and a frame handed to it is seen
 * at its next look without the {@code eventfd}. An idle node sleeps, as before, once the poll has run
 * out: polling is bounded by traffic, not constant. A thread that slept polls again after every wake-up,
 * since the event loop handles what woke it (a frame, a task, or one of its timers) without asking the
 * strategy: a timer on an idle node costs one poll, the 10 ms sweep of the direct channels at most 0.5%
 * of a core.
 *
 * <p>Between looks the thread yields, so a runnable thread that shares its core (the program's, or
 * another node's on the same machine) runs at once instead of waiting for the poll to end. 0 turns the
 * poll off: Netty's own strategy (sleep whenever there is no task).
 *
 * <p><b>Concurrency</b>: one instance per I/O thread ({@link SelectStrategyFactory#newSelectStrategy()}),
 * used by that thread only.
 */
final class PollThenSleep implements SelectStrategy {
    private final long pollNanos;
    private long lastActive = System.nanoTime();
    /** Whether the last answer was {@link SelectStrategy#SELECT}: the thread has slept since, and woken. */
    private boolean slept;

    private PollThenSleep(long pollNanos) {
        this.pollNanos = pollNanos;
    }

    /** @return a factory of one strategy per I/O thread, polling for {@code pollNanos} */
    static SelectStrategyFactory factory(long pollNanos) {
        return () -> new PollThenSleep(pollNanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (pollNanos <= 0) {
            return hasTasks ? selectNow.get() : SelectStrategy.SELECT;
        }
        int ready = selectNow.get();
        long now = System.nanoTime();
        if (ready > 0 || hasTasks || slept) {
            // After a sleep the event loop handles what woke it without asking here, so the wake-up itself
            // counts as activity: else the thread would go back to sleep at the next look, and sleep
            // between all the messages that follow, each waking it.
            slept = false;
            lastActive = now;
            return ready;
        }
        if (now - lastActive < pollNanos) {
            Thread.yield();
            return SelectStrategy.CONTINUE;
        }
        slept = true;
        return SelectStrategy.SELECT;
    }
}
