package io.meld.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Helpers for protocol tests on an {@link InMemoryNetwork}: a node's blocking call runs on a thread of
 * its own, while the test thread delivers frames one by one and checks what is waiting and what is not.
 */
public final class Stepping {
    /** How long a test waits for a frame that another thread is about to send. */
    public static final Duration STEP = Duration.ofSeconds(10);

    private static final Set<Thread> CALLS = ConcurrentHashMap.newKeySet();

    private Stepping() {}

    /** Runs a node's call on a new thread of its own, so the test thread can deliver what it waits for. */
    public static <T> CompletableFuture<T> call(String name, Callable<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        f.complete(call.call());
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    } finally {
                        CALLS.remove(Thread.currentThread());
                    }
                },
                name);
        t.setDaemon(true);
        CALLS.add(t);
        t.start();
        return f;
    }

    /** As {@link #call}, for a call without a result. */
    public static CompletableFuture<Void> run(String name, ThrowingRunnable run) {
        return call(name, () -> {
            run.run();
            return null;
        });
    }

    /**
     * Delivers every event, and those the calls send meanwhile, until every call has returned.
     *
     * @throws AssertionError when the calls still wait with nothing left to deliver for {@link #STEP}
     */
    public static void settle(InMemoryNetwork network, Future<?>... calls) {
        long quietSince = System.nanoTime();
        while (true) {
            if (network.deliverAll() > 0) {
                quietSince = System.nanoTime();
            }
            boolean done = true;
            for (Future<?> f : calls) {
                done &= f.isDone();
            }
            if (done) {
                return;
            }
            // A call may still be on its way out after the last frame it waited for: poll for either.
            if (!network.awaitPending(Duration.ofMillis(5)) && System.nanoTime() - quietSince > STEP.toNanos()) {
                throw new AssertionError(
                        "the calls wait, and nothing came to deliver within " + STEP + "\n" + threadDump());
            }
        }
    }

    /** @return the call's result, which must be there within {@link #STEP} */
    public static <T> T result(Future<T> call) throws Exception {
        try {
            return call.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** @return what the call threw, which it must do within {@link #STEP} */
    public static Throwable failure(Future<?> call) throws InterruptedException, TimeoutException {
        try {
            call.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call returned instead of failing");
    }

    /**
     * Checks that a call still waits. It waits for a frame the test has not delivered, so it cannot
     * return; the short grace only gives a call that would wrongly return the time to do it.
     */
    public static void assertWaiting(Future<?> call) throws InterruptedException {
        try {
            call.get(50, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the call failed instead of waiting", e.getCause());
        } catch (TimeoutException e) {
            return;
        }
        assertThat(call).as("a call that should still wait").isNotDone();
    }

    /** @return the stacks of the threads that run calls and nodes, for a test that waits for ever */
    public static String threadDump() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (!t.getName().startsWith("meld-") && !CALLS.contains(t)) {
                return;
            }
            b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (int i = 0; i < Math.min(stack.length, 12); i++) {
                b.append("    at ").append(stack[i]).append('\n');
            }
        });
        return b.toString();
    }

    /** A runnable that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
