package io.meld.transport;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * A node's fail-stop: the one place an error that a thread of the node cannot survive goes, so that the
 * node stops as a whole instead of going on without the thread. An {@link OutOfMemoryError} that kills
 * the flusher, a Netty I/O thread or a JGroups receiver would otherwise end that thread and nothing
 * else: the node would look alive to its peers, and their waits on it would never end.
 *
 * <p>It is every such thread's {@linkplain Thread.UncaughtExceptionHandler uncaught-exception handler}
 * ({@link #install}, {@link #threads}), and is told directly ({@link #fatal}) where a framework catches
 * the error before the thread would die (Netty hands a handler's error to {@code exceptionCaught}, and
 * catches a task's: {@link #guard}; JGroups logs what its tasks throw, and the cluster layer's log factory
 * passes a logged error on). The
 * first error runs the node's action, once; later ones only count. The node's action makes it a failed
 * node: its peers learn it is gone, and a launched node's process exits.
 *
 * <p><b>Concurrency</b>: any thread; the action runs on the thread that brought the first error.
 */
public final class FailStop implements Thread.UncaughtExceptionHandler {
    private final AtomicBoolean failed = new AtomicBoolean();
    private final BiConsumer<Thread, Throwable> action;

    /** @param action what the node does on the first fatal error: told the thread and the error */
    public FailStop(BiConsumer<Thread, Throwable> action) {
        this.action = action;
    }

    /**
     * @return whether {@code e} is one a node's thread cannot go on after: an {@link Error} (out of memory,
     *     stack overflow, a broken class), not an exception of the node's own logic
     */
    public static boolean isFatal(Throwable e) {
        return e instanceof Error;
    }

    /**
     * The node cannot go on: runs the action, the first time.
     *
     * @param thread the thread the error happened on
     * @param error what happened
     */
    public void fatal(Thread thread, Throwable error) {
        if (failed.compareAndSet(false, true)) {
            action.accept(thread, error);
        }
    }

    /** @return whether a fatal error happened */
    public boolean hasFailed() {
        return failed.get();
    }

    @Override
    public void uncaughtException(Thread thread, Throwable error) {
        fatal(thread, error);
    }

    /**
     * @param thread a thread the node depends on, not yet started
     * @return it, with this as its uncaught-exception handler
     */
    public Thread install(Thread thread) {
        thread.setUncaughtExceptionHandler(this);
        return thread;
    }

    /**
     * For a task the node hands to a framework's thread that catches what it throws (Netty logs a task's
     * error, and quietly cancels a periodic task that throws): an {@link Error} goes to this fail-stop
     * first, then on as before.
     *
     * @param task the node's task
     * @return the task, guarded
     */
    public Runnable guard(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Error e) {
                fatal(Thread.currentThread(), e);
                throw e;
            }
        };
    }

    /**
     * @param factory makes threads the node depends on
     * @return a factory that makes the same threads, each with this as its uncaught-exception handler
     */
    public ThreadFactory threads(ThreadFactory factory) {
        return r -> install(factory.newThread(r));
    }
}
