package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The fail-stop on its own: the first error runs the node's action once, from every route it can take. */
class FailStopTest {
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final FailStop failStop = new FailStop((thread, error) -> told.add(thread.getName() + ": " + error));

    @Test
    void shouldRunTheActionOnceForTheFirstError() {
        failStop.fatal(Thread.currentThread(), new OutOfMemoryError("first"));
        failStop.fatal(Thread.currentThread(), new OutOfMemoryError("second"));

        assertThat(told).containsExactly(Thread.currentThread().getName() + ": java.lang.OutOfMemoryError: first");
        assertThat(failStop.hasFailed()).isTrue();
    }

    @Test
    void shouldBeTheUncaughtExceptionHandlerOfTheThreadsItMakes() throws InterruptedException {
        Thread t = failStop.threads(r -> new Thread(r, "node-thread")).newThread(() -> {
            throw new StackOverflowError("deep");
        });
        t.start();
        t.join();

        assertThat(told).containsExactly("node-thread: java.lang.StackOverflowError: deep");
    }

    @Test
    void shouldPassAGuardedTasksErrorOnAndRethrowIt() {
        Runnable guarded = failStop.guard(() -> {
            throw new OutOfMemoryError("in a task");
        });

        assertThatThrownBy(guarded::run).isInstanceOf(OutOfMemoryError.class);
        assertThat(told).containsExactly(Thread.currentThread().getName() + ": java.lang.OutOfMemoryError: in a task");
    }

    @Test
    void shouldLeaveAGuardedTasksExceptionToItsCaller() {
        Runnable guarded = failStop.guard(() -> {
            throw new IllegalStateException("a bug, not a dead node");
        });

        assertThatThrownBy(guarded::run).isInstanceOf(IllegalStateException.class);
        assertThat(told).isEmpty();
        assertThat(FailStop.isFatal(new IllegalStateException())).isFalse();
        assertThat(FailStop.isFatal(new OutOfMemoryError())).isTrue();
    }
}
