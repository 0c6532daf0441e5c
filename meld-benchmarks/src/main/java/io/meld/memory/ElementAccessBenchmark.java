package io.meld.memory;

import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LocalLongArray;
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
 * The cost of one operation on a local element of a global array, beside the same access to a plain
 * {@code long[]} through a {@code VarHandle} with the same memory ordering, and beside a plain array
 * access (what a local view gives). The arrays hold {@value #LENGTH} elements, so every access hits the
 * first-level cache: the figures are the instructions each path runs, not the memory's latency. Each
 * benchmark method makes {@value #LENGTH} accesses at consecutive indices, as a loop body does.
 *
 * <p>What the contract requires of a blocking {@code get} beyond the VarHandle's volatile read: the index
 * check against the array's length, the check that the array is live, finding the element's owner and
 * slot (for a {@code BLOCK} array a subtraction and an unsigned comparison), and, for issue order, a look
 * at whether any buffer of this node's own elements holds operations (one load). A blocking {@code set}
 * also looks whether a thread waits on the array ({@code waitUntil}), after its volatile write. A
 * plain access through a local view checks only the local index.
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * ElementAccessBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx512m", "-XX:+UseParallelGC", "--enable-native-access=ALL-UNNAMED"})
public class ElementAccessBenchmark {
    private static final int LENGTH = 1024;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private long[] plain;
    private Meld meld;
    private GlobalLongArray longs;
    private GlobalDoubleArray doubles;
    private LocalLongArray view;

    @Setup(Level.Trial)
    public void setUp() {
        plain = new long[LENGTH];
        meld = Meld.join(MeldConfig.defaults());
        longs = meld.longArray("longs", LENGTH);
        doubles = meld.doubleArray("doubles", LENGTH);
        view = longs.local();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        meld.close();
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long plainRead() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += plain[i];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long varHandleGetVolatile() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += (long) LONGS.getVolatile(plain, i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long meldGet() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += longs.get(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public double meldGetDouble() {
        double sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += doubles.get(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long viewGet() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += view.get(i);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public void plainWrite() {
        for (int i = 0; i < LENGTH; i++) {
            plain[i] = i;
        }
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public void varHandleSetVolatile() {
        for (int i = 0; i < LENGTH; i++) {
            LONGS.setVolatile(plain, i, (long) i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public void meldSet() {
        for (int i = 0; i < LENGTH; i++) {
            longs.set(i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public void viewSet() {
        for (int i = 0; i < LENGTH; i++) {
            view.set(i, i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long varHandleGetAndAdd() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += (long) LONGS.getAndAdd(plain, i, 1L);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public long meldGetAndAdd() {
        long sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += longs.getAndAdd(i, 1);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LENGTH)
    public void meldAdd() {
        for (int i = 0; i < LENGTH; i++) {
            longs.add(i, 1);
        }
    }
}
