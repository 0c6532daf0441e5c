package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LocalDoubleArray;
import io.meld.LocalLongArray;
import io.meld.LocalSpan;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Local views: {@code forallLocal}'s spans and {@code local()} hand out the storage itself, every element
 * exactly once, with the right global index, for every distribution and across chunk boundaries (chunks
 * of 16 elements here, so that every share is several).
 */
@Timeout(60)
class LocalViewTest {
    private static final int CHUNK = 16;
    private static final MeldConfig SMALL_CHUNKS =
            config("meld.threads", "2", "meld.memory.chunk-size", Integer.toString(CHUNK));
    private static final List<Distribution> DISTRIBUTIONS =
            List.of(Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(3), Distribution.blockCyclic(40));

    private static double value(long i) {
        return i * 0.5 + 1;
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {1, 2, 3})
    void shouldHandEveryElementOnceAtItsGlobalIndexForEveryDistribution(int nodes) {
        int length = 1003;
        Meld.local(nodes, SMALL_CHUNKS, meld -> {
            for (Distribution d : DISTRIBUTIONS) {
                try (GlobalDoubleArray a = meld.doubleArray("a-" + d, length, d);
                        GlobalLongArray visits = meld.longArray("visits-" + d, length, d)) {
                    AtomicLong spans = new AtomicLong();
                    meld.forallLocal(a, span -> {
                        spans.incrementAndGet();
                        double[] x = span.of(a);
                        long[] v = span.of(visits);
                        assertThat(span.end() - span.start()).isPositive().isLessThanOrEqualTo(CHUNK);
                        for (int j = span.start(); j < span.end(); j++) {
                            long i = span.globalIndex(j);
                            assertThat(a.owner(i)).isEqualTo(meld.rank());
                            assertThat(a.globalIndex(span.localStart() + j - span.start()))
                                    .isEqualTo(i);
                            x[j] = value(i);
                            v[j]++;
                        }
                    });
                    // Every node reads every element from its home: the plain writes are visible.
                    double[] values = new double[length];
                    long[] counts = new long[length];
                    a.get(0, values, 0, length);
                    visits.get(0, counts, 0, length);
                    for (int i = 0; i < length; i++) {
                        assertThat(values[i])
                                .as("%s[%d] on node %d", a, i, meld.rank())
                                .isEqualTo(value(i));
                        assertThat(counts[i]).as("visits of %d", i).isEqualTo(1);
                    }
                    // A share of several chunks is several spans (chunks of 16, blocks of 3 cut them further).
                    long share = a.localLength();
                    assertThat(spans.get()).isGreaterThanOrEqualTo((share + CHUNK - 1) / CHUNK);
                    meld.barrier();
                }
            }
        });
    }

    @Test
    void shouldZipArraysDistributedAlikeAsATriad() {
        int length = 5000;
        Meld.local(2, SMALL_CHUNKS, meld -> {
            for (Distribution d : DISTRIBUTIONS) {
                try (GlobalDoubleArray a = meld.doubleArray("ta-" + d, length, d);
                        GlobalDoubleArray b = meld.doubleArray("tb-" + d, length, d);
                        GlobalDoubleArray c = meld.doubleArray("tc-" + d, length, d)) {
                    meld.forallLocal(b, span -> {
                        double[] y = span.of(b);
                        double[] z = span.of(c);
                        for (int j = span.start(); j < span.end(); j++) {
                            y[j] = span.globalIndex(j);
                            z[j] = 2.0;
                        }
                    });
                    meld.forallLocal(a, span -> {
                        double[] x = span.of(a);
                        double[] y = span.of(b);
                        double[] z = span.of(c);
                        for (int j = span.start(); j < span.end(); j++) {
                            x[j] = y[j] + 3.0 * z[j];
                        }
                    });
                    double[] all = new double[length];
                    a.get(0, all, 0, length);
                    for (int i = 0; i < length; i++) {
                        assertThat(all[i]).as("%s[%d]", a, i).isEqualTo(i + 6.0);
                    }
                }
            }
        });
    }

    @Test
    void shouldCoverOnlyTheSubRange() {
        Meld.local(3, SMALL_CHUNKS, meld -> {
            for (Distribution d : DISTRIBUTIONS) {
                try (GlobalLongArray a = meld.longArray("sub-" + d, 500, d)) {
                    meld.forallLocal(a, 37, 411, span -> {
                        long[] x = span.of(a);
                        for (int j = span.start(); j < span.end(); j++) {
                            x[j] = span.globalIndex(j);
                        }
                    });
                    long[] all = new long[500];
                    a.get(0, all, 0, 500);
                    for (int i = 0; i < 500; i++) {
                        assertThat(all[i]).as("%s[%d]", a, i).isEqualTo(i >= 37 && i < 411 ? i : 0);
                    }
                }
            }
        });
    }

    @Test
    void shouldRefuseAnArrayDistributedOtherwiseNamingBoth() {
        List<String> failures = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            try (GlobalDoubleArray a = meld.doubleArray("block", 100, Distribution.BLOCK);
                    GlobalDoubleArray b = meld.doubleArray("cyclic", 100, Distribution.CYCLIC);
                    GlobalDoubleArray shorter = meld.doubleArray("shorter", 99, Distribution.BLOCK)) {
                List<String> seen = new ArrayList<>();
                for (GlobalDoubleArray other : List.of(b, shorter)) {
                    try {
                        meld.forallLocal(a, span -> span.of(other));
                        seen.add("no failure");
                    } catch (IllegalArgumentException e) {
                        seen.add(e.getMessage());
                    } catch (MeldException e) {
                        seen.add("other node: " + e.getMessage());
                    }
                }
                return String.join(" | ", seen);
            }
        });
        for (String f : failures) {
            // Every node holds elements of 'block', so every node's body fails on its own.
            assertThat(f)
                    .contains("array 'cyclic' (double[100] CYCLIC) is not distributed like 'block' (double[100] BLOCK)")
                    .contains("array 'shorter' (double[99] BLOCK) is not distributed like 'block'");
        }
    }

    @Test
    void shouldReadAndWriteTheShareThroughAViewAcrossChunkBoundaries() {
        Meld.local(2, SMALL_CHUNKS, meld -> {
            for (Distribution d : DISTRIBUTIONS) {
                try (GlobalLongArray a = meld.longArray("view-" + d, 301, d)) {
                    LocalLongArray mine = a.local();
                    assertThat(mine.length()).isEqualTo(a.localLength());
                    for (long j = 0; j < mine.length(); j++) {
                        mine.set(j, mine.globalIndex(j) * 10);
                    }
                    // Copy out and in across chunk boundaries, at an offset of the caller's array.
                    int n = (int) mine.length() - 5;
                    long[] out = new long[n + 3];
                    mine.get(2, out, 3, n);
                    for (int k = 0; k < n; k++) {
                        assertThat(out[3 + k]).isEqualTo(mine.globalIndex(2 + k) * 10);
                        out[3 + k]++;
                    }
                    mine.put(2, out, 3, n);
                    meld.barrier();
                    for (long i = 0; i < a.length(); i++) {
                        long j = a.owner(i) == meld.rank() ? mine.localIndex(i) : -1;
                        assertThat(j >= 0).isEqualTo(a.owner(i) == meld.rank());
                        boolean bumped = a.owner(i) == meld.rank() && j >= 2 && j < 2 + n;
                        long expected = i * 10 + (bumped ? 1 : 0);
                        if (j >= 0) {
                            assertThat(mine.get(j)).isEqualTo(expected);
                            assertThat(mine.globalIndex(j)).isEqualTo(i);
                        }
                    }
                    // The spans of the share: in local order, each within a chunk, covering it once.
                    long next = 0;
                    for (LocalSpan span : mine.spans()) {
                        assertThat(span.localStart()).isEqualTo(next);
                        long[] storage = span.of(a);
                        for (int p = span.start(); p < span.end(); p++) {
                            assertThat(storage[p]).isEqualTo(mine.get(next));
                            assertThat(span.globalIndex(p)).isEqualTo(mine.globalIndex(next));
                            next++;
                        }
                    }
                    assertThat(next).isEqualTo(mine.length());
                    // 150 or so elements in chunks of 16: several chunks, so no single array.
                    assertThatThrownBy(mine::array)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("chunks of up to 16 elements")
                            .hasMessageContaining("spans()");
                    assertThatThrownBy(() -> mine.get(mine.length()))
                            .isInstanceOf(IndexOutOfBoundsException.class)
                            .hasMessageContaining("local index " + mine.length());
                    meld.barrier();
                }
            }
        });
    }

    @Test
    void shouldHandOutAShareOfOneChunkAsOneArrayThatIsTheStorage() {
        Meld.local(2, config("meld.threads", "1"), meld -> {
            GlobalDoubleArray a = meld.doubleArray("whole", 1000, Distribution.CYCLIC);
            LocalDoubleArray mine = a.local();
            double[] storage = mine.array();
            assertThat(storage).hasSize(500);
            for (int j = 0; j < storage.length; j++) {
                storage[j] = mine.globalIndex(j);
            }
            meld.barrier();
            for (long i = 0; i < a.length(); i++) {
                assertThat(a.get(i)).isEqualTo(i);
            }
            a.close();
            assertThatThrownBy(mine::array)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'whole' has been freed");
            assertThatThrownBy(a::local).isInstanceOf(IllegalStateException.class);
            try (GlobalDoubleArray single = meld.doubleArray("single", 1)) {
                // Node 1 holds nothing of a one-element array.
                assertThat(single.local().array()).hasSize(meld.rank() == 0 ? 1 : 0);
            }
        });
    }

    @Test
    void shouldMakeOperationsIssuedBySpanBodiesCompleteWhenTheLoopReturns() {
        List<Long> sums = Meld.localResults(3, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray a = meld.longArray("ops", 999, Distribution.CYCLIC);
                    GlobalLongArray total = meld.longArray("total", 1)) {
                meld.forallLocal(a, span -> {
                    long sum = 0;
                    for (int j = span.start(); j < span.end(); j++) {
                        sum += span.globalIndex(j);
                    }
                    total.add(0, sum); // fire-and-forget, mostly to another node
                });
                return meld.allReduce(total.get(0), LongOp.MAX);
            }
        });
        assertThat(sums).containsOnly(999L * 998 / 2);
    }
}
