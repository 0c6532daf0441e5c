package io.meld.memory;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Random increments of a 2^24-element table on one node: a plain {@code long[]} with VarHandle atomics
 * against Meld's fire-and-forget {@code add} (buffered, then applied in runs), its {@code add(indices,
 * ...)} of a block of indices, and blocking {@code getAndAdd} (one atomic per call). The gap between
 * the plain and the Meld forms is Meld's own cost per local update. The plain table is also updated a
 * block of precomputed indices at a time ({@code plainAtomicAddBlock}), the shape of Meld's block form,
 * to show whether that shape alone is faster on plain memory. HPCC's XOR update, {@code T[x & mask] ^=
 * x}, is measured the same three ways ({@code plainAtomicXor}, {@code meldAccumulateXor}, {@code
 * meldAccumulateXorIndices}): an XOR is a compare-and-set loop, not one locked instruction.
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * LocalUpdateBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC", "--enable-native-access=ALL-UNNAMED"})
public class LocalUpdateBenchmark {
    private static final int LOG = 24;
    private static final long MASK = (1L << LOG) - 1;
    private static final int OPS = 4096;
    private static final int BLOCK = 1024;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private long[] plain;
    private Meld meld;
    private GlobalLongArray table;
    private final long[] indices = new long[BLOCK];
    private final long[] values = new long[BLOCK];
    private long x = 88172645463325252L;

    @Setup(Level.Trial)
    public void setUp() {
        plain = new long[1 << LOG];
        meld = Meld.join(MeldConfig.defaults());
        table = meld.longArray("t", 1L << LOG);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        meld.close();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void plainAtomicAdd() {
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            long ignored = (long) LONGS.getAndAdd(plain, (int) (s & MASK), 1L);
        }
        x = s;
    }

    /** Fills {@link #indices} from the stream at {@code s}; returns where the stream is then. */
    private long fillIndices(long s) {
        for (int i = 0; i < BLOCK; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            indices[i] = s & MASK;
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void plainAtomicAddBlock() {
        long s = x;
        for (int b = 0; b < OPS; b += BLOCK) {
            s = fillIndices(s);
            for (int i = 0; i < BLOCK; i++) {
                long ignored = (long) LONGS.getAndAdd(plain, (int) indices[i], 1L);
            }
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void meldAddIndices() {
        long s = x;
        for (int b = 0; b < OPS; b += BLOCK) {
            s = fillIndices(s);
            table.add(indices, 0, BLOCK, 1);
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void meldAdd() {
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            table.add(s & MASK, 1);
        }
        x = s;
    }

    /** HPCC's update, {@code T[x & mask] ^= x}, one atomic XOR (a compare-and-set loop) per element. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void plainAtomicXor() {
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            long ignored = (long) LONGS.getAndBitwiseXor(plain, (int) (s & MASK), s);
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void meldAccumulateXor() {
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            table.accumulate(s & MASK, LongOp.XOR, s);
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void meldAccumulateXorIndices() {
        long s = x;
        for (int b = 0; b < OPS; b += BLOCK) {
            for (int i = 0; i < BLOCK; i++) {
                s ^= s << 13;
                s ^= s >>> 7;
                s ^= s << 17;
                indices[i] = s & MASK;
                values[i] = s;
            }
            table.accumulate(indices, LongOp.XOR, values, 0, BLOCK);
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long meldGetAndAdd() {
        long s = x;
        long sum = 0;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            sum += table.getAndAdd(s & MASK, 1);
        }
        x = s;
        return sum;
    }
}
