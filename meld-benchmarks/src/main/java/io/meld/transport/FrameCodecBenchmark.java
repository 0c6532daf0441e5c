package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame encode and decode, the transport's per-frame work on each side of a connection: encoding is what
 * {@code Link.newFrame} and {@code Link.send} do to a frame (a pooled direct buffer, the header, the
 * payload copied in, the length set); decoding is {@link FrameDecoder} cutting a byte stream holding
 * {@value #FRAMES} frames into retained slices, checking each header, as a connection's pipeline does
 * (the slices are released, as the frame handler's caller does). Payloads of 20 bytes (a frame with one
 * remote get) and 256 KiB (a full combining buffer, {@code meld.memory.buffer-size}).
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * FrameCodecBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class FrameCodecBenchmark {
    static final int FRAMES = 64;

    @Param({"20", "262144"})
    public int payload;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private byte[] bytes;
    private ByteBuf stream;
    private FrameDecoder decoder;
    private final List<Object> out = new ArrayList<>(FRAMES);

    @Setup(Level.Trial)
    public void setUp() {
        bytes = new byte[payload];
        for (int i = 0; i < payload; i++) {
            bytes[i] = (byte) i;
        }
        stream = alloc.directBuffer(FRAMES * (FrameDescriptor.HEADER_LENGTH + payload));
        for (int i = 0; i < FRAMES; i++) {
            int start = FrameDescriptor.begin(stream, FrameType.MEMORY_OPS, 0);
            stream.writeBytes(bytes);
            FrameDescriptor.finish(stream, start);
        }
        boolean[] known = new boolean[FrameType.MAX + 1];
        known[FrameType.MEMORY_OPS] = true;
        decoder = new FrameDecoder(FrameDescriptor.HEADER_LENGTH + payload, known);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.release();
    }

    /** One frame: allocate, header, payload, length; released as the connection does once written. */
    @Benchmark
    public int encode() {
        ByteBuf frame = alloc.directBuffer(FrameDescriptor.HEADER_LENGTH + payload);
        int start = FrameDescriptor.begin(frame, FrameType.MEMORY_OPS, 0);
        frame.writeBytes(bytes);
        FrameDescriptor.finish(frame, start);
        int length = FrameDescriptor.length(frame);
        frame.release();
        return length;
    }

    /** Per frame: {@value #FRAMES} frames cut from one stream buffer, each slice released. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decode() {
        stream.readerIndex(0);
        decoder.decode(null, stream, out);
        int types = 0;
        for (int i = 0; i < out.size(); i++) {
            ByteBuf frame = (ByteBuf) out.get(i);
            types += FrameDescriptor.type(frame);
            frame.release();
        }
        out.clear();
        return types;
    }
}
