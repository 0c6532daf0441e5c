package io.meld.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.GlobalCounter;
import io.meld.GlobalLatch;
import io.meld.GlobalLock;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Locks, latches and counters shared by every node. */
@Timeout(60)
class SyncObjectsTest {
    private static final MeldConfig CONFIG = MeldConfig.defaults();

    private static void threads(int count, ThrowingBody body) throws InterruptedException {
        List<Thread> started = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < count; t++) {
            int id = t;
            started.add(Thread.ofPlatform().start(() -> {
                try {
                    body.run(id);
                } catch (Throwable e) {
                    failure[0] = e;
                }
            }));
        }
        for (Thread t : started) {
            t.join();
        }
        if (failure[0] != null) {
            throw new AssertionError("a thread failed", failure[0]);
        }
    }

    private interface ThrowingBody {
        void run(int thread) throws Exception;
    }

    @Test
    void shouldLetOneThreadOfOneNodeAtATimeIntoTheCriticalSection() {
        List<Long> totals = Meld.localResults(3, CONFIG, meld -> {
            GlobalLock lock = meld.lock("guard");
            try (GlobalLongArray shared = meld.longArray("shared", 2)) {
                threads(2, t -> {
                    for (int i = 0; i < 50; i++) {
                        lock.lock();
                        try {
                            // a read-modify-write that only mutual exclusion keeps exact
                            long v = shared.get(0);
                            shared.put(0, v + 1);
                            long inside = shared.addAndGet(1, 1);
                            if (inside != 1) {
                                throw new AssertionError(inside + " threads inside at once");
                            }
                            shared.addAndGet(1, -1);
                        } finally {
                            lock.unlock();
                        }
                    }
                });
                meld.barrier();
                return shared.get(0);
            }
        });
        assertThat(totals).containsOnly(3L * 2 * 50);
    }

    @Test
    void shouldGrantTheLockInTheOrderTheRequestsReachedTheHome() {
        List<List<Long>> orders = Meld.localResults(3, CONFIG, meld -> {
            GlobalLock lock = meld.lock("fifo");
            GlobalLatch firstAsked = meld.latch("first asked", 1);
            GlobalLatch secondAsked = meld.latch("second asked", 1);
            GlobalCounter turn = meld.counter("turn");
            try (GlobalLongArray log = meld.longArray("log", 2)) {
                if (meld.rank() == 0) {
                    lock.lock();
                }
                meld.barrier();
                // Node 1 asks while node 0 holds the lock, then node 2 does; node 0 then lets go.
                Thread waiter = null;
                if (meld.rank() > 0) {
                    if (meld.rank() == 2) {
                        firstAsked.await();
                    }
                    waiter = Thread.ofPlatform().start(() -> {
                        lock.lock();
                        log.set(turn.getAndAdd(1), meld.rank());
                        lock.unlock();
                    });
                    Thread.sleep(200); // the request reaches the home meanwhile
                    (meld.rank() == 1 ? firstAsked : secondAsked).countDown();
                    waiter.join();
                } else {
                    secondAsked.await();
                    lock.unlock();
                }
                meld.barrier();
                return List.of(log.get(0), log.get(1));
            }
        });
        assertThat(orders).allSatisfy(order -> assertThat(order).containsExactly(1L, 2L));
    }

    @Test
    void shouldRefuseReentryUnlockByAnotherThreadAndGiveUpAfterATimeout() {
        Meld.local(2, CONFIG, meld -> {
            GlobalLock lock = meld.lock("strict");
            if (meld.rank() == 0) {
                lock.lock();
                assertThatThrownBy(lock::lock)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("not reentrant");
                Thread other = Thread.ofPlatform()
                        .start(() -> assertThatThrownBy(lock::unlock)
                                .isInstanceOf(IllegalStateException.class)
                                .hasMessageContaining("is not held by"));
                other.join();
            }
            meld.barrier();
            if (meld.rank() == 1) {
                assertThat(lock.tryLock(Duration.ofMillis(200))).isFalse();
            }
            meld.barrier();
            if (meld.rank() == 0) {
                lock.unlock();
            }
            meld.barrier();
            if (meld.rank() == 1) {
                assertThat(lock.tryLock(Duration.ofSeconds(10))).isTrue();
                lock.unlock();
            }
        });
    }

    /** A name starting with {@code prefix} whose home is one of {@code homes} in a cluster of {@code size}. */
    private static String homedAt(String prefix, int size, int... homes) {
        for (int i = 0; ; i++) {
            int home = SyncService.homeOf(prefix + i, size);
            for (int h : homes) {
                if (home == h) {
                    return prefix + i;
                }
            }
        }
    }

    @Test
    void shouldFailAWaiterWhenTheLocksHomeLeaves() {
        String name = homedAt("lock-", 3, 2);
        String doneName = homedAt("done-", 3, 0, 1);
        Meld.local(3, CONFIG.with("meld.shutdown.timeout", "500ms"), meld -> {
            GlobalLock lock = meld.lock(name);
            GlobalLatch done = meld.latch(doneName, 1);
            if (meld.rank() == 1) {
                lock.lock();
            }
            meld.barrier();
            switch (meld.rank()) {
                case 0 -> {
                    assertThatThrownBy(lock::lock) // node 2 leaves meanwhile
                            .isInstanceOfSatisfying(
                                    NodeFailedException.class,
                                    e -> assertThat(e.node()).isEqualTo(2))
                            .hasMessageContaining("node 2");
                    done.countDown();
                }
                case 1 -> done.await(); // holds the lock: its leaving would pass the lock to node 0
                default -> {}
            }
        });
    }

    @Test
    void shouldPassALockHeldByANodeThatLeftToTheNextInLine() {
        String name = homedAt("lock-", 3, 0);
        String askedName = homedAt("asked-", 3, 0, 1);
        String grantedName = homedAt("granted-", 3, 0, 1);
        Meld.local(3, CONFIG.with("meld.shutdown.timeout", "500ms"), meld -> {
            GlobalLock lock = meld.lock(name);
            GlobalLatch asked = meld.latch(askedName, 1);
            GlobalLatch granted = meld.latch(grantedName, 1);
            if (meld.rank() == 2) {
                lock.lock();
            }
            meld.barrier();
            switch (meld.rank()) {
                case 0 -> granted.await(); // the home stays until node 1 had the lock
                case 1 -> {
                    AtomicBoolean gotIt = new AtomicBoolean();
                    Thread waiter = Thread.ofPlatform().start(() -> {
                        lock.lock(); // granted once node 2 has left
                        gotIt.set(true);
                        lock.unlock();
                    });
                    Thread.sleep(200); // the request reaches the home meanwhile
                    asked.countDown();
                    waiter.join();
                    granted.countDown();
                    assertThat(gotIt).isTrue();
                }
                default -> asked.await(); // then leaves, holding the lock
            }
        });
    }

    @Test
    void shouldOpenTheLatchForEveryNodeWhenEveryNodeCountedDown() {
        List<Boolean> results = Meld.localResults(3, CONFIG, meld -> {
            GlobalLatch latch = meld.latch("ready", 3);
            try (GlobalLongArray data = meld.longArray("data", 3)) {
                if (meld.rank() == 1) {
                    assertThat(latch.await(Duration.ofMillis(100))).isFalse();
                }
                data.put(meld.rank(), meld.rank() + 10); // fire-and-forget: the count-down fences it
                latch.countDown();
                latch.await();
                boolean seen = data.get(0) == 10 && data.get(1) == 11 && data.get(2) == 12;
                return seen && latch.count() == 0;
            }
        });
        assertThat(results).containsOnly(true);
    }

    @Test
    void shouldCountExactlyUnderContentionFromEveryNode() {
        List<Set<Long>> seen = Meld.localResults(3, CONFIG, meld -> {
            GlobalCounter counter = meld.counter("tickets");
            Set<Long> mine = java.util.Collections.synchronizedSet(new HashSet<>());
            threads(3, t -> {
                for (int i = 0; i < 200; i++) {
                    mine.add(counter.incrementAndGet());
                }
            });
            meld.barrier();
            long total = counter.get();
            if (total != 3L * 3 * 200 || meld.allReduce((long) mine.size(), LongOp.SUM) != total) {
                return Set.of(-1L);
            }
            return mine;
        });
        Set<Long> all = new HashSet<>();
        for (Set<Long> s : seen) {
            assertThat(s).doesNotContain(-1L);
            all.addAll(s);
        }
        assertThat(all).hasSize(1800).contains(1L, 1800L);
    }

    @Test
    void shouldFailEveryNodeWhenNodesAllocateDifferentLatches() {
        List<String> messages = Meld.localResults(2, CONFIG, meld -> {
            try {
                meld.latch("gate", meld.rank() == 0 ? 2 : 3);
                return "allocated";
            } catch (RuntimeException e) {
                return e.getMessage();
            }
        });
        assertThat(messages)
                .containsOnly("nodes allocated latch 'gate' differently: node 0 allocated latch 'gate' with count 2,"
                        + " node 1 allocated latch 'gate' with count 3");
    }
}
