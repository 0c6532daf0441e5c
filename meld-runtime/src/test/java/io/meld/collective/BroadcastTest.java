package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.transport.TransportSettings;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Broadcast on in-JVM clusters: arrays of every type and size, every root, and the argument checks. */
@Timeout(60)
class BroadcastTest {
    private static final int NODES = 3;
    private static final long SEED = 0x62636173L;
    /** The smallest frame allowed, so that a few MiB take dozens of frames. */
    private static final MeldConfig SMALL_FRAMES =
            MeldConfig.defaults().with(TransportSettings.MAX_FRAME_SIZE, 64L << 10);

    @Test
    void shouldBroadcastArraysOfSeveralMegabytesInFramesFromEveryRoot() {
        // Lengths that are not multiples of a frame's capacity, so the last chunk is a short one.
        int longs = (512 << 10) + 3;
        int doubles = (384 << 10) + 1;
        int bytes = (3 << 20) + 5;

        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            int me = meld.rank();
            StringBuilder problems = new StringBuilder();
            for (int root = 0; root < NODES; root++) {
                long[] l = me == root ? longs(root, longs) : null;
                long[] gotLongs = meld.broadcast(l, root);
                check(
                        problems,
                        "long[] from " + root,
                        me == root,
                        gotLongs,
                        l,
                        Arrays.equals(gotLongs, longs(root, longs)));

                double[] d = me == root ? doubles(root, doubles) : null;
                double[] gotDoubles = meld.broadcast(d, root);
                check(
                        problems,
                        "double[] from " + root,
                        me == root,
                        gotDoubles,
                        d,
                        Arrays.equals(gotDoubles, doubles(root, doubles)));

                byte[] b = me == root ? bytes(root, bytes) : null;
                byte[] gotBytes = meld.broadcast(b, root);
                check(
                        problems,
                        "byte[] from " + root,
                        me == root,
                        gotBytes,
                        b,
                        Arrays.equals(gotBytes, bytes(root, bytes)));
            }
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldBroadcastDoublesBitForBitIncludingNaNsAndSignedZeros() {
        double[] special = {
            -0.0,
            0.0,
            Double.NaN,
            Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
            Double.MIN_VALUE,
            Double.MAX_VALUE,
            Double.NEGATIVE_INFINITY
        };

        List<double[]> results = Meld.localResults(
                NODES, MeldConfig.defaults(), meld -> meld.broadcast(meld.rank() == 2 ? special : null, 2));

        for (double[] r : results) {
            assertThat(r).hasSize(special.length);
            for (int i = 0; i < special.length; i++) {
                assertThat(Double.doubleToRawLongBits(r[i])).isEqualTo(Double.doubleToRawLongBits(special[i]));
            }
        }
    }

    @Test
    void shouldBroadcastEmptyArraysOfEveryType() {
        List<String> results = Meld.localResults(NODES, SMALL_FRAMES, meld -> {
            boolean root = meld.rank() == 1;
            long[] l = meld.broadcast(root ? new long[0] : null, 1);
            double[] d = meld.broadcast(root ? new double[0] : null, 1);
            byte[] b = meld.broadcast(root ? new byte[0] : null, 1);
            long after = meld.allReduce(1L, LongOp.SUM);
            return l.length + " " + d.length + " " + b.length + " " + after;
        });

        assertThat(results).containsOnly("0 0 0 3");
    }

    @Test
    void shouldGiveTheRootItsOwnArrayAndTheOthersTheirOwnCopies() {
        long[] sent = {1, 2, 3};

        List<long[]> results = Meld.localResults(
                NODES, MeldConfig.defaults(), meld -> meld.broadcast(meld.rank() == 0 ? sent : null, 0));

        assertThat(results.get(0)).isSameAs(sent);
        assertThat(results.get(1)).containsExactly(1, 2, 3).isNotSameAs(sent).isNotSameAs(results.get(2));
        assertThat(results.get(2)).containsExactly(1, 2, 3).isNotSameAs(sent);
    }

    @Test
    void shouldKeepManySmallBroadcastsFromChangingRootsInOrder() {
        int rounds = 300;

        List<long[]> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            long[] got = new long[rounds];
            for (int round = 0; round < rounds; round++) {
                int root = round % NODES;
                got[round] = meld.broadcast(meld.rank() == root ? new long[] {round * 7L} : null, root)[0];
            }
            return got;
        });

        long[] expected = new long[rounds];
        Arrays.setAll(expected, round -> round * 7L);
        assertThat(results).allSatisfy(r -> assertThat(r).containsExactly(expected));
    }

    @Test
    void shouldLetOneRootBroadcastManyTimesWithoutWaitingForTheOthers() {
        int rounds = 300;

        List<Long> sums = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            long sum = 0;
            for (int round = 0; round < rounds; round++) {
                sum += meld.broadcast(meld.rank() == 0 ? new byte[] {(byte) round} : null, 0)[0];
            }
            meld.barrier();
            return sum;
        });

        long expected = 0;
        for (int round = 0; round < rounds; round++) {
            expected += (byte) round;
        }
        assertThat(sums).containsOnly(expected);
    }

    @Test
    void shouldBroadcastOnASingleNodeClusterReturningTheSameArray() {
        long[] l = {4};
        double[] d = {0.5};
        byte[] b = {};

        List<Boolean> same = Meld.localResults(
                1,
                MeldConfig.defaults(),
                meld -> meld.broadcast(l, 0) == l && meld.broadcast(d, 0) == d && meld.broadcast(b, 0) == b);

        assertThat(same).containsExactly(true);
    }

    @Test
    void shouldRejectARootOutsideTheClusterNamingItWithoutBreakingLaterCollectives() {
        List<Long> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            assertThatThrownBy(() -> meld.broadcast(new long[1], NODES))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("broadcast root 3 is not a rank of this cluster of 3 nodes (0..2)");
            assertThatThrownBy(() -> meld.broadcast(new double[1], -1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("broadcast root -1 is not a rank of this cluster of 3 nodes (0..2)");
            assertThatThrownBy(() -> meld.broadcast(new byte[1], Integer.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("broadcast root 2147483647 is not a rank");
            return meld.allReduce(1L, LongOp.SUM);
        });

        assertThat(results).containsOnly(3L);
    }

    @Test
    void shouldRejectARootOutsideASingleNodeCluster() {
        Meld.local(
                1,
                MeldConfig.defaults(),
                meld -> assertThatThrownBy(() -> meld.broadcast(new long[1], 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("broadcast root 1 is not a rank of this cluster of 1 nodes (0..0)"));
    }

    @Test
    void shouldRejectNullDataOnTheRootWithoutBreakingLaterCollectives() {
        List<String> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 1) {
                assertThatThrownBy(() -> meld.broadcast((long[]) null, 1)).isInstanceOf(NullPointerException.class);
                assertThatThrownBy(() -> meld.broadcast((double[]) null, 1)).isInstanceOf(NullPointerException.class);
                assertThatThrownBy(() -> meld.broadcast((byte[]) null, 1)).isInstanceOf(NullPointerException.class);
            }
            long[] got = meld.broadcast(meld.rank() == 1 ? new long[] {9} : null, 1);
            meld.barrier();
            return "got " + got[0];
        });

        assertThat(results).containsOnly("got 9");
    }

    private static void check(
            StringBuilder problems, String what, boolean root, Object got, Object sent, boolean equal) {
        if (root && got != sent) {
            problems.append(what).append(": the root did not get its own array back; ");
        }
        if (!equal) {
            problems.append(what).append(": wrong contents; ");
        }
    }

    private static long[] longs(int root, int n) {
        return new SplittableRandom(SEED + root).longs(n).toArray();
    }

    private static double[] doubles(int root, int n) {
        return new SplittableRandom(SEED - root).doubles(n, -1e300, 1e300).toArray();
    }

    private static byte[] bytes(int root, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(SEED * 31 + root).nextBytes(b);
        return b;
    }
}
