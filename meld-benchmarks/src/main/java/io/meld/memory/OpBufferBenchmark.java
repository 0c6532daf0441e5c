package io.meld.memory;

import io.meld.collective.CollectiveEngine;
import io.meld.config.MeldConfig;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Appending to a combining buffer ({@link OpBuffer}), the per-operation work of the sending thread for a
 * remote element: taking the buffer (its state word), encoding the operation into the open run, and
 * releasing it. Three streams: {@code add(i, 1)} (the shared operand: 4 bytes per operation), {@code
 * add(i, varying)} (an operand per operation: 12 bytes), and {@code getAndAdd} (a request id too). Each
 * invocation fills a fresh buffer with {@value #OPS} operations, below its capacity, so nothing is sent:
 * this is the append alone, without the network or the home's apply (which {@link LocalUpdateBenchmark}
 * includes for local elements).
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * OpBufferBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC", "--enable-native-access=ALL-UNNAMED"})
public class OpBufferBenchmark {
    /** Operations per invocation: 16 bytes each at most, so they fit the buffer. */
    static final int OPS = 16_000;

    private static final int CAPACITY = 256 << 10;
    private static final long SLOTS = (1L << 24) - 1;

    private MemoryService service;
    private Sender sender;
    private OpBuffer buffer;
    private long x = 88172645463325252L;

    @Setup(Level.Trial)
    public void setUp() {
        // A service that is never started: appends below the capacity never reach the network.
        service = new MemoryService(2, MeldConfig.defaults(), new CollectiveEngine(2));
        sender = new Sender(service, Thread.currentThread(), 2, CAPACITY, 0);
    }

    /** A fresh, empty buffer for each invocation (not timed). */
    @Setup(Level.Invocation)
    public void freshBuffer() {
        buffer = new OpBuffer(service, sender, 1, CAPACITY);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void addSharedOperand() {
        OpBuffer b = buffer;
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            b.acquire();
            b.append(OpCodec.ADD, 0, 0, 1, 0, s & SLOTS, 1, 0);
            b.release();
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void addVaryingOperand() {
        OpBuffer b = buffer;
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            b.acquire();
            b.append(OpCodec.ADD, 0, 0, 1, 0, s & SLOTS, s >>> 40, 0);
            b.release();
        }
        x = s;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void getAndAdd() {
        OpBuffer b = buffer;
        long s = x;
        for (int i = 0; i < OPS; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            b.acquire();
            b.append(OpCodec.GET_AND_ADD, 0, 0, 1, i, s & SLOTS, 1, 0);
            b.release();
        }
        x = s;
    }
}
