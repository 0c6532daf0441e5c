package io.meld.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.meld.ClassNotAllowedException;
import io.meld.Distribution;
import io.meld.GlobalCounter;
import io.meld.GlobalLatch;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.TaskFailedException;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code at}, {@code asyncAt} and {@code finish} across the nodes of a local cluster. */
@Timeout(60)
class TaskTest {
    private static final MeldConfig CONFIG =
            MeldConfig.defaults().with("meld.codec.classes", "io.meld.task.*").with("meld.shutdown.timeout", "500ms");

    /** Lets the task that ignores interrupts (in the node failure test) end once the test is over. */
    private static final CountDownLatch RELEASE_STUBBORN = new CountDownLatch(1);

    @Test
    void shouldRunAtOnTheNamedNodeAndReturnItsResult() {
        List<List<Object>> results = Meld.localResults(3, CONFIG, meld -> {
            List<Object> seen = new ArrayList<>();
            for (int n = 0; n < meld.size(); n++) {
                int[] payload = {n, 7};
                seen.add(meld.at(n, here -> "node " + here.rank() + " got " + Arrays.toString(payload)));
            }
            meld.barrier();
            return seen;
        });
        for (List<Object> seen : results) {
            assertThat(seen).containsExactly("node 0 got [0, 7]", "node 1 got [1, 7]", "node 2 got [2, 7]");
        }
    }

    /**
     * Finishes nested deeper than the stack overflow it, and the program sees a {@link StackOverflowError}
     * (not the {@link BootstrapMethodError} of a call site the JVM could not link with the stack gone,
     * nor one exception per level); the node goes on.
     */
    @Test
    void shouldReportFinishesNestedTooDeepAsAStackOverflow() {
        Meld.local(1, CONFIG, meld -> {
            assertThatThrownBy(() -> nest(meld, 20_000)).isInstanceOf(StackOverflowError.class);
            long[] ran = new long[1];
            meld.finish(() -> ran[0]++);
            assertThat(ran[0]).isEqualTo(1);
        });
    }

    private static void nest(Meld meld, int depth) {
        if (depth > 0) {
            meld.finish(() -> nest(meld, depth - 1));
        }
    }

    @Test
    void shouldRunTasksOnCopiesOfWhatTheyCaptureEvenOnTheCallingNode() {
        Meld.local(1, CONFIG, meld -> {
            long[] captured = {1, 2, 3};
            long[] back = meld.at(0, here -> {
                captured[0] = 100;
                return captured;
            });
            assertThat(captured).containsExactly(1, 2, 3);
            assertThat(back).containsExactly(100, 2, 3).isNotSameAs(captured);
        });
    }

    @Test
    void shouldWaitForEveryTaskSpawnedTransitivelyOnEveryNode() {
        List<Long> totals = Meld.localResults(3, CONFIG, meld -> {
            GlobalLongArray hits = meld.longArray("hits", meld.size(), Distribution.CYCLIC);
            if (meld.rank() == 0) {
                // A tree of tasks three levels deep, fanning out to every node at each level; each task
                // adds to the element its node owns. No barrier: only the finish orders the adds.
                meld.finish(() -> spawnTree(meld, hits, 3));
                long sum = 0;
                for (int n = 0; n < meld.size(); n++) {
                    sum += hits.get(n);
                }
                hits.put(0, sum);
            }
            meld.barrier();
            return hits.get(0);
        });
        // 3 + 9 + 27 tasks
        assertThat(totals).containsOnly(39L);
    }

    private static void spawnTree(Meld meld, GlobalLongArray hits, int depth) {
        for (int n = 0; n < meld.size(); n++) {
            meld.asyncAt(n, here -> {
                hits.add(here.rank(), 1); // a local element: the finish waits until it is applied
                if (depth > 1) {
                    spawnTree(here, hits, depth - 1);
                }
            });
        }
    }

    @Test
    void shouldLetAnInnerFinishWaitOnlyForItsOwnTasks() {
        Meld.local(2, CONFIG, meld -> {
            GlobalLongArray log = meld.longArray("log", 4, Distribution.BLOCK);
            GlobalLatch outerMayEnd = meld.latch("outer may end", 1);
            if (meld.rank() == 0) {
                meld.finish(() -> {
                    // A task of the outer finish that waits for the inner one to have ended.
                    meld.asyncAt(1, here -> {
                        outerMayEnd.await();
                        log.set(1, 1);
                    });
                    meld.finish(() -> meld.asyncAt(1, here -> log.set(0, 1)));
                    // The inner finish has returned: its task ran, the outer's has not.
                    assertThat(log.get(0)).isEqualTo(1);
                    assertThat(log.get(1)).isZero();
                    outerMayEnd.countDown();
                });
                assertThat(log.get(1)).isEqualTo(1);
            }
            meld.barrier();
        });
    }

    @Test
    void shouldCountSpawnsFromInsideAnAtBodyInTheCallersFinish() {
        Meld.local(2, CONFIG, meld -> {
            GlobalCounter done = meld.counter("done");
            if (meld.rank() == 0) {
                meld.finish(() -> {
                    long rank = meld.at(1, here -> {
                        here.asyncAt(0, again -> {
                            Thread.sleep(100); // outlives the at
                            done.getAndAdd(1);
                        });
                        return (long) here.rank();
                    });
                    assertThat(rank).isEqualTo(1);
                });
                assertThat(done.get()).isEqualTo(1);
            }
            meld.barrier();
        });
    }

    @Test
    void shouldReportWhatARemoteTaskThrewWithItsNodeAndStack() {
        Meld.local(3, CONFIG, meld -> {
            if (meld.rank() == 0) {
                TaskFailedException at = catchThrowableOfType(
                        () -> meld.at(2, here -> failingTask(here.rank())), TaskFailedException.class);
                assertThat(at.node()).isEqualTo(2);
                assertThat(at)
                        .hasMessage("task on node 2 threw java.lang.IllegalStateException: no disk on node 2"
                                + " (caused by java.io.IOException: sda gone)");
                assertThat(at.getStackTrace()[0].getMethodName()).isEqualTo("failingTask");
                // the caller's frames follow the task's
                assertThat(Arrays.stream(at.getStackTrace()).map(e -> e.getClassName() + "." + e.getMethodName()))
                        .contains("io.meld.task.TaskService.at")
                        .anyMatch(frame -> frame.startsWith(TaskTest.class.getName()
                                + ".lambda$shouldReportWhatARemoteTaskThrewWithItsNodeAndStack"));

                TaskFailedException finish = catchThrowableOfType(
                        () -> meld.finish(() -> {
                            for (int n = 0; n < meld.size(); n++) {
                                meld.asyncAt(n, here -> {
                                    if (here.rank() > 0) {
                                        failingTask(here.rank());
                                    }
                                });
                            }
                        }),
                        TaskFailedException.class);
                assertThat(finish.node()).isEqualTo(-1);
                assertThat(finish).hasMessageStartingWith("finish: 2 tasks failed (first on node ");
                assertThat(finish.getSuppressed()).hasSize(2);
                assertThat(Arrays.stream(finish.getSuppressed())
                                .map(t -> ((TaskFailedException) t).node())
                                .sorted())
                        .containsExactly(1, 2);
                assertThat(finish.getSuppressed()[0].getStackTrace()[0].getMethodName())
                        .isEqualTo("failingTask");

                // The block's own exception is reported once its tasks have ended.
                GlobalCounter ran = meld.counter("ran");
                TaskFailedException block = catchThrowableOfType(
                        () -> meld.finish(() -> {
                            meld.asyncAt(1, here -> {
                                Thread.sleep(100);
                                ran.getAndAdd(1);
                            });
                            throw new IllegalArgumentException("bad block");
                        }),
                        TaskFailedException.class);
                assertThat(ran.get()).isEqualTo(1);
                assertThat(block).hasMessageContaining("the block threw java.lang.IllegalArgumentException: bad block");
                assertThat(block.getSuppressed()[0]).isInstanceOf(IllegalArgumentException.class);
            } else {
                meld.counter("ran");
            }
            meld.barrier();
        });
    }

    private static Void failingTask(int node) {
        throw new IllegalStateException("no disk on node " + node, new java.io.IOException("sda gone"));
    }

    @Test
    void shouldRefuseMisuseNamingTheProblem() {
        Meld.local(2, CONFIG, meld -> {
            if (meld.rank() == 0) {
                assertThatThrownBy(() -> meld.asyncAt(1, here -> {}))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("outside a finish");
                assertThatThrownBy(() -> meld.at(2, here -> 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("node 2");
                assertThatThrownBy(() -> meld.finish(() -> meld.asyncAt(-1, here -> {})))
                        .isInstanceOf(TaskFailedException.class)
                        .hasMessageContaining("node -1");
                // A captured value whose class is not allowed: refused here, nothing is sent.
                Thread notAllowed = new Thread(() -> {});
                assertThatThrownBy(() -> meld.at(1, here -> notAllowed.getName()))
                        .isInstanceOf(ClassNotAllowedException.class)
                        .hasMessageContaining("java.lang.Thread");
                // A result whose class node 1 cannot send back.
                assertThatThrownBy(() -> meld.at(1, here -> new java.util.Random(1)))
                        .isInstanceOf(TaskFailedException.class)
                        .hasMessageContaining("java.util.Random");
            }
            meld.barrier();
        });
    }

    @Test
    void shouldRefuseACollectiveInsideATaskNamingTheTask() {
        // A task runs on one node, while every node must call a collective. A barrier in a task that every
        // node spawned used to line up with the others' as a real barrier, unnoticed; now it fails at once,
        // before it is numbered, so the program's own collectives still line up afterwards.
        List<List<Throwable>> failures = Meld.localResults(2, CONFIG, meld -> {
            int other = 1 - meld.rank();
            List<Throwable> seen = new ArrayList<>();
            seen.add(catchThrowable(() -> meld.at(other, here -> {
                here.barrier();
                return 0;
            })));
            seen.add(catchThrowable(() -> meld.at(meld.rank(), here -> here.allReduce(1L, LongOp.SUM))));
            seen.add(catchThrowable(() -> meld.finish(() -> meld.asyncAt(other, here -> here.longArray("t", 4)))));
            meld.barrier();
            return seen;
        });
        for (int node = 0; node < 2; node++) {
            int other = 1 - node;
            List<Throwable> seen = failures.get(node);
            assertThat(seen)
                    .allSatisfy(t -> assertThat(t)
                            .isInstanceOf(TaskFailedException.class)
                            .hasMessageContaining("IllegalStateException")
                            .hasMessageContaining("collectives are called by the program's thread of every node")
                            .hasMessageContaining("never from a task"));
            assertThat(seen.get(0))
                    .hasMessageContaining("barrier() called inside the body of at(" + other + ", ...) called by node "
                            + node + " on node " + other);
            assertThat(seen.get(1))
                    .hasMessageContaining("allReduce(long, SUM) called inside the body of at(" + node
                            + ", ...) called by node " + node + " on node " + node);
            assertThat(seen.get(2))
                    .hasMessageContaining("longArray(\"t\", ...) called inside an asyncAt(" + other
                            + ", ...) task of a finish of node " + node + " on node " + other);
        }
    }

    @Test
    void shouldNameTheClassThatWroteATaskWhenItIsNotAllowed() {
        // The lambda's own class (TaskTest$$Lambda/0x...) is hidden: no program can register it, so the
        // refusal names the class whose code holds the lambda.
        String self = TaskTest.class.getName();
        Meld.local(2, MeldConfig.defaults().with("meld.shutdown.timeout", "500ms"), meld -> {
            assertThatThrownBy(() -> meld.at(1 - meld.rank(), here -> 1))
                    .isInstanceOf(ClassNotAllowedException.class)
                    .hasMessageContaining("lambda written by class " + self + " (its hidden class " + self + "$$Lambda")
                    .hasMessageContaining("Register " + self + " on every node with Meld.register")
                    .extracting(e -> ((ClassNotAllowedException) e).className())
                    .isEqualTo(self);
            meld.register(TaskTest.class);
            meld.barrier();
            assertThat(meld.at(1 - meld.rank(), Meld::rank)).isEqualTo(1 - meld.rank());
            meld.barrier();
        });
    }

    @Test
    void shouldFailAFinishAtOnceWhenANodeWithItsTasksLeaves() {
        try {
            Meld.local(2, CONFIG, meld -> {
                meld.barrier();
                if (meld.rank() == 1) {
                    return; // leaves, with node 0's task still running here
                }
                NodeFailedException e = catchThrowableOfType(
                        () -> meld.finish(() -> meld.asyncAt(1, here -> {
                            // ignores interrupts, so only the node's leaving can end the finish
                            while (RELEASE_STUBBORN.getCount() > 0) {
                                try {
                                    RELEASE_STUBBORN.await(10, TimeUnit.SECONDS);
                                } catch (InterruptedException ignored) {
                                    // on purpose
                                }
                            }
                        })),
                        NodeFailedException.class);
                assertThat(e.node()).isEqualTo(1);
                assertThat(e).hasMessageContaining("node 1");
            });
        } finally {
            RELEASE_STUBBORN.countDown();
        }
    }

    @Test
    void shouldFailAWaitingFinishWhenItsNodeIsClosed() {
        Meld.local(1, CONFIG, meld -> {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread waiter = Thread.ofPlatform()
                    .start(() -> outcome.set(catchThrowable(() -> meld.finish(() -> {
                        meld.asyncAt(0, here -> Thread.sleep(60_000));
                        started.countDown();
                    }))));
            started.await();
            meld.close();
            waiter.join();
            assertThat(outcome.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> meld.at(0, here -> 1)).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void shouldStopWaitingWhenTheFinishingThreadIsInterrupted() {
        Meld.local(1, CONFIG, meld -> {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread waiter = Thread.ofPlatform().start(() -> {
                outcome.set(catchThrowable(() -> meld.finish(() -> {
                    meld.asyncAt(0, here -> Thread.sleep(60_000));
                    started.countDown();
                })));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            started.await();
            waiter.interrupt();
            waiter.join();
            assertThat(outcome.get()).isInstanceOf(MeldException.class).hasMessageContaining("interrupted");
            assertThat(stillInterrupted.get()).isTrue();
        });
    }

    private static <T extends Throwable> T catchThrowableOfType(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Class<T> type) {
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(type);
        return type.cast(t);
    }
}
