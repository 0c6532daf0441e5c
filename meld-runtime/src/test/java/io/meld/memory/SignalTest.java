package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.runThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.Signal;
import io.meld.config.MeldConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Point-to-point synchronization on global memory: a put with a signal, and {@code waitUntil} on the
 * waiting node's own flag. The data is there once the flag is seen, on every distribution (a range at
 * the flag's home travels with the signal; a range spread over several homes is written first), with
 * many steps in flight; every operation that writes a flag wakes its waiter.
 */
@Timeout(60)
class SignalTest {
    private static final int BLOCK = 64;
    private static final int STEPS = 150;
    /** Parks at once, so that waking the waiter is what is tested, not polling. */
    private static final MeldConfig PARK = config("meld.memory.spin", "0", "meld.memory.chunk-size", "16");

    private static final List<Distribution> DISTRIBUTIONS = List.of(
            Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(3), Distribution.blockCyclic(BLOCK));

    /** The value a writer puts at position {@code k} of its block in step {@code step}. */
    private static double value(int step, int k) {
        return step * 1000.0 + k;
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {1, 2, 3})
    void shouldMakeThePutsDataVisibleOnceItsSignalIsSeenOnEveryDistribution(int nodes) {
        Meld.local(nodes, PARK, meld -> {
            int me = meld.rank();
            int next = (me + 1) % nodes;
            int previous = (me + nodes - 1) % nodes;
            for (Distribution d : DISTRIBUTIONS) {
                try (GlobalDoubleArray mail = meld.doubleArray("mail-" + d, (long) nodes * BLOCK, d);
                        GlobalLongArray flags = meld.longArray("flags-" + d, nodes, Distribution.CYCLIC)) {
                    double[] block = new double[BLOCK];
                    for (int step = 1; step <= STEPS; step++) {
                        // Write the next node's mailbox, then read this node's once its flag says the step.
                        for (int k = 0; k < BLOCK; k++) {
                            block[k] = value(step, k);
                        }
                        mail.put((long) next * BLOCK, block, 0, BLOCK, Signal.set(flags, next, step));
                        long seen = flags.waitUntil(me, v -> v >= 1);
                        int s = (int) seen;
                        // The writer may be ahead, overwriting with later steps, but never behind the flag.
                        double[] got = new double[BLOCK];
                        mail.get((long) me * BLOCK, got, 0, BLOCK);
                        for (int k = 0; k < BLOCK; k++) {
                            double v = got[k];
                            assertThat(v)
                                    .as("%s[%d] from node %d after flag %d", mail, me * BLOCK + k, previous, s)
                                    .isGreaterThanOrEqualTo(value(s, k));
                            assertThat(v % 1000.0).isEqualTo(k);
                        }
                    }
                    meld.barrier();
                    assertThat(flags.get(me)).isEqualTo(STEPS);
                }
            }
        });
    }

    @Test
    void shouldCountArrivalsFromEveryWriterWithAddSignals() {
        int nodes = 3;
        Meld.local(nodes, PARK, meld -> {
            try (GlobalLongArray rows = meld.longArray("rows", nodes * nodes, Distribution.blockCyclic(nodes));
                    GlobalLongArray arrived = meld.longArray("arrived", nodes, Distribution.CYCLIC)) {
                for (int step = 1; step <= 50; step++) {
                    // Every node writes its slot of every node's row, each with an add to that node's count.
                    for (int to = 0; to < nodes; to++) {
                        long[] one = {step * 10L + meld.rank()};
                        rows.put((long) to * nodes + meld.rank(), one, 0, 1, Signal.add(arrived, to, 1));
                    }
                    int s = step;
                    arrived.waitUntil(meld.rank(), v -> v >= (long) s * nodes);
                    long[] row = rows.local().array();
                    for (int from = 0; from < nodes; from++) {
                        assertThat(row[from])
                                .as("slot %d after step %d", from, step)
                                .isGreaterThanOrEqualTo(step * 10L + from);
                    }
                    meld.barrier(); // keeps the writers from getting two steps ahead of the count's check
                }
            }
        });
    }

    @Test
    void shouldWakeAWaiterForEveryOperationThatWritesItsFlag() {
        Meld.local(2, PARK, meld -> {
            try (GlobalLongArray flags = meld.longArray("wake", 2, Distribution.CYCLIC)) {
                meld.barrier();
                if (meld.rank() == 0) {
                    // A remote fire-and-forget add, a remote blocking set, a remote compare-and-set.
                    assertThat(flags.waitUntil(0, v -> v == 1)).isEqualTo(1);
                    assertThat(flags.waitUntil(0, v -> v == 5)).isEqualTo(5);
                    assertThat(flags.waitUntil(0, v -> v == 6)).isEqualTo(6);
                    // Another thread of this node, with a blocking set on the element.
                    runThreads(2, false, t -> {
                        if (t == 0) {
                            assertThat(flags.waitUntil(0, v -> v == 7)).isEqualTo(7);
                        } else {
                            Thread.sleep(20);
                            flags.set(0, 7);
                        }
                    });
                } else {
                    Thread.sleep(20);
                    flags.add(0, 1);
                    meld.fence();
                    Thread.sleep(20);
                    flags.set(0, 5);
                    Thread.sleep(20);
                    assertThat(flags.compareAndSet(0, 5, 6)).isTrue();
                }
                meld.barrier();
            }
        });
    }

    @Test
    void shouldRefuseToWaitOnAnotherNodesElementAndTimeOutNamingTheValue() {
        Meld.local(2, PARK, meld -> {
            try (GlobalLongArray flags = meld.longArray("mine", 2, Distribution.CYCLIC)) {
                int other = 1 - meld.rank();
                assertThatThrownBy(() -> flags.waitUntil(other, v -> true))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("element " + other + " of array 'mine'")
                        .hasMessageContaining("which node " + other + " holds");
                assertThatThrownBy(() -> flags.waitUntil(2, v -> true)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> flags.waitUntil(meld.rank(), v -> v == 42, Duration.ofMillis(30)))
                        .isInstanceOf(MeldTimeoutException.class)
                        .hasMessageContaining("element " + meld.rank() + " of array 'mine'")
                        .hasMessageContaining("its value is 0");
                meld.barrier();
            }
        });
    }

    @Test
    void shouldRefuseANegativeTimeoutAndAWaitOnAnIoThread() {
        Meld.local(2, PARK, meld -> {
            try (GlobalLongArray flags = meld.longArray("io", 2, Distribution.CYCLIC)) {
                int me = meld.rank();
                assertThatThrownBy(() -> flags.waitUntil(me, v -> v == 1, Duration.ofMillis(-1)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("PT-0.001S");
                // A remote get's callback runs on the I/O thread that read the answer.
                Throwable refused = flags.getAsync(1 - me)
                        .thenApply(v -> {
                            try {
                                flags.waitUntil(me, x -> x == 1);
                                return null;
                            } catch (IllegalStateException e) {
                                return e;
                            }
                        })
                        .join();
                assertThat(refused).isNotNull().hasMessageContaining("cannot wait on node " + me + "'s I/O thread");
                meld.barrier();
            }
        });
    }

    @Test
    void shouldRefuseASignalOfAnotherNodeOrOutsideItsArray() {
        Meld.local(1, PARK, meld -> {
            try (GlobalDoubleArray data = meld.doubleArray("data", 10);
                    GlobalLongArray flags = meld.longArray("f", 2)) {
                double[] src = new double[3];
                assertThatThrownBy(() -> data.put(0, src, 0, 3, Signal.set(flags, 2, 1)))
                        .isInstanceOf(IndexOutOfBoundsException.class)
                        .hasMessageContaining("index 2");
                assertThatThrownBy(() -> data.put(8, src, 0, 3, Signal.set(flags, 0, 1)))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThat(flags.get(0)).isZero();
            }
        });
    }

    @Test
    void shouldFailAWaiterWhenEveryOtherNodeHasClosed() {
        assertThatThrownBy(() -> Meld.local(2, PARK, meld -> {
                    GlobalLongArray flags = meld.longArray("never", 2, Distribution.CYCLIC);
                    meld.barrier();
                    if (meld.rank() == 1) {
                        throw new IllegalStateException("node 1 gives up before it signals");
                    }
                    flags.waitUntil(0, v -> v == 1);
                }))
                .isInstanceOf(MeldException.class)
                .hasMessageContaining("node 1 gives up")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .anySatisfy(s -> assertThat(s)
                                .hasMessageContaining("every other node has closed, so node 0 waits"
                                        + " in vain: waitUntil on element 0 of array 'never' (its value is 0)")));
    }
}
