package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Barrier and all-reduce on in-JVM clusters: results, rank order, and many rounds in a row. */
@Timeout(60)
class BarrierAndReduceTest {
    private static final int NODES = 3;
    private static final int ROUNDS = 200;
    private static final long SEED = 0x6d656c64L;

    @Test
    void shouldReduceWithEveryLongOpToTheRankOrderFoldOnEveryNode() {
        LongOp[] ops = LongOp.values();

        List<long[]> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            long[] out = new long[ROUNDS * ops.length];
            for (int round = 0; round < ROUNDS; round++) {
                for (int o = 0; o < ops.length; o++) {
                    out[round * ops.length + o] = meld.allReduce(longValue(round, o, meld.rank()), ops[o]);
                }
            }
            return out;
        });

        long[] expected = new long[ROUNDS * ops.length];
        for (int round = 0; round < ROUNDS; round++) {
            for (int o = 0; o < ops.length; o++) {
                long acc = longValue(round, o, 0);
                for (int r = 1; r < NODES; r++) {
                    acc = ops[o].applyAsLong(acc, longValue(round, o, r));
                }
                expected[round * ops.length + o] = acc;
            }
        }
        for (int node = 0; node < NODES; node++) {
            assertThat(results.get(node)).as("node %d", node).containsExactly(expected);
        }
    }

    @Test
    void shouldReduceWithEveryDoubleOpToBitIdenticalResultsOnEveryNode() {
        DoubleOp[] ops = DoubleOp.values();

        List<long[]> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            long[] bits = new long[ROUNDS * ops.length];
            for (int round = 0; round < ROUNDS; round++) {
                for (int o = 0; o < ops.length; o++) {
                    double r = meld.allReduce(doubleValue(round, o, meld.rank()), ops[o]);
                    bits[round * ops.length + o] = Double.doubleToRawLongBits(r);
                }
            }
            return bits;
        });

        long[] expected = new long[ROUNDS * ops.length];
        for (int round = 0; round < ROUNDS; round++) {
            for (int o = 0; o < ops.length; o++) {
                double acc = doubleValue(round, o, 0);
                for (int r = 1; r < NODES; r++) {
                    acc = ops[o].applyAsDouble(acc, doubleValue(round, o, r));
                }
                expected[round * ops.length + o] = Double.doubleToRawLongBits(acc);
            }
        }
        for (int node = 0; node < NODES; node++) {
            assertThat(results.get(node)).as("node %d", node).containsExactly(expected);
        }
    }

    @Test
    void shouldSumDoublesInRankOrderEvenWhereAnotherOrderGivesOtherBits() {
        // (1e16 + 1) + 1 == 1e16, but 1e16 + (1 + 1) == 1e16 + 2: the order of the fold shows in the bits.
        double[] values = {1e16, 1, 1};

        List<Double> sums = Meld.localResults(
                NODES, MeldConfig.defaults(), meld -> meld.allReduce(values[meld.rank()], DoubleOp.SUM));

        assertThat(sums).containsOnly((1e16 + 1) + 1);
    }

    @Test
    void shouldApplyMinAndMaxToSignedZerosAndNaNAsMathDoes() {
        double[][] cases = {{-0.0, 0.0, 0.0}, {0.0, -0.0, 0.0}, {1.0, Double.NaN, -1.0}, {-1.0, 2.0, -3.0}};

        List<double[]> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            double[] out = new double[cases.length * 2];
            for (int c = 0; c < cases.length; c++) {
                out[2 * c] = meld.allReduce(cases[c][meld.rank()], DoubleOp.MIN);
                out[2 * c + 1] = meld.allReduce(cases[c][meld.rank()], DoubleOp.MAX);
            }
            return out;
        });

        double[] expected = {-0.0, 0.0, -0.0, 0.0, Double.NaN, Double.NaN, -3.0, 2.0};
        for (double[] r : results) {
            for (int i = 0; i < expected.length; i++) {
                assertThat(Double.doubleToRawLongBits(r[i]))
                        .as("result %d", i)
                        .isEqualTo(Double.doubleToRawLongBits(expected[i]));
            }
        }
    }

    @Test
    void shouldFoldACustomNonCommutativeLongOperatorInRankOrder() {
        LongBinaryOperator appendDigit = (a, b) -> a * 10 + b;

        List<long[]> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            long[] out = new long[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                out[round] = meld.allReduce((meld.rank() + round) % 10, appendDigit);
            }
            return out;
        });

        for (long[] r : results) {
            for (int round = 0; round < ROUNDS; round++) {
                long v0 = round % 10, v1 = (1 + round) % 10, v2 = (2 + round) % 10;
                assertThat(r[round]).as("round %d", round).isEqualTo((v0 * 10 + v1) * 10 + v2);
            }
        }
    }

    @Test
    void shouldFoldACustomNonCommutativeDoubleOperatorInRankOrder() {
        DoubleBinaryOperator halfDifference = (double a, double b) -> (a - b) / 2;

        List<Double> results = Meld.localResults(
                NODES, MeldConfig.defaults(), meld -> meld.allReduce(1.0 + meld.rank() * meld.rank(), halfDifference));

        // op(op(1, 2), 5) = ((1 - 2) / 2 - 5) / 2
        assertThat(results).containsOnly(((1.0 - 2.0) / 2 - 5.0) / 2);
    }

    @Test
    void shouldNotLetANodePassABarrierBeforeEveryNodeHasReachedIt() {
        AtomicLongArray arrived = new AtomicLongArray(ROUNDS);
        AtomicLong early = new AtomicLong();

        Meld.local(NODES, MeldConfig.defaults(), meld -> {
            for (int round = 0; round < ROUNDS; round++) {
                arrived.incrementAndGet(round);
                meld.barrier();
                if (arrived.get(round) != NODES) {
                    early.incrementAndGet();
                }
            }
        });

        assertThat(early.get())
                .as("nodes that left a barrier before all had arrived")
                .isZero();
        for (int round = 0; round < ROUNDS; round++) {
            assertThat(arrived.get(round)).isEqualTo(NODES);
        }
    }

    @Test
    void shouldKeepCollectivesOfDifferentKindsInStepOverManyRounds() {
        List<List<String>> logs = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            SplittableRandom random = new SplittableRandom(SEED);
            List<String> log = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                int root = random.nextInt(NODES);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        meld.barrier();
                        log.add("barrier");
                    }
                    case 1 -> log.add("sum " + meld.allReduce((long) meld.rank() + round, LongOp.SUM));
                    case 2 -> log.add("max " + meld.allReduce(meld.rank() * 0.5 + round, DoubleOp.MAX));
                    default -> {
                        long[] mine = meld.rank() == root ? new long[] {root, round} : null;
                        long[] got = meld.broadcast(mine, root);
                        log.add("broadcast " + got[0] + "," + got[1]);
                    }
                }
            }
            return log;
        });

        SplittableRandom random = new SplittableRandom(SEED);
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            int root = random.nextInt(NODES);
            expected.add(
                    switch (random.nextInt(4)) {
                        case 0 -> "barrier";
                        case 1 -> "sum " + (0 + 1 + 2 + 3L * round);
                        case 2 -> "max " + (1.0 + round);
                        default -> "broadcast " + root + "," + round;
                    });
        }
        assertThat(logs).allSatisfy(log -> assertThat(log).containsExactlyElementsOf(expected));
    }

    @Test
    void shouldReturnTheNodesOwnValueOnASingleNodeWithoutCallingTheOperator() {
        List<String> results = Meld.localResults(1, MeldConfig.defaults(), meld -> {
            meld.barrier();
            LongBinaryOperator failing = (a, b) -> {
                throw new AssertionError("called with " + a + ", " + b);
            };
            long l = meld.allReduce(42L, failing);
            double d = meld.allReduce(-0.0, DoubleOp.SUM);
            return l + " " + d;
        });

        assertThat(results).containsExactly("42 -0.0");
    }

    @Test
    void shouldRefuseANullOperatorWithoutBreakingLaterCollectives() {
        List<String> results = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            assertThatThrownBy(() -> meld.allReduce(1L, (LongBinaryOperator) null))
                    .isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> meld.allReduce(1.0, (DoubleBinaryOperator) null))
                    .isInstanceOf(NullPointerException.class);
            return "sum " + meld.allReduce(1L, LongOp.SUM);
        });

        assertThat(results).containsExactly("sum 2", "sum 2");
    }

    /**
     * Small contributions travel on the peers' direct channels, which the collective thread reads itself;
     * here other threads of every node hold those channels most of the time with blocking calls, so that
     * they read the contributions instead and hand them over. Then the same with direct channels off.
     */
    @ParameterizedTest(name = "direct channels {0}")
    @ValueSource(booleans = {true, false})
    void shouldReduceExactlyWhileOtherThreadsMakeBlockingCalls(boolean direct) {
        MeldConfig config = MeldConfig.defaults().with("meld.transport.direct", Boolean.toString(direct));
        List<String> results = Meld.localResults(NODES, config, meld -> {
            GlobalLongArray a = meld.longArray("busy", NODES, Distribution.CYCLIC);
            meld.barrier();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    for (long i = 0; !stop.get(); i++) {
                        a.getAndAdd((meld.rank() + 1 + i % (NODES - 1)) % NODES, 1);
                    }
                }));
            }
            long sum = 0;
            for (int round = 0; round < ROUNDS; round++) {
                sum += meld.allReduce((long) round + meld.rank(), LongOp.SUM);
                meld.barrier();
            }
            stop.set(true);
            for (Thread c : callers) {
                c.join();
            }
            meld.barrier();
            a.close();
            return Long.toString(sum);
        });
        long expected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            expected += (long) NODES * round + NODES * (NODES - 1) / 2;
        }
        assertThat(results).containsOnly(Long.toString(expected));
    }

    private static long longValue(int round, int op, int rank) {
        return new SplittableRandom(SEED + 1_000_003L * round + 101L * op + rank).nextLong();
    }

    /** Values of many magnitudes and both signs, so that the order of a sum shows in its bits. */
    private static double doubleValue(int round, int op, int rank) {
        SplittableRandom random = new SplittableRandom(SEED - 1_000_003L * round - 101L * op - rank);
        return (random.nextDouble() - 0.5) * Math.scalb(1.0, random.nextInt(-30, 60));
    }
}
