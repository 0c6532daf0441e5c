package io.meld.bench;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads that run one task after another together, like an OpenMP parallel region: the
 * calling thread is member 0, {@code size - 1} helpers wait between tasks on a barrier. The PageRank of
 * Meld and its shared-memory baseline both use it, so they pay the same for their parallelism.
 *
 * <p><b>Concurrency</b>: {@link #execute} is called by one thread at a time (the owner). A task's writes
 * are visible to the owner when {@code execute} returns, and the owner's writes before {@code execute} to
 * every member, through the barrier.
 */
public final class Team implements AutoCloseable {
    private final int size;
    private final Thread[] helpers;
    private final CyclicBarrier start;
    private final CyclicBarrier done;
    private volatile IntConsumer task;
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * @param size the members, the calling thread included
     * @param name the helpers' name prefix
     */
    public Team(int size, String name) {
        this.size = size;
        this.start = new CyclicBarrier(size);
        this.done = new CyclicBarrier(size);
        this.helpers = new Thread[size - 1];
        for (int i = 1; i < size; i++) {
            int member = i;
            helpers[i - 1] = new Thread(() -> helperLoop(member), name + "-" + i);
            helpers[i - 1].setDaemon(true);
            helpers[i - 1].start();
        }
    }

    /** Runs {@code task} once in a new team of {@code threads}, then ends the team. */
    static void run(int threads, IntConsumer task) {
        try (Team team = new Team(threads, "team")) {
            team.execute(task);
        }
    }

    /** @return the members */
    public int size() {
        return size;
    }

    /**
     * Runs {@code task.accept(member)} on every member and waits for all.
     *
     * @param task the work of one member
     * @throws IllegalStateException when a member's task threw (with that as the cause)
     */
    public void execute(IntConsumer task) {
        this.task = task;
        await(start);
        try {
            task.accept(0);
        } catch (Throwable t) {
            failure = t;
        }
        await(done);
        Throwable f = failure;
        if (f != null) {
            failure = null;
            throw new IllegalStateException("a team member failed: " + f, f);
        }
    }

    private void helperLoop(int member) {
        while (true) {
            await(start);
            if (closed) {
                return;
            }
            try {
                task.accept(member);
            } catch (Throwable t) {
                failure = t;
            }
            await(done);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("team barrier broken", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (helpers.length > 0) {
            await(start);
        }
        for (Thread h : helpers) {
            try {
                h.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
