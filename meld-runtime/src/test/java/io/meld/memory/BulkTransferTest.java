package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bulk get and put of ranges far larger than a frame (64 KiB frames here, ranges of hundreds of
 * thousands of elements, so tens of frames per home), for every distribution: whole arrays, ranges that
 * start and end inside partitions, single elements, empty ranges, and offsets into the caller's array.
 * Doubles keep their exact bits, NaN payloads and {@code -0.0} included.
 */
@Timeout(120)
class BulkTransferTest {
    private static final int NODES = 3;
    private static final int LENGTH = 300_001;

    private static MeldConfig smallFrames() {
        // The combining buffers must fit a frame's payload too.
        return config("meld.transport.max-frame-size", "64KiB", "meld.memory.buffer-size", "32KiB");
    }

    static Stream<Distribution> distributions() {
        return Stream.of(
                Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(7), Distribution.blockCyclic(50_000));
    }

    /** What the array holds after round {@code round}'s put, at {@code i}. */
    private static long longAt(long i, int round) {
        return i * 0x9E37_79B9_7F4A_7C15L + round;
    }

    private static double doubleAt(long i, int round) {
        return switch ((int) (i % 5)) {
            case 0 -> -0.0;
            case 1 -> Double.longBitsToDouble(0x7ff8_0000_0000_0000L | (i * 7 + round)); // a NaN with a payload
            default -> i * 0.25 + round;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("distributions")
    void shouldRoundTripRangesLargerThanAFrameStartingAndEndingInsidePartitions(Distribution distribution) {
        Meld.local(NODES, smallFrames(), meld -> {
            GlobalLongArray a = meld.longArray("bulk-longs", LENGTH, distribution);
            GlobalDoubleArray d = meld.doubleArray("bulk-doubles", LENGTH, distribution);
            // Round 0: node 0 writes everything.
            if (meld.rank() == 0) {
                long[] src = new long[LENGTH];
                double[] dsrc = new double[LENGTH];
                for (int i = 0; i < LENGTH; i++) {
                    src[i] = longAt(i, 0);
                    dsrc[i] = doubleAt(i, 0);
                }
                a.put(0, src, 0, LENGTH);
                d.put(0, dsrc, 0, LENGTH);
            }
            meld.barrier();
            long[] expectedLongs = new long[LENGTH];
            double[] expectedDoubles = new double[LENGTH];
            for (int i = 0; i < LENGTH; i++) {
                expectedLongs[i] = longAt(i, 0);
                expectedDoubles[i] = doubleAt(i, 0);
            }
            checkRanges(meld, a, d, expectedLongs, expectedDoubles);
            meld.barrier();

            // Round 1: node 1 overwrites a range from inside one partition to inside another, from an
            // offset in its array; the elements around it keep round 0's values.
            int from = insidePartition(a, 0, 1234);
            int to = insidePartition(a, NODES - 1, 4321);
            int offset = 17;
            if (meld.rank() == 1) {
                long[] src = new long[offset + (to - from) + 5];
                double[] dsrc = new double[src.length];
                Arrays.fill(src, -1);
                Arrays.fill(dsrc, -1);
                for (int i = from; i < to; i++) {
                    src[offset + i - from] = longAt(i, 1);
                    dsrc[offset + i - from] = doubleAt(i, 1);
                }
                a.put(from, src, offset, to - from);
                d.put(from, dsrc, offset, to - from);
            }
            meld.barrier();
            for (int i = from; i < to; i++) {
                expectedLongs[i] = longAt(i, 1);
                expectedDoubles[i] = doubleAt(i, 1);
            }
            checkRanges(meld, a, d, expectedLongs, expectedDoubles);
            meld.barrier();
            a.close();
            d.close();
        });
    }

    @Test
    void shouldRoundTripRangesThatCrossChunkBoundariesInsidePartitions() {
        // 2 nodes, chunks of 2^12 elements: each partition holds ~5,100 elements, so two chunks.
        int chunk = 1 << 12;
        int length = (int) (2.5 * chunk) + 3;
        Meld.local(2, smallFrames().with("meld.memory.chunk-size", Integer.toString(chunk)), meld -> {
            for (Distribution distribution : List.of(Distribution.BLOCK, Distribution.CYCLIC)) {
                GlobalLongArray a = meld.longArray("chunky-" + distribution, length, distribution);
                int from = 100;
                int count = length - 200;
                if (meld.rank() == 0) {
                    long[] src = new long[count];
                    for (int k = 0; k < count; k++) {
                        src[k] = longAt(from + k, 2);
                    }
                    a.put(from, src, 0, count);
                }
                meld.barrier();
                long[] dst = new long[length];
                a.get(0, dst, 0, length);
                for (int i = 0; i < length; i++) {
                    long expected = i >= from && i < from + count ? longAt(i, 2) : 0;
                    if (dst[i] != expected) {
                        throw new AssertionError(
                                a + "[" + i + "] on node " + meld.rank() + " is " + dst[i] + ", not " + expected);
                    }
                }
                // Elements right at a chunk boundary of each partition, read one by one.
                for (int p = 0; p < 2; p++) {
                    for (long local : new long[] {chunk - 1, chunk}) {
                        long g = ((ArrayHandle) a).layout.globalIndex(p, local);
                        assertThat(a.get(g)).as("%s[%d]", a, g).isEqualTo(dst[(int) g]);
                    }
                }
                meld.barrier();
                a.close();
            }
        });
    }

    /** Every node reads a set of ranges, each into an offset of a larger array, and checks them and what surrounds them. */
    private static void checkRanges(
            Meld meld, GlobalLongArray a, GlobalDoubleArray d, long[] expectedLongs, double[] expectedDoubles) {
        for (int[] range : ranges(a, meld.rank())) {
            int from = range[0];
            int count = range[1];
            int offset = 3 + meld.rank();
            long[] dst = new long[offset + count + 4];
            Arrays.fill(dst, Long.MIN_VALUE);
            a.get(from, dst, offset, count);
            double[] ddst = new double[dst.length];
            Arrays.fill(ddst, Double.NEGATIVE_INFINITY);
            d.get(from, ddst, offset, count);
            for (int k = 0; k < dst.length; k++) {
                boolean inside = k >= offset && k < offset + count;
                long expected = inside ? expectedLongs[from + k - offset] : Long.MIN_VALUE;
                long expectedBits = Double.doubleToRawLongBits(
                        inside ? expectedDoubles[from + k - offset] : Double.NEGATIVE_INFINITY);
                if (dst[k] != expected || Double.doubleToRawLongBits(ddst[k]) != expectedBits) {
                    throw new AssertionError("bulk get of [" + from + ", +" + count + ") into offset " + offset
                            + " on node " + meld.rank() + ": position " + k + " holds " + dst[k] + " / bits 0x"
                            + Long.toHexString(Double.doubleToRawLongBits(ddst[k])) + ", not " + expected
                            + " / bits 0x" + Long.toHexString(expectedBits));
                }
            }
        }
        // A few single elements, read the ordinary way, agree.
        for (long i : new long[] {0, 1, LENGTH / 2, LENGTH - 1}) {
            assertThat(a.get(i)).isEqualTo(expectedLongs[(int) i]);
            assertThat(Double.doubleToRawLongBits(d.get(i)))
                    .isEqualTo(Double.doubleToRawLongBits(expectedDoubles[(int) i]));
        }
    }

    /** Ranges as {from, count}: the whole array, partition-crossing ones, one element, and empty ones. */
    private static List<int[]> ranges(GlobalArray a, int rank) {
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {0, LENGTH});
        int mid0 = insidePartition(a, 0, 999);
        int mid1 = insidePartition(a, 1, 77);
        int mid2 = insidePartition(a, NODES - 1, 5000);
        out.add(new int[] {Math.min(mid0, mid1), Math.abs(mid1 - mid0) + 1});
        out.add(new int[] {Math.min(mid1, mid2), Math.abs(mid2 - mid1)});
        out.add(new int[] {LENGTH / 3 + rank, LENGTH / 2});
        out.add(new int[] {LENGTH - 1, 1});
        out.add(new int[] {mid2, 1});
        out.add(new int[] {0, 0});
        out.add(new int[] {LENGTH, 0});
        out.add(new int[] {mid1, 0});
        return out;
    }

    /** @return a global index inside partition {@code p}: its {@code local}-th element */
    private static int insidePartition(GlobalArray a, int p, long local) {
        return (int) ((ArrayHandle) a).layout.globalIndex(p, local);
    }
}
