package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.transport.TransportSettings;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reduce to a root, element-wise all-reduce, gather, all-gather, scatter, all-to-all and the scans, on
 * clusters of 3 nodes (odd, so no pairing works by accident) and of 1 node, with arrays of odd and
 * different lengths, some larger than a frame. Every result is checked against a fold computed here.
 */
@Timeout(60)
class DataCollectivesTest {
    private static final int NODES = 3;
    /** The smallest frame, so that a few hundred KiB take several frames. */
    private static final MeldConfig SMALL_FRAMES =
            MeldConfig.defaults().with(TransportSettings.MAX_FRAME_SIZE, 64L << 10);
    /** Not commutative: folding in any order but rank order gives another result. */
    private static final LongBinaryOperator ORDERED = (long a, long b) -> a * 31 + b;

    private static final DoubleBinaryOperator ORDERED_DOUBLES = (double a, double b) -> a * 0.5 + b;

    @Test
    void shouldReduceArraysToEveryRootInRankOrderAndGiveTheOthersNull() {
        List<String> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            StringBuilder problems = new StringBuilder();
            for (int root = 0; root < NODES; root++) {
                long[] got = meld.reduce(values(meld.rank(), 5), ORDERED, root);
                double[] sums = meld.reduce(doubles(meld.rank(), 7), DoubleOp.SUM, root);
                if (meld.rank() == root) {
                    expect(problems, "reduce(long[]) root " + root, got, foldLongs(NODES, 5, ORDERED));
                    expectBits(problems, "reduce(double[]) root " + root, sums, foldDoubles(NODES, 7, Double::sum));
                } else if (got != null || sums != null) {
                    problems.append("non-root ").append(meld.rank()).append(" got a result; ");
                }
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldAllReduceArraysElementWiseToTheSameBitsOnEveryNode() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            StringBuilder problems = new StringBuilder();
            int n = (20 << 10) + 1; // several frames
            expect(
                    problems,
                    "allReduce(long[])",
                    meld.allReduce(values(meld.rank(), n), ORDERED),
                    foldLongs(NODES, n, ORDERED));
            expect(
                    problems,
                    "allReduce(long[], MAX)",
                    meld.allReduce(values(meld.rank(), 3), LongOp.MAX),
                    foldLongs(NODES, 3, Math::max));
            expectBits(
                    problems,
                    "allReduce(double[])",
                    meld.allReduce(doubles(meld.rank(), 9), ORDERED_DOUBLES),
                    foldDoubles(NODES, 9, ORDERED_DOUBLES));
            expect(problems, "allReduce(long[0])", meld.allReduce(new long[0], LongOp.SUM), new long[0]);
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldGatherArraysOfDifferentLengthsAtEveryRoot() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            StringBuilder problems = new StringBuilder();
            int me = meld.rank();
            for (int root = 0; root < NODES; root++) {
                long[] mine = values(me, length(me, root));
                long[][] longs = meld.gather(mine, root);
                byte[][] bytes = meld.gather(bytes(me, length(me, root) * 8), root);
                double[][] doubles = meld.gather(doubles(me, length(me, root)), root);
                if (me != root) {
                    if (longs != null || bytes != null || doubles != null) {
                        problems.append("non-root ").append(me).append(" got a result; ");
                    }
                    continue;
                }
                if (longs[me] != mine) {
                    problems.append("the root's own entry is not its array; ");
                }
                for (int r = 0; r < NODES; r++) {
                    expect(problems, "gather(long[]) from " + r, longs[r], values(r, length(r, root)));
                    expectBytes(problems, "gather(byte[]) from " + r, bytes[r], bytes(r, length(r, root) * 8));
                    expectBits(problems, "gather(double[]) from " + r, doubles[r], doubles(r, length(r, root)));
                }
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldAllGatherArraysOfDifferentLengthsOnEveryNode() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            StringBuilder problems = new StringBuilder();
            int me = meld.rank();
            byte[] mine = bytes(me, length(me, 7) * 8 + 3);
            byte[][] bytes = meld.allGather(mine);
            long[][] longs = meld.allGather(values(me, length(me, 7)));
            double[][] doubles = meld.allGather(doubles(me, me));
            if (bytes[me] != mine) {
                problems.append("own entry is not its array; ");
            }
            for (int r = 0; r < NODES; r++) {
                expectBytes(problems, "allGather(byte[]) from " + r, bytes[r], bytes(r, length(r, 7) * 8 + 3));
                expect(problems, "allGather(long[]) from " + r, longs[r], values(r, length(r, 7)));
                expectBits(problems, "allGather(double[]) from " + r, doubles[r], doubles(r, r));
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldScatterOneArrayOfItsOwnLengthToEachNodeFromEveryRoot() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            StringBuilder problems = new StringBuilder();
            int me = meld.rank();
            for (int root = 0; root < NODES; root++) {
                long[][] longs = null;
                byte[][] bytes = null;
                double[][] doubles = null;
                if (me == root) {
                    longs = new long[NODES][];
                    bytes = new byte[NODES][];
                    doubles = new double[NODES][];
                    for (int r = 0; r < NODES; r++) {
                        longs[r] = values(root * 10 + r, length(r, root));
                        bytes[r] = bytes(root * 10 + r, length(r, root) * 8 + 1);
                        doubles[r] = doubles(root * 10 + r, r);
                    }
                }
                long[] l = meld.scatter(longs, root);
                if (me == root && l != longs[root]) {
                    problems.append("the root's piece is not its own array; ");
                }
                expect(problems, "scatter(long[][]) from " + root, l, values(root * 10 + me, length(me, root)));
                expectBytes(
                        problems,
                        "scatter(byte[][])",
                        meld.scatter(bytes, root),
                        bytes(root * 10 + me, length(me, root) * 8 + 1));
                expectBits(problems, "scatter(double[][])", meld.scatter(doubles, root), doubles(root * 10 + me, me));
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldExchangeArraysOfVariableSizesAllToAll() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            StringBuilder problems = new StringBuilder();
            int me = meld.rank();
            long[][] longs = new long[NODES][];
            byte[][] bytes = new byte[NODES][];
            double[][] doubles = new double[NODES][];
            for (int d = 0; d < NODES; d++) {
                longs[d] = values(me * 10 + d, pairLength(me, d));
                bytes[d] = bytes(me * 10 + d, pairLength(me, d) + 1);
                doubles[d] = doubles(me * 10 + d, d);
            }
            long[][] gotLongs = meld.allToAll(longs);
            byte[][] gotBytes = meld.allToAll(bytes);
            double[][] gotDoubles = meld.allToAll(doubles);
            if (gotLongs[me] != longs[me]) {
                problems.append("own entry is not its array; ");
            }
            for (int s = 0; s < NODES; s++) {
                expect(problems, "allToAll(long[][]) from " + s, gotLongs[s], values(s * 10 + me, pairLength(s, me)));
                expectBytes(
                        problems,
                        "allToAll(byte[][]) from " + s,
                        gotBytes[s],
                        bytes(s * 10 + me, pairLength(s, me) + 1));
                expectBits(problems, "allToAll(double[][]) from " + s, gotDoubles[s], doubles(s * 10 + me, me));
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldScanInclusivelyAndExclusivelyInRankOrder() {
        List<String> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            StringBuilder problems = new StringBuilder();
            int me = meld.rank();
            long value = me + 2;
            long inclusive = meld.scan(value, ORDERED);
            long exclusive = meld.exclusiveScan(value, LongOp.SUM, 0);
            double dIn = meld.scan(me + 0.25, DoubleOp.SUM);
            double dEx = meld.exclusiveScan(me + 0.25, ORDERED_DOUBLES, -1.0);
            long[] arrays = meld.scan(values(me, 5), ORDERED);
            long[] arraysEx = meld.exclusiveScan(values(me, 5), LongOp.MIN, Long.MAX_VALUE);
            double[] dArrays = meld.scan(doubles(me, 4), ORDERED_DOUBLES);
            double[] dArraysEx = meld.exclusiveScan(doubles(me, 4), DoubleOp.SUM, 0.0);

            long expectIn = 2;
            long expectEx = 0;
            double expectDIn = 0.25;
            double expectDEx = -1.0;
            for (int r = 1; r <= me; r++) {
                expectIn = ORDERED.applyAsLong(expectIn, r + 2);
                expectEx += r + 1;
                expectDIn += r + 0.25;
                expectDEx = r == 1 ? 0.25 : ORDERED_DOUBLES.applyAsDouble(expectDEx, r - 1 + 0.25);
            }
            expect(problems, "scan(long)", new long[] {inclusive}, new long[] {expectIn});
            expect(problems, "exclusiveScan(long)", new long[] {exclusive}, new long[] {expectEx});
            expectBits(problems, "scan(double)", new double[] {dIn}, new double[] {expectDIn});
            expectBits(problems, "exclusiveScan(double)", new double[] {dEx}, new double[] {expectDEx});
            expect(problems, "scan(long[])", arrays, foldLongs(me + 1, 5, ORDERED));
            long[] min = foldLongs(me, 5, Math::min);
            expect(
                    problems,
                    "exclusiveScan(long[])",
                    arraysEx,
                    me == 0
                            ? new long[] {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE
                            }
                            : min);
            expectBits(problems, "scan(double[])", dArrays, foldDoubles(me + 1, 4, ORDERED_DOUBLES));
            expectBits(
                    problems,
                    "exclusiveScan(double[])",
                    dArraysEx,
                    me == 0 ? new double[4] : foldDoubles(me, 4, Double::sum));
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldRunEveryCollectiveOnASingleNodeCluster() {
        Meld.local(1, MeldConfig.defaults(), meld -> {
            long[] l = {3, 4};
            double[] d = {0.5};
            byte[] b = {7};
            assertThat(meld.reduce(l, LongOp.SUM, 0)).containsExactly(3, 4).isNotSameAs(l);
            assertThat(meld.allReduce(d, DoubleOp.MAX)).containsExactly(0.5);
            assertThat(meld.gather(b, 0)[0]).isSameAs(b);
            assertThat(meld.allGather(l)[0]).isSameAs(l);
            assertThat(meld.allGather(d)).hasDimensions(1, 1);
            assertThat(meld.scatter(new long[][] {l}, 0)).isSameAs(l);
            assertThat(meld.allToAll(new byte[][] {b})[0]).isSameAs(b);
            assertThat(meld.scan(5L, LongOp.SUM)).isEqualTo(5);
            assertThat(meld.exclusiveScan(5L, LongOp.SUM, 0)).isZero();
            assertThat(meld.exclusiveScan(2.5, DoubleOp.SUM, 0.0)).isZero();
            assertThat(meld.scan(l, ORDERED)).containsExactly(3, 4);
            assertThat(meld.exclusiveScan(d, DoubleOp.SUM, 1.5)).containsExactly(1.5);
            // The remaining overloads: each returns the node's own data, or the identity.
            assertThat(meld.reduce(d, DoubleOp.SUM, 0)).containsExactly(0.5).isNotSameAs(d);
            assertThat(meld.allReduce(l, ORDERED)).containsExactly(3, 4).isNotSameAs(l);
            assertThat(meld.broadcast(b, 0)).containsExactly(7);
            assertThat(meld.gather(l, 0)[0]).isSameAs(l);
            assertThat(meld.gather(d, 0)[0]).isSameAs(d);
            assertThat(meld.allGather(b)[0]).isSameAs(b);
            assertThat(meld.scatter(new byte[][] {b}, 0)).isSameAs(b);
            assertThat(meld.scatter(new double[][] {d}, 0)).isSameAs(d);
            assertThat(meld.allToAll(new long[][] {l})[0]).isSameAs(l);
            assertThat(meld.allToAll(new double[][] {d})[0]).isSameAs(d);
            assertThat(meld.scan(2.5, DoubleOp.SUM)).isEqualTo(2.5);
            assertThat(meld.scan(d, DoubleOp.SUM)).containsExactly(0.5).isNotSameAs(d);
            assertThat(meld.exclusiveScan(l, LongOp.SUM, -1)).containsExactly(-1, -1);
        });
    }

    @Test
    void shouldRejectBadArgumentsNamingThemWithoutBreakingLaterCollectives() {
        List<Long> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            assertThatThrownBy(() -> meld.gather(new long[1], NODES))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("gather root 3 is not a rank of this cluster of 3 nodes (0..2)");
            assertThatThrownBy(() -> meld.reduce(new double[1], DoubleOp.SUM, -1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("reduce root -1 is not a rank");
            assertThatThrownBy(() -> meld.allToAll(new long[2][]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("allToAll data has 2 arrays for a cluster of 3 nodes: it needs one per rank");
            assertThatThrownBy(() -> meld.allToAll(new byte[][] {{}, null, {}}))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("allToAll data[1] (for node 1) is null");
            if (meld.rank() == 1) {
                assertThatThrownBy(() -> meld.scatter(new double[4][], 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("4 arrays");
            }
            assertThatThrownBy(() -> meld.allGather((long[]) null)).isInstanceOf(NullPointerException.class);
            return meld.allReduce(1L, LongOp.SUM);
        });

        assertThat(results).containsOnly(3L);
    }

    /** Lengths that differ per node and root, one of them over a 64 KiB frame. */
    private static int length(int node, int root) {
        return node == root ? 0 : node == 1 ? (9 << 10) + 3 : node * 5 + root + 1;
    }

    private static int pairLength(int from, int to) {
        return from == 2 && to == 0 ? (10 << 10) + 1 : from * 3 + to;
    }

    static long[] values(int seed, int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = seed * 1_000_003L + i * 7L - 3;
        }
        return v;
    }

    static double[] doubles(int seed, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = seed * 1.1 + i / 3.0 - 0.7;
        }
        return v;
    }

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    /** The fold in rank order of {@code values(r, n)} over ranks {@code 0..nodes-1}. */
    static long[] foldLongs(int nodes, int n, LongBinaryOperator op) {
        long[] acc = values(0, n);
        for (int r = 1; r < nodes; r++) {
            long[] v = values(r, n);
            for (int i = 0; i < n; i++) {
                acc[i] = op.applyAsLong(acc[i], v[i]);
            }
        }
        return acc;
    }

    static double[] foldDoubles(int nodes, int n, DoubleBinaryOperator op) {
        double[] acc = doubles(0, n);
        for (int r = 1; r < nodes; r++) {
            double[] v = doubles(r, n);
            for (int i = 0; i < n; i++) {
                acc[i] = op.applyAsDouble(acc[i], v[i]);
            }
        }
        return acc;
    }

    private static void expect(StringBuilder problems, String what, long[] got, long[] expected) {
        if (!Arrays.equals(got, expected)) {
            problems.append(what).append(": got ").append(summary(got)).append("; ");
        }
    }

    private static void expectBytes(StringBuilder problems, String what, byte[] got, byte[] expected) {
        if (!Arrays.equals(got, expected)) {
            problems.append(what).append(": wrong bytes; ");
        }
    }

    private static void expectBits(StringBuilder problems, String what, double[] got, double[] expected) {
        boolean same = got != null && got.length == expected.length;
        for (int i = 0; same && i < expected.length; i++) {
            same = Double.doubleToRawLongBits(got[i]) == Double.doubleToRawLongBits(expected[i]);
        }
        if (!same) {
            problems.append(what)
                    .append(": got ")
                    .append(got == null ? "null" : Arrays.toString(got))
                    .append(" expected ")
                    .append(Arrays.toString(expected))
                    .append("; ");
        }
    }

    private static String summary(long[] a) {
        if (a == null) {
            return "null";
        }
        return a.length > 8 ? "long[" + a.length + "]" : Arrays.toString(a);
    }
}
