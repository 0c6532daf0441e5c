package io.meld.memory;

import io.meld.Distribution;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The index-to-owner mapping every global-array operation starts with: {@link ArrayLayout#partition} (the
 * home node) and {@link ArrayLayout#slot} (where the element lives there) for random indices of an array
 * of 10^9 + 7 elements (no power of two, so the divisions are real) over 3 nodes, for each distribution;
 * and {@link FastDivisor} against the hardware divide it replaces.
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * ArrayLayoutBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class ArrayLayoutBenchmark {
    static final int OPS = 4096;
    private static final long LENGTH = 1_000_000_007L;

    @Param({"BLOCK", "CYCLIC", "BLOCK_CYCLIC"})
    public String distribution;

    private ArrayLayout layout;
    private FastDivisor divisor;
    private long d;
    private final long[] indices = new long[OPS];

    @Setup(Level.Trial)
    public void setUp() {
        Distribution dist = switch (distribution) {
            case "BLOCK" -> Distribution.BLOCK;
            case "CYCLIC" -> Distribution.CYCLIC;
            default -> Distribution.blockCyclic(1000);
        };
        layout = new ArrayLayout(LENGTH, 3, dist);
        d = LENGTH / 3 + 1;
        divisor = new FastDivisor(d);
        long x = 88172645463325252L;
        for (int i = 0; i < OPS; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            indices[i] = Long.remainderUnsigned(x, LENGTH);
        }
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long partition() {
        long sum = 0;
        for (long i : indices) {
            sum += layout.partition(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long slot() {
        long sum = 0;
        for (long i : indices) {
            sum += layout.slot(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long fastDivide() {
        long sum = 0;
        for (long i : indices) {
            sum += divisor.divide(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long hardwareDivide() {
        long sum = 0;
        long divide = d;
        for (long i : indices) {
            sum += i / divide;
        }
        return sum;
    }
}
