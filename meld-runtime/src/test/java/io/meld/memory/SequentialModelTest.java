package io.meld.memory;

import static io.meld.memory.MemoryTesting.DISTRIBUTIONS;
import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every operation of {@link GlobalLongArray} and {@link GlobalDoubleArray}, in all its forms (blocking,
 * async, fire-and-forget, bulk), against a sequential model: one node drives a seeded random sequence of
 * operations on random indices while a plain {@code long[]} / {@code double[]} predicts every result.
 * One thread issues everything, so its operations to each home apply in issue order and every result is
 * determined. Then every node checks the whole array, the owners and the local index spaces.
 */
@Timeout(120)
class SequentialModelTest {
    private static final int LENGTH = 37;
    private static final int OPERATIONS = 700;
    private static final int[] ALL = IntStream.range(0, LENGTH).toArray();

    private static final double[] DOUBLES = {
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.5,
        -3.25,
        7.0,
        1e300,
        -1e300,
        1e-300,
        Double.MAX_VALUE,
        Double.MIN_VALUE,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY,
        Double.NaN,
        Double.longBitsToDouble(0x7ff8_0000_0000_0123L),
    };

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldMatchASequentialModelForEveryOperationFormAndDistribution(int nodes) {
        run(nodes, config(), 11L * nodes);
    }

    @Test
    void shouldMatchTheModelWhenTinyBuffersAndAnEagerFlusherSplitTheSequenceIntoManyFrames() {
        run(3, config("meld.memory.buffer-size", "1KiB", "meld.memory.flush-delay", "10us"), 99);
    }

    @Test
    void shouldMatchTheModelWhenEveryShareIsSplitIntoChunksOfSixteenElements() {
        run(2, config("meld.memory.chunk-size", "16"), 55); // 19 elements a node: chunks of 16 and 3
    }

    @Test
    void shouldMatchTheModelWhenLocalFireAndForgetOperationsApplyAtOnce() {
        run(3, config("meld.memory.local-batching", "false"), 77);
    }

    @Test
    void shouldMatchTheModelWhenEachPairOfNodesHasTwoLanes() {
        run(3, config("meld.transport.io-threads", "2", "meld.memory.buffer-size", "1KiB"), 123);
    }

    @Test
    void shouldMatchTheModelWhenOperationsCarryEightByteSlots() {
        // Only arrays of more than 2^32 slots need 8-byte slots on the wire; node 0 forces them here on
        // handles that share the real arrays' ids. Their own chunks are not the registered ones, so only
        // node 1's elements (odd indices, CYCLIC) are used through them; tiny buffers make many runs.
        int[] remote = IntStream.range(0, LENGTH).filter(i -> i % 2 == 1).toArray();
        Meld.local(2, config("meld.memory.buffer-size", "1KiB"), meld -> {
            GlobalLongArray longs = meld.longArray("wide-longs", LENGTH, Distribution.CYCLIC);
            GlobalDoubleArray doubles = meld.doubleArray("wide-doubles", LENGTH, Distribution.CYCLIC);
            long[] longModel = new long[LENGTH];
            double[] doubleModel = new double[LENGTH];
            if (meld.rank() == 0) {
                GlobalLongArray wideLongs = new LongArrayImpl(service(longs), wide((ArrayHandle) longs));
                GlobalDoubleArray wideDoubles = new DoubleArrayImpl(service(doubles), wide((ArrayHandle) doubles));
                assertThat(((ArrayHandle) wideLongs).storage.narrow).isFalse();
                driveLongs(meld, wideLongs, longModel, new SplittableRandom(7), remote, false);
                driveDoubles(meld, wideDoubles, doubleModel, new SplittableRandom(8), remote, false);
            }
            longModel = meld.broadcast(longModel, 0);
            doubleModel = meld.broadcast(doubleModel, 0);
            meld.barrier();
            checkEverywhere(meld, longs, longModel);
            checkEverywhere(meld, doubles, doubleModel);
            longs.close();
            doubles.close();
        });
    }

    /**
     * Several of the runtime's blocks of 1,024 per call, every node's elements in each: on three nodes the
     * calls split, sort by home and apply each element once; on two, with an array of whole chunks per
     * node, {@code BLOCK}'s indices are their slots ({@link ArrayLayout#slotIsIndex}). Each array gets one
     * commutative operation from all nodes, so the model does not depend on their interleaving.
     */
    @ParameterizedTest(name = "{0} nodes, {1} elements")
    @CsvSource({"3, 1000", "2, 2097152"})
    void shouldApplyScatteredBlocksOfThousandsOfIndicesFromEveryNode(int nodes, int length) {
        int count = 2 * Scatter.BLOCK + 77;
        Meld.local(nodes, config("meld.memory.buffer-size", "1KiB"), meld -> {
            for (Distribution distribution : DISTRIBUTIONS) {
                GlobalLongArray added = meld.longArray("blocks-added-" + distribution, length, distribution);
                GlobalLongArray xored = meld.longArray("blocks-xored-" + distribution, length, distribution);
                GlobalDoubleArray summed = meld.doubleArray("blocks-summed-" + distribution, length, distribution);
                long[] addModel = new long[length];
                long[] xorModel = new long[length];
                double[] sumModel = new double[length];
                for (int r = 0; r < nodes; r++) {
                    SplittableRandom rnd = new SplittableRandom(31L * r + 7);
                    long[] indices = new long[count + 2];
                    long[] values = new long[count + 2];
                    double[] eighths = new double[count + 2];
                    for (int k = 0; k < indices.length; k++) {
                        indices[k] = rnd.nextInt(length);
                        values[k] = rnd.nextLong();
                        eighths[k] = rnd.nextInt(1000) / 8.0; // sums exact in any order
                    }
                    for (int k = 1; k <= count; k++) {
                        int i = (int) indices[k];
                        addModel[i] += 3;
                        xorModel[i] ^= values[k];
                        sumModel[i] += eighths[k];
                    }
                    if (r == meld.rank()) {
                        added.add(indices, 1, count, 3);
                        xored.accumulate(indices, LongOp.XOR, values, 1, count);
                        summed.accumulate(indices, DoubleOp.SUM, eighths, 1, count);
                    }
                }
                meld.barrier();
                long[] all = new long[length];
                added.get(0, all, 0, length);
                assertSameLongs(all, addModel, added + " on node " + meld.rank());
                xored.get(0, all, 0, length);
                assertSameLongs(all, xorModel, xored + " on node " + meld.rank());
                double[] sums = new double[length];
                summed.get(0, sums, 0, length);
                assertSameDoubles(sums, sumModel, summed + " on node " + meld.rank());
                meld.barrier();
                added.close();
                xored.close();
                summed.close();
            }
        });
    }

    @Test
    void shouldServeEmptyArraysAndArraysShorterThanTheClusterWhereSomeNodesHoldNothing() {
        int nodes = 4;
        Meld.local(nodes, config(), meld -> {
            int me = meld.rank();
            GlobalLongArray empty = meld.longArray("empty", 0);
            assertThat(empty.localLength()).isZero();
            empty.get(0, new long[0], 0, 0);
            empty.put(0, new long[3], 1, 0);
            assertThatThrownBy(() -> empty.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> empty.globalIndex(0)).isInstanceOf(IndexOutOfBoundsException.class);
            empty.close();
            for (Distribution distribution :
                    List.of(Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(3))) {
                GlobalLongArray a = meld.longArray("short-" + distribution, 2, distribution);
                GlobalDoubleArray d = meld.doubleArray("short-doubles-" + distribution, 2, distribution);
                a.add(0, me + 1);
                a.getAndAdd(1, 10L * (me + 1));
                d.addAndGetAsync(1, 0.5);
                d.accumulate(0, DoubleOp.MAX, me);
                meld.barrier();
                long[] all = new long[2];
                a.get(0, all, 0, 2);
                int sum = nodes * (nodes + 1) / 2;
                assertThat(all).containsExactly(sum, 10L * sum);
                double[] dall = new double[2];
                d.get(0, dall, 0, 2);
                assertThat(dall).containsExactly(nodes - 1, 0.5 * nodes);
                assertThat(meld.allReduce(a.localLength(), LongOp.SUM)).isEqualTo(2);
                if (a.localLength() == 0) {
                    assertThatThrownBy(() -> a.globalIndex(0))
                            .isInstanceOf(IndexOutOfBoundsException.class)
                            .hasMessageContaining("node " + me);
                }
                meld.barrier();
                a.close();
                d.close();
            }
        });
    }

    /** @return a storage like the handle's, with the same id, whose operations carry 8-byte slots */
    private static GlobalStorage wide(ArrayHandle handle) {
        GlobalStorage s = handle.storage;
        return new GlobalStorage(
                s.id,
                s.name,
                s.isDouble,
                s.layout.length(),
                s.distribution,
                s.layout.nodes(),
                s.rank,
                s.layout.chunkShift(),
                true);
    }

    private static void run(int nodes, MeldConfig config, long seed) {
        Meld.local(nodes, config, meld -> {
            for (int d = 0; d < DISTRIBUTIONS.size(); d++) {
                Distribution distribution = DISTRIBUTIONS.get(d);
                int driver = d % nodes;
                GlobalLongArray longs = meld.longArray("longs-" + d, LENGTH, distribution);
                long[] longModel = new long[LENGTH];
                if (meld.rank() == driver) {
                    driveLongs(meld, longs, longModel, new SplittableRandom(seed + d), ALL, true);
                }
                longModel = meld.broadcast(longModel, driver);
                meld.barrier();
                checkEverywhere(meld, longs, longModel);
                longs.close();

                GlobalDoubleArray doubles = meld.doubleArray("doubles-" + d, LENGTH, distribution);
                double[] doubleModel = new double[LENGTH];
                if (meld.rank() == driver) {
                    driveDoubles(meld, doubles, doubleModel, new SplittableRandom(seed + 100 + d), ALL, true);
                }
                doubleModel = meld.broadcast(doubleModel, driver);
                meld.barrier();
                checkEverywhere(meld, doubles, doubleModel);
                doubles.close();
            }
        });
    }

    /**
     * Indices for one {@code add(indices, offset, count, delta)} or {@code accumulate(indices, op, values,
     * offset, count)}: up to 9 drawn from {@code allowed}, with repeats, at {@code [offset, offset +
     * count)} of an array whose other positions hold -1, which the call must not read.
     */
    private record Scattered(long[] indices, int offset, int count) {}

    private static Scattered scatter(SplittableRandom rnd, int[] allowed) {
        int offset = rnd.nextInt(3);
        int count = rnd.nextInt(10);
        long[] indices = new long[offset + count + rnd.nextInt(3)];
        Arrays.fill(indices, -1);
        for (int k = offset; k < offset + count; k++) {
            indices[k] = allowed[rnd.nextInt(allowed.length)];
        }
        return new Scattered(indices, offset, count);
    }

    /** An async result to check once the sequence is over. */
    private record Expected(String what, CompletableFuture<?> future, Object value) {}

    private static void driveLongs(
            Meld meld, GlobalLongArray a, long[] m, SplittableRandom rnd, int[] indices, boolean bulk) {
        List<Expected> later = new ArrayList<>();
        for (int n = 0; n < OPERATIONS; n++) {
            int i = indices[rnd.nextInt(indices.length)];
            long v = longValue(rnd);
            LongOp op = LongOp.values()[rnd.nextInt(LongOp.values().length)];
            int kind = rnd.nextInt(bulk ? 19 : 17);
            String what = "#" + n + " kind " + kind + " on " + a + "[" + i + "] with " + v + " / " + op;
            switch (kind) {
                case 0 -> assertThat(a.get(i)).as(what).isEqualTo(m[i]);
                case 1 -> {
                    a.set(i, v);
                    m[i] = v;
                }
                case 2 -> {
                    assertThat(a.getAndAdd(i, v)).as(what).isEqualTo(m[i]);
                    m[i] += v;
                }
                case 3 -> {
                    m[i] += v;
                    assertThat(a.addAndGet(i, v)).as(what).isEqualTo(m[i]);
                }
                case 4 -> {
                    assertThat(a.getAndSet(i, v)).as(what).isEqualTo(m[i]);
                    m[i] = v;
                }
                case 5 -> {
                    long expected = rnd.nextBoolean() ? m[i] : m[i] + 1;
                    boolean succeeds = expected == m[i];
                    assertThat(a.compareAndSet(i, expected, v)).as(what).isEqualTo(succeeds);
                    if (succeeds) {
                        m[i] = v;
                    }
                }
                case 6 -> {
                    assertThat(a.getAndAccumulate(i, op, v)).as(what).isEqualTo(m[i]);
                    m[i] = op.applyAsLong(m[i], v);
                }
                case 7 -> later.add(new Expected(what, a.getAsync(i), m[i]));
                case 8 -> {
                    later.add(new Expected(what, a.setAsync(i, v), null));
                    m[i] = v;
                }
                case 9 -> {
                    later.add(new Expected(what, a.getAndAddAsync(i, v), m[i]));
                    m[i] += v;
                }
                case 10 -> {
                    m[i] += v;
                    later.add(new Expected(what, a.addAndGetAsync(i, v), m[i]));
                }
                case 11 -> {
                    later.add(new Expected(what, a.getAndSetAsync(i, v), m[i]));
                    m[i] = v;
                }
                case 12 -> {
                    long expected = rnd.nextBoolean() ? m[i] : m[i] - 1;
                    boolean succeeds = expected == m[i];
                    later.add(new Expected(what, a.compareAndSetAsync(i, expected, v), succeeds));
                    if (succeeds) {
                        m[i] = v;
                    }
                }
                case 13 -> {
                    later.add(new Expected(what, a.getAndAccumulateAsync(i, op, v), m[i]));
                    m[i] = op.applyAsLong(m[i], v);
                }
                case 14 -> {
                    a.put(i, v);
                    m[i] = v;
                }
                case 15 -> {
                    if (rnd.nextBoolean()) {
                        a.add(i, v);
                        m[i] += v;
                    } else {
                        Scattered sc = scatter(rnd, indices);
                        a.add(sc.indices, sc.offset, sc.count, v);
                        for (int k = sc.offset; k < sc.offset + sc.count; k++) {
                            m[(int) sc.indices[k]] += v;
                        }
                    }
                }
                case 16 -> {
                    if (rnd.nextBoolean()) {
                        a.accumulate(i, op, v);
                        m[i] = op.applyAsLong(m[i], v);
                    } else {
                        Scattered sc = scatter(rnd, indices);
                        long[] values = new long[sc.offset + sc.count + rnd.nextInt(3)];
                        for (int k = 0; k < values.length; k++) {
                            values[k] = longValue(rnd);
                        }
                        a.accumulate(sc.indices, op, values, sc.offset, sc.count);
                        for (int k = sc.offset; k < sc.offset + sc.count; k++) {
                            m[(int) sc.indices[k]] = op.applyAsLong(m[(int) sc.indices[k]], values[k]);
                        }
                    }
                }
                case 17 -> {
                    int from = rnd.nextInt(LENGTH + 1);
                    int len = rnd.nextInt(LENGTH - from + 1);
                    int offset = rnd.nextInt(4);
                    long[] dst = new long[offset + len + 3];
                    Arrays.fill(dst, -7);
                    a.get(from, dst, offset, len);
                    long[] expected = new long[dst.length];
                    Arrays.fill(expected, -7);
                    System.arraycopy(m, from, expected, offset, len);
                    assertThat(dst)
                            .as(what + ": bulk get of [%d, +%d) at %d", from, len, offset)
                            .containsExactly(expected);
                }
                default -> {
                    int from = rnd.nextInt(LENGTH + 1);
                    int len = rnd.nextInt(LENGTH - from + 1);
                    int offset = rnd.nextInt(4);
                    long[] src = new long[offset + len + 2];
                    for (int k = 0; k < src.length; k++) {
                        src[k] = longValue(rnd);
                    }
                    a.put(from, src, offset, len);
                    System.arraycopy(src, offset, m, from, len);
                }
            }
            if (!later.isEmpty() && rnd.nextInt(40) == 0) {
                // Waiting on one's own future sends its buffer at once.
                Expected e = later.get(rnd.nextInt(later.size()));
                assertThat((Object) e.future.join()).as(e.what).isEqualTo(e.value);
            }
        }
        meld.fence();
        for (Expected e : later) {
            assertThat(e.future).as("%s is complete after the fence", e.what).isDone();
            assertThat((Object) e.future.join()).as(e.what).isEqualTo(e.value);
        }
    }

    private static void driveDoubles(
            Meld meld, GlobalDoubleArray a, double[] m, SplittableRandom rnd, int[] indices, boolean bulk) {
        List<Expected> later = new ArrayList<>();
        for (int n = 0; n < OPERATIONS; n++) {
            int i = indices[rnd.nextInt(indices.length)];
            double v = doubleValue(rnd);
            DoubleOp op = DoubleOp.values()[rnd.nextInt(DoubleOp.values().length)];
            int kind = rnd.nextInt(bulk ? 19 : 17);
            String what = "#" + n + " kind " + kind + " on " + a + "[" + i + "] with " + v + " / " + op + " (model "
                    + m[i] + ")";
            switch (kind) {
                case 0 -> assertSameDouble(a.get(i), m[i], what);
                case 1 -> {
                    a.set(i, v);
                    m[i] = v;
                }
                case 2 -> {
                    assertSameDouble(a.getAndAdd(i, v), m[i], what);
                    m[i] += v;
                }
                case 3 -> {
                    m[i] += v;
                    assertSameDouble(a.addAndGet(i, v), m[i], what);
                }
                case 4 -> {
                    assertSameDouble(a.getAndSet(i, v), m[i], what);
                    m[i] = v;
                }
                case 5 -> {
                    double expected = casExpectation(m[i], rnd);
                    boolean succeeds = Double.doubleToRawLongBits(expected) == Double.doubleToRawLongBits(m[i]);
                    assertThat(a.compareAndSet(i, expected, v))
                            .as(what + " expecting " + expected)
                            .isEqualTo(succeeds);
                    if (succeeds) {
                        m[i] = v;
                    }
                }
                case 6 -> {
                    assertSameDouble(a.getAndAccumulate(i, op, v), m[i], what);
                    m[i] = op.applyAsDouble(m[i], v);
                }
                case 7 -> later.add(new Expected(what, a.getAsync(i), m[i]));
                case 8 -> {
                    later.add(new Expected(what, a.setAsync(i, v), null));
                    m[i] = v;
                }
                case 9 -> {
                    later.add(new Expected(what, a.getAndAddAsync(i, v), m[i]));
                    m[i] += v;
                }
                case 10 -> {
                    m[i] += v;
                    later.add(new Expected(what, a.addAndGetAsync(i, v), m[i]));
                }
                case 11 -> {
                    later.add(new Expected(what, a.getAndSetAsync(i, v), m[i]));
                    m[i] = v;
                }
                case 12 -> {
                    double expected = casExpectation(m[i], rnd);
                    boolean succeeds = Double.doubleToRawLongBits(expected) == Double.doubleToRawLongBits(m[i]);
                    later.add(new Expected(
                            what + " expecting " + expected, a.compareAndSetAsync(i, expected, v), succeeds));
                    if (succeeds) {
                        m[i] = v;
                    }
                }
                case 13 -> {
                    later.add(new Expected(what, a.getAndAccumulateAsync(i, op, v), m[i]));
                    m[i] = op.applyAsDouble(m[i], v);
                }
                case 14 -> {
                    a.put(i, v);
                    m[i] = v;
                }
                case 15 -> {
                    if (rnd.nextBoolean()) {
                        a.add(i, v);
                        m[i] += v;
                    } else {
                        Scattered sc = scatter(rnd, indices);
                        a.add(sc.indices, sc.offset, sc.count, v);
                        for (int k = sc.offset; k < sc.offset + sc.count; k++) {
                            m[(int) sc.indices[k]] += v;
                        }
                    }
                }
                case 16 -> {
                    if (rnd.nextBoolean()) {
                        a.accumulate(i, op, v);
                        m[i] = op.applyAsDouble(m[i], v);
                    } else {
                        Scattered sc = scatter(rnd, indices);
                        double[] values = new double[sc.offset + sc.count + rnd.nextInt(3)];
                        for (int k = 0; k < values.length; k++) {
                            values[k] = doubleValue(rnd);
                        }
                        a.accumulate(sc.indices, op, values, sc.offset, sc.count);
                        for (int k = sc.offset; k < sc.offset + sc.count; k++) {
                            m[(int) sc.indices[k]] = op.applyAsDouble(m[(int) sc.indices[k]], values[k]);
                        }
                    }
                }
                case 17 -> {
                    int from = rnd.nextInt(LENGTH + 1);
                    int len = rnd.nextInt(LENGTH - from + 1);
                    int offset = rnd.nextInt(4);
                    double[] dst = new double[offset + len + 3];
                    Arrays.fill(dst, -7.5);
                    a.get(from, dst, offset, len);
                    double[] expected = new double[dst.length];
                    Arrays.fill(expected, -7.5);
                    System.arraycopy(m, from, expected, offset, len);
                    assertSameDoubles(dst, expected, what + ": bulk get of [" + from + ", +" + len + ") at " + offset);
                }
                default -> {
                    int from = rnd.nextInt(LENGTH + 1);
                    int len = rnd.nextInt(LENGTH - from + 1);
                    int offset = rnd.nextInt(4);
                    double[] src = new double[offset + len + 2];
                    for (int k = 0; k < src.length; k++) {
                        src[k] = doubleValue(rnd);
                    }
                    a.put(from, src, offset, len);
                    System.arraycopy(src, offset, m, from, len);
                }
            }
            if (!later.isEmpty() && rnd.nextInt(40) == 0) {
                Expected e = later.get(rnd.nextInt(later.size()));
                assertThat((Object) e.future.join()).as(e.what).isEqualTo(e.value);
            }
        }
        meld.fence();
        for (Expected e : later) {
            assertThat(e.future).as("%s is complete after the fence", e.what).isDone();
            // Boxed doubles compare as Double.equals: every NaN alike, 0.0 and -0.0 apart.
            assertThat((Object) e.future.join()).as(e.what).isEqualTo(e.value);
        }
    }

    /** Every node reads the whole array in bulk and element by element, and checks the mapping queries. */
    private static void checkEverywhere(Meld meld, GlobalLongArray a, long[] model) {
        long[] all = new long[LENGTH];
        a.get(0, all, 0, LENGTH);
        assertThat(all).as("%s on node %d", a, meld.rank()).containsExactly(model);
        for (int i = 0; i < LENGTH; i++) {
            assertThat(a.get(i)).as("%s[%d] on node %d", a, i, meld.rank()).isEqualTo(model[i]);
        }
        checkMapping(meld, a);
        meld.barrier();
    }

    private static void checkEverywhere(Meld meld, GlobalDoubleArray a, double[] model) {
        double[] all = new double[LENGTH];
        a.get(0, all, 0, LENGTH);
        assertSameDoubles(all, model, a + " on node " + meld.rank());
        for (int i = 0; i < LENGTH; i++) {
            assertSameDouble(a.get(i), model[i], a + "[" + i + "] on node " + meld.rank());
        }
        checkMapping(meld, a);
        meld.barrier();
    }

    /** Owners follow the distribution; the local index space lists this node's elements in increasing order. */
    private static void checkMapping(Meld meld, GlobalArray a) {
        for (int i = 0; i < LENGTH; i++) {
            assertThat(a.owner(i))
                    .as("owner of %s[%d]", a, i)
                    .isEqualTo(ArrayLayoutTest.expectedPartition(i, LENGTH, meld.size(), a.distribution()));
        }
        long previous = -1;
        for (long j = 0; j < a.localLength(); j++) {
            long g = a.globalIndex(j);
            assertThat(g).isGreaterThan(previous);
            assertThat(a.owner(g)).isEqualTo(meld.rank());
            previous = g;
        }
        assertThat(meld.allReduce(a.localLength(), LongOp.SUM)).isEqualTo(LENGTH);
    }

    /**
     * Names the first differing element; AssertJ's {@code containsExactly} computes a diff that is
     * quadratic in the length, minutes on the 2M-element arrays above.
     */
    static void assertSameLongs(long[] actual, long[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        int at = Arrays.mismatch(actual, expected);
        if (at >= 0) {
            throw new AssertionError(
                    what + ": element " + at + " is " + actual[at] + " where " + expected[at] + " was expected");
        }
    }

    /** Compares as {@link Double#equals}: every NaN alike, {@code 0.0} and {@code -0.0} apart. */
    static void assertSameDoubles(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int k = 0; k < expected.length; k++) {
            assertSameDouble(actual[k], expected[k], what + " at " + k);
        }
    }

    /**
     * Compares as {@link Double#equals}, boxed on purpose: AssertJ's primitive {@code isEqualTo} takes
     * {@code 0.0} for {@code -0.0}.
     */
    static void assertSameDouble(double actual, double expected, String what) {
        assertThat((Object) actual).as(what).isEqualTo(expected);
    }

    private static long longValue(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Long.MAX_VALUE;
            case 1 -> Long.MIN_VALUE;
            case 2 -> rnd.nextLong();
            default -> rnd.nextInt(-50, 50);
        };
    }

    private static double doubleValue(SplittableRandom rnd) {
        return rnd.nextInt(3) == 0 ? rnd.nextInt(-20, 20) : DOUBLES[rnd.nextInt(DOUBLES.length)];
    }

    /**
     * The value a compareAndSet expects: the current bits half of the time; otherwise a different value,
     * such as the other zero. A NaN whose bits the model cannot know for sure (arithmetic makes them) is
     * never expected: a non-NaN value fails against any NaN.
     */
    private static double casExpectation(double current, SplittableRandom rnd) {
        if (Double.isNaN(current)) {
            return rnd.nextBoolean() ? 0.0 : 1.0;
        }
        if (rnd.nextBoolean()) {
            return current;
        }
        if (current == 0.0) {
            return Double.doubleToRawLongBits(current) == 0 ? -0.0 : 0.0;
        }
        return DOUBLES[rnd.nextInt(DOUBLES.length)];
    }
}
