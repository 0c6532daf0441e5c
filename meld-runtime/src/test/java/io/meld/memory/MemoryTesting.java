package io.meld.memory;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** What the memory tests share: configurations, distributions, all-gather, and hooks into a node. */
final class MemoryTesting {
    /** The distributions every cluster test runs: contiguous, round robin, and blocks that split partitions. */
    static final List<Distribution> DISTRIBUTIONS =
            List.of(Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(3));

    private MemoryTesting() {}

    /** @return the configuration from the environment, with {@code name=value} pairs on top */
    static MeldConfig config(String... nameValues) {
        MeldConfig config = MeldConfig.load();
        for (int i = 0; i < nameValues.length; i += 2) {
            config = config.with(nameValues[i], nameValues[i + 1]);
        }
        return config;
    }

    /** @return every node's array, concatenated in rank order; a collective */
    static long[][] allGather(Meld meld, long[] mine) {
        long[][] all = new long[meld.size()][];
        for (int r = 0; r < meld.size(); r++) {
            all[r] = meld.broadcast(r == meld.rank() ? mine : null, r);
        }
        return all;
    }

    /** @return the node's memory service behind an array handle */
    static MemoryService service(GlobalArray array) {
        return ((ArrayHandle) array).service;
    }

    /** What a worker thread runs; it may throw anything, which fails the test. */
    @FunctionalInterface
    interface Worker {
        void run(int thread) throws Exception;
    }

    /**
     * Runs {@code threads} workers at once, each on its own thread (virtual ones when asked), waits for
     * all of them (at most 60 s) and rethrows the first failure, with the others suppressed.
     */
    static void runThreads(int threads, boolean virtual, Worker worker) throws InterruptedException {
        Throwable[] failures = new Throwable[threads];
        Thread[] started = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Runnable body = () -> {
                try {
                    worker.run(id);
                } catch (Throwable e) {
                    failures[id] = e;
                }
            };
            started[t] = virtual
                    ? Thread.ofVirtual().name("memory-test-worker-" + t).start(body)
                    : Thread.ofPlatform().name("memory-test-worker-" + t).start(body);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : started) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                for (Thread other : started) {
                    other.interrupt();
                }
                throw new AssertionError(t.getName() + " did not finish within 60 s");
            }
        }
        AssertionError failed = null;
        for (int t = 0; t < threads; t++) {
            if (failures[t] != null) {
                if (failed == null) {
                    failed = new AssertionError("worker " + t + " failed: " + failures[t], failures[t]);
                } else {
                    failed.addSuppressed(failures[t]);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Polls until {@code condition} holds, or fails after {@code bound}: for effects that must happen
     * eventually, without asserting how soon.
     */
    static void eventually(Duration bound, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " did not happen within " + bound.toMillis() + "ms");
            }
            Thread.sleep(1);
        }
    }
}
