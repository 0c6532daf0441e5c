package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of {@link ArrayLayout} over many shapes, checked against a model written from {@link
 * Distribution}'s Javadoc (not from the layout's own arithmetic). Small shapes are checked at every index;
 * lengths up to 2^62 are checked by sampling indices (random ones, and those next to partition and
 * chunk boundaries), which needs no memory since the layout allocates nothing per element.
 */
class ArrayLayoutTest {
    private static final long SEED = 0x5EED_1A10L;
    private static final long[] EDGE_LENGTHS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 31, 64, 97, 100, 257, 1000};
    private static final int[] BLOCK_SIZES = {1, 2, 3, 7, 64, 5000};

    static List<Distribution> distributions() {
        List<Distribution> all = new ArrayList<>(List.of(Distribution.BLOCK, Distribution.CYCLIC));
        for (int k : BLOCK_SIZES) {
            all.add(Distribution.blockCyclic(k));
        }
        return all;
    }

    /** Every edge-case length with every node count from 1 to 7 and every distribution. */
    static Stream<Arguments> edgeShapes() {
        List<Arguments> shapes = new ArrayList<>();
        for (long length : EDGE_LENGTHS) {
            for (int nodes = 1; nodes <= 7; nodes++) {
                for (Distribution d : distributions()) {
                    shapes.add(Arguments.of(length, nodes, d));
                }
            }
        }
        return shapes.stream();
    }

    /** Seeded random shapes: lengths up to 1500, 1 to 7 nodes, random block sizes (some above the length). */
    static Stream<Arguments> randomShapes() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        List<Arguments> shapes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long length = rnd.nextInt(1501);
            int nodes = 1 + rnd.nextInt(7);
            Distribution d = switch (rnd.nextInt(4)) {
                case 0 -> Distribution.BLOCK;
                case 1 -> Distribution.CYCLIC;
                case 2 -> Distribution.blockCyclic(1 + rnd.nextInt(20));
                default -> Distribution.blockCyclic(1 + rnd.nextInt((int) length + 10));
            };
            shapes.add(Arguments.of(length, nodes, d));
        }
        return shapes.stream();
    }

    /**
     * Lengths far beyond memory, and lengths whose partitions span several chunks: of the default size,
     * and of 2^20 elements ({@code meld.memory.chunk-size}).
     */
    static Stream<Arguments> hugeShapes() {
        List<Arguments> shapes = new ArrayList<>();
        long[] lengths = {
            (3L << ArrayLayout.DEFAULT_MAX_CHUNK_SHIFT) + 7,
            (1L << 32) + 5,
            1L << 40,
            (1L << 40) + 3,
            (1L << 62) - 1,
            1L << 62,
            (3L << 20) + 7
        };
        for (long length : lengths) {
            for (int nodes : new int[] {1, 2, 3, 7}) {
                for (Distribution d : List.of(
                        Distribution.BLOCK,
                        Distribution.CYCLIC,
                        Distribution.blockCyclic(3),
                        Distribution.blockCyclic(1 << 20),
                        Distribution.blockCyclic(Integer.MAX_VALUE))) {
                    for (int shift : new int[] {ArrayLayout.DEFAULT_MAX_CHUNK_SHIFT, 20}) {
                        if (length >>> shift < (1L << 30)) { // a node tracks at most 2^31 - 9 chunks
                            shapes.add(Arguments.of(length, nodes, d, shift));
                        }
                    }
                }
            }
        }
        return shapes.stream();
    }

    /**
     * The layout of a small shape: with chunks as large as the largest partition needs for some shapes,
     * and with tiny chunks (1 to 16 elements) for the others, so that shares of several chunks, and the
     * boundaries between chunks, are checked at every index.
     */
    static ArrayLayout layoutOf(long length, int nodes, Distribution d) {
        if ((length + nodes) % 2 == 0) {
            return new ArrayLayout(length, nodes, d);
        }
        return new ArrayLayout(length, nodes, d, (int) ((length * 31 + nodes) % 5));
    }

    @ParameterizedTest(name = "{0} elements over {1} nodes, {2}")
    @MethodSource({"edgeShapes", "randomShapes"})
    void shouldMapEveryIndexToOnePartitionAndBackWithoutGaps(long length, int nodes, Distribution d) {
        ArrayLayout layout = layoutOf(length, nodes, d);
        long[] seen = new long[nodes];
        Set<Long> slots = new HashSet<>();
        for (long i = 0; i < length; i++) {
            int p = layout.partition(i);
            assertThat(p).as("partition of %d in %s", i, layout).isEqualTo(expectedPartition(i, length, nodes, d));
            // Local indices count the partition's elements in increasing global order: no gaps, no repeats.
            assertThat(layout.localIndex(i))
                    .as("local index of %d in %s", i, layout)
                    .isEqualTo(seen[p]);
            assertThat(layout.globalIndex(p, seen[p]))
                    .as("global index of %d", i)
                    .isEqualTo(i);
            seen[p]++;
            for (int q = 0; q < nodes; q++) {
                assertThat(layout.localIndexIn(q, i))
                        .as("local index of %d in partition %d of %s", i, q, layout)
                        .isEqualTo(q == p ? layout.localIndex(i) : -1);
            }
            long slot = layout.slot(i);
            assertThat(slot).isEqualTo(layout.slot(p, layout.localIndex(i)));
            assertThat(slots.add(slot)).as("slot %d of %d is unique", slot, i).isTrue();
            checkSlot(layout, p, layout.localIndex(i), slot);
        }
        long sum = 0;
        for (int p = 0; p < nodes; p++) {
            assertThat(layout.partitionLength(p))
                    .as("length of partition %d in %s", p, layout)
                    .isEqualTo(seen[p]);
            sum += layout.partitionLength(p);
        }
        assertThat(sum).isEqualTo(length);
        checkChunks(layout);
        if (d.kind() == Distribution.Kind.BLOCK) {
            for (int p = 0; p < nodes; p++) {
                assertThat(layout.partitionLength(p)).isEqualTo(length / nodes + (p < length % nodes ? 1 : 0));
            }
        }
    }

    @ParameterizedTest(name = "{0} elements over {1} nodes, {2}")
    @MethodSource({"edgeShapes", "randomShapes"})
    void shouldEndEachRunOfConsecutiveGlobalIndicesWhereTheyStopBeingConsecutive(
            long length, int nodes, Distribution d) {
        ArrayLayout layout = new ArrayLayout(length, nodes, d);
        for (int p = 0; p < nodes; p++) {
            long n = layout.partitionLength(p);
            for (long local = 0; local < n; local++) {
                long run = layout.run(p, local);
                assertThat(run).as("run(%d, %d) in %s", p, local, layout).isPositive();
                long end = Math.min(n, local + run);
                for (long j = local + 1; j < end; j++) {
                    assertThat(layout.globalIndex(p, j))
                            .as("element %d of the run from %d of partition %d in %s", j, local, p, layout)
                            .isEqualTo(layout.globalIndex(p, local) + (j - local));
                }
                if (end < n) {
                    // Bulk transfers copy a run in one piece: a run that stopped short would still be right,
                    // but one that went on past a gap would put elements in the wrong places.
                    assertThat(layout.globalIndex(p, end))
                            .as("the element after the run from %d of partition %d in %s", local, p, layout)
                            .isNotEqualTo(layout.globalIndex(p, end - 1) + 1);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} elements over {1} nodes, {2}")
    @MethodSource({"edgeShapes", "randomShapes"})
    void shouldCountExactlyThePartitionsElementsOfEveryRange(long length, int nodes, Distribution d) {
        ArrayLayout layout = new ArrayLayout(length, nodes, d);
        // before[p] = how many of p's elements lie in [0, from): firstLocal must say exactly that, so that
        // firstLocal(p, to) - firstLocal(p, from) counts p's elements of [from, to).
        long[] before = new long[nodes];
        for (long from = 0; from <= length; from++) {
            for (int p = 0; p < nodes; p++) {
                assertThat(layout.firstLocal(p, from))
                        .as("firstLocal(%d, %d) in %s", p, from, layout)
                        .isEqualTo(before[p]);
            }
            if (from < length) {
                before[expectedPartition(from, length, nodes, d)]++;
            }
        }
    }

    @ParameterizedTest(name = "{0} elements over {1} nodes, {2}, chunks of at most 2^{3}")
    @MethodSource("hugeShapes")
    void shouldHoldTheSamePropertiesForHugeLengthsAtSampledIndices(
            long length, int nodes, Distribution d, int maxChunkShift) {
        ArrayLayout layout = new ArrayLayout(length, nodes, d, maxChunkShift);
        long sum = 0;
        for (int p = 0; p < nodes; p++) {
            sum = Math.addExact(sum, layout.partitionLength(p));
            assertThat(layout.firstLocal(p, 0)).isZero();
            assertThat(layout.firstLocal(p, length)).isEqualTo(layout.partitionLength(p));
        }
        assertThat(sum).isEqualTo(length);
        checkChunks(layout);
        for (long i : sampleIndices(layout, new SplittableRandom(SEED ^ length ^ nodes))) {
            int p = layout.partition(i);
            assertThat(p).as("partition of %d in %s", i, layout).isEqualTo(expectedPartition(i, length, nodes, d));
            long local = layout.localIndex(i);
            assertThat(local).isBetween(0L, layout.partitionLength(p) - 1);
            assertThat(layout.localIndexIn(p, i)).isEqualTo(local);
            assertThat(layout.localIndexIn((p + 1) % nodes, i)).isEqualTo(nodes == 1 ? local : -1);
            assertThat(layout.globalIndex(p, local))
                    .as("global index of %d in %s", i, layout)
                    .isEqualTo(i);
            // i is p's element number `local`: p has exactly `local` elements before it, and one more
            // after it; the other partitions have none at i.
            for (int q = 0; q < nodes; q++) {
                long at = layout.firstLocal(q, i);
                long after = layout.firstLocal(q, i + 1);
                if (q == p) {
                    assertThat(at).as("firstLocal(%d, %d) in %s", q, i, layout).isEqualTo(local);
                    assertThat(after).isEqualTo(local + 1);
                } else {
                    assertThat(after)
                            .as("firstLocal(%d, %d + 1) in %s", q, i, layout)
                            .isEqualTo(at);
                }
            }
            checkSlot(layout, p, local, layout.slot(i));
            if (local + 1 < layout.partitionLength(p)) {
                // Consecutive local indices sit in consecutive slots.
                assertThat(layout.slot(p, local + 1)).isEqualTo(layout.slot(i) + 1);
                assertThat(layout.globalIndex(p, local + 1)).isGreaterThan(i);
            }
        }
    }

    @Test
    void shouldGiveTheFirstNodesOneMoreElementWithBlock() {
        ArrayLayout layout = new ArrayLayout(10, 4, Distribution.BLOCK);
        assertThat(new long[] {
                    layout.partitionLength(0),
                    layout.partitionLength(1),
                    layout.partitionLength(2),
                    layout.partitionLength(3)
                })
                .containsExactly(3, 3, 2, 2);
        assertThat(layout.globalIndex(2, 0)).isEqualTo(6);
        assertThat(layout.partition(5)).isEqualTo(1);
        assertThat(layout.partition(6)).isEqualTo(2);
    }

    @Test
    void shouldPlaceBlocksRoundRobinWithBlockCyclic() {
        ArrayLayout layout = new ArrayLayout(11, 2, Distribution.blockCyclic(3));
        int[] owners = new int[11];
        for (int i = 0; i < 11; i++) {
            owners[i] = layout.partition(i);
        }
        assertThat(owners).containsExactly(0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1);
        assertThat(layout.partitionLength(0)).isEqualTo(6);
        assertThat(layout.partitionLength(1)).isEqualTo(5);
    }

    @Test
    void shouldUseNarrowSlotsExactlyWhenEverySlotFits32Bits() {
        assertThat(new ArrayLayout(1000, 3, Distribution.BLOCK).narrowSlots()).isTrue();
        assertThat(new ArrayLayout(1L << 32, 1, Distribution.BLOCK).narrowSlots())
                .isTrue();
        assertThat(new ArrayLayout((1L << 32) + 1, 1, Distribution.BLOCK).narrowSlots())
                .isFalse();
        // Chunks are per partition, so short last chunks can push slots past 32 bits before the length does.
        assertThat(new ArrayLayout((1L << 32) - 1, 7, Distribution.BLOCK).narrowSlots())
                .isFalse();
    }

    @Test
    void shouldTakeIndicesAsSlotsExactlyWhenEveryPartitionIsWholeChunksInIndexOrder() {
        long chunk = 1L << 20;
        Object[][] shapes = {
            {1L << 24, 2, Distribution.BLOCK, true},
            {3 * chunk, 3, Distribution.BLOCK, true},
            {1L << 40, 4, Distribution.BLOCK, true},
            {12_345L, 1, Distribution.CYCLIC, true},
            {5 * chunk + 7, 1, Distribution.blockCyclic(3), true},
            {0L, 2, Distribution.BLOCK, true},
            {1L << 24, 2, Distribution.CYCLIC, false},
            {1L << 24, 2, Distribution.blockCyclic(1 << 20), false},
            {3 * chunk, 2, Distribution.BLOCK, false},
            {(1L << 24) + 2, 2, Distribution.BLOCK, false},
            {1000L, 3, Distribution.BLOCK, false},
        };
        SplittableRandom random = new SplittableRandom(SEED);
        for (Object[] shape : shapes) {
            long length = (Long) shape[0];
            int nodes = (Integer) shape[1];
            ArrayLayout layout = new ArrayLayout(length, nodes, (Distribution) shape[2], 20);
            assertThat(layout.slotIsIndex()).as("%s", layout).isEqualTo(shape[3]);
            for (int k = 0; k < 1000 && length > 0; k++) {
                long i = k < nodes ? layout.globalIndex(k, 0) : random.nextLong(length);
                // The slot computed from the partition and local index, which does not use the shortcut.
                long slot = layout.slot(layout.partition(i), layout.localIndex(i));
                assertThat(layout.slot(i)).as("slot of %d in %s", i, layout).isEqualTo(slot);
                if (layout.slotIsIndex()) {
                    assertThat(slot).as("slot of %d in %s", i, layout).isEqualTo(i);
                }
            }
        }
    }

    @Test
    void shouldRejectLengthsAndNodeCountsItCannotLayOut() {
        assertThatThrownBy(() -> new ArrayLayout(-1, 2, Distribution.BLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new ArrayLayout((1L << 62) + 1, 2, Distribution.BLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Long.toString((1L << 62) + 1));
        assertThatThrownBy(() -> new ArrayLayout(10, 0, Distribution.CYCLIC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }

    /** The partition of {@code i} as {@link Distribution}'s Javadoc defines it. */
    static int expectedPartition(long i, long length, int nodes, Distribution d) {
        return switch (d.kind()) {
            case BLOCK -> {
                // start(r) = r * (L / N) + min(r, L % N); the last r with start(r) <= i.
                int lo = 0;
                int hi = nodes - 1;
                while (lo < hi) {
                    int mid = (lo + hi + 1) >>> 1;
                    long start = mid * (length / nodes) + Math.min(mid, length % nodes);
                    if (start <= i) {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                yield lo;
            }
            case CYCLIC -> (int) (i % nodes);
            case BLOCK_CYCLIC -> (int) ((i / d.blockSize()) % nodes);
        };
    }

    /** The slot's chunk is one of its partition's, and its position lies within that chunk. */
    private static void checkSlot(ArrayLayout layout, int p, long local, long slot) {
        long chunk = slot >>> layout.chunkShift();
        long position = slot & layout.chunkMask();
        assertThat(chunk).isBetween(layout.chunkBase(p), layout.chunkBase(p) + layout.chunkCount(p) - 1);
        long c = chunk - layout.chunkBase(p);
        assertThat(c * layout.chunkSize() + position)
                .as("chunk and position of local %d of partition %d", local, p)
                .isEqualTo(local);
        assertThat(position).isLessThan(layout.chunkLength(p, c));
        if (layout.narrowSlots()) {
            assertThat(slot).isLessThanOrEqualTo(0xFFFF_FFFFL);
        }
    }

    /**
     * Chunks are numbered partition by partition, each full but the last, and cover the partition; a
     * chunk is the smallest power of two that holds the largest partition, unless that exceeds the most
     * a chunk may hold.
     */
    private static void checkChunks(ArrayLayout layout) {
        assertThat(layout.chunkBase(0)).isZero();
        long largest = 0;
        for (int p = 0; p < layout.nodes(); p++) {
            largest = Math.max(largest, layout.partitionLength(p));
        }
        if (layout.chunkSize() > 1) {
            assertThat(layout.chunkSize() / 2).as("chunk size of %s", layout).isLessThan(largest);
        }
        if (layout.chunkSize() < largest) {
            assertThat(layout.chunkCount(0)).isGreaterThan(1);
        }
        long total = 0;
        for (int p = 0; p < layout.nodes(); p++) {
            long len = layout.partitionLength(p);
            long count = layout.chunkCount(p);
            assertThat(count)
                    .as("chunks of partition %d of %s", p, layout)
                    .isEqualTo((len + layout.chunkSize() - 1) / layout.chunkSize());
            assertThat(layout.chunkBase(p)).isEqualTo(total);
            total += count;
            if (count > 0) {
                assertThat(layout.chunkLength(p, 0)).isEqualTo(Math.min(len, layout.chunkSize()));
                long lastLength = len - (count - 1) * layout.chunkSize();
                assertThat(layout.chunkLength(p, count - 1)).isEqualTo(lastLength);
            }
        }
        assertThat(layout.chunks()).isEqualTo(total);
        // The largest slot decides whether slots fit 32 bits.
        assertThat(layout.narrowSlots()).isEqualTo((total << layout.chunkShift()) - 1 <= 0xFFFF_FFFFL);
    }

    /**
     * Random indices, the ends of every partition, the indices around every partition's chunk boundaries
     * (first few), and the ends of the array.
     */
    private static List<Long> sampleIndices(ArrayLayout layout, SplittableRandom rnd) {
        long length = layout.length();
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            out.add(rnd.nextLong(length));
        }
        out.add(0L);
        out.add(length - 1);
        for (int p = 0; p < layout.nodes(); p++) {
            long len = layout.partitionLength(p);
            if (len == 0) {
                continue;
            }
            for (long local : new long[] {0, 1, len / 2, len - 2, len - 1}) {
                if (local >= 0 && local < len) {
                    out.add(layout.globalIndex(p, local));
                }
            }
            long chunk = layout.chunkSize();
            for (long c = 1; c <= 3 && c * chunk < len; c++) {
                for (long delta = -1; delta <= 0; delta++) {
                    out.add(layout.globalIndex(p, c * chunk + delta));
                }
            }
            long lastChunk = (len - 1) >>> layout.chunkShift();
            if (lastChunk > 0) {
                out.add(layout.globalIndex(p, lastChunk * chunk - 1));
                out.add(layout.globalIndex(p, lastChunk * chunk));
            }
        }
        return out;
    }
}
