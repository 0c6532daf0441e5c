package io.meld.memory;

import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The operations of this node that wait for an answer, by request id. Ids are drawn from a counter
 * (never 0) and carried on the wire as int32; an answer whose id is not (or no longer) registered is
 * dropped, which is what happens to the late answer of an operation that timed out.
 *
 * <p><b>Concurrency</b>: any thread registers; I/O threads take; the sweep (on the flusher thread) and
 * failure handling remove. A {@link ConcurrentHashMap} serialises them per id, and {@link
 * Pending#tryFinish()} makes each operation complete once.
 */
final class PendingRequests {
    private final Map<Integer, Pending> byId = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** Registers an operation and returns its request id. */
    int register(Pending pending) {
        while (true) {
            int id = ids.incrementAndGet();
            if (id != 0 && byId.putIfAbsent(id, pending) == null) {
                return id;
            }
        }
    }

    /** @return the operation waiting under {@code id}, removed, or {@code null} */
    Pending take(int id) {
        return byId.remove(id);
    }

    /** @return the operation waiting under {@code id}, left registered, or {@code null} */
    Pending get(int id) {
        return byId.get(id);
    }

    /** Removes an operation that its waiter gave up on. */
    void forget(int id) {
        byId.remove(id);
    }

    /** @return how many operations wait */
    int size() {
        return byId.size();
    }

    /** Fails every operation past its deadline with a {@link MeldTimeoutException}. */
    void expire(long nowNanos, Function<Pending, String> message) {
        byId.entrySet().removeIf(e -> {
            Pending p = e.getValue();
            if (p.deadlineNanos - nowNanos < 0) {
                p.fail(new MeldTimeoutException(message.apply(p)));
                return true;
            }
            return false;
        });
    }

    /** Fails every operation waiting on {@code node}. */
    void failNode(int node, Throwable cause) {
        byId.entrySet().removeIf(e -> {
            Pending p = e.getValue();
            if (p.destination == node) {
                p.fail(new NodeFailedException(
                        node, p.describe() + " failed: node " + node + " failed: " + cause.getMessage(), cause));
                return true;
            }
            return false;
        });
    }

    /** Fails every operation. */
    void failAll(Function<Pending, RuntimeException> failure) {
        byId.entrySet().removeIf(e -> {
            e.getValue().fail(failure.apply(e.getValue()));
            return true;
        });
    }
}
