package io.meld.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.fory.Fory;
import org.apache.fory.config.ForyBuilder;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The measurement that chose Meld's object serializer: one serialize and one deserialize (a round
 * trip through a reused buffer) of three payloads that remote tasks and messages carry, by Apache Fory
 * and by Kryo, each set up the way Meld would use it, plus Meld's own {@link ObjectCodec}:
 *
 * <ul>
 *   <li>{@code record}: a small record of an int, a long, two doubles and a short string;
 *   <li>{@code lambda}: a serializable lambda capturing a long, an int and a string (what {@code at}
 *       ships);
 *   <li>{@code graph}: a tree of 5 objects, each with a name, a {@code long[256]} and a list of
 *       children (about 10 KB).
 * </ul>
 *
 * <p>Setups, all with reference tracking (closures may share or cycle objects):
 *
 * <ul>
 *   <li>{@code fory-allowlist}: Fory writing class names, with a name allow-list ({@link
 *       org.apache.fory.resolver.TypeChecker}): what {@link ObjectCodec} does, since nodes need not
 *       register classes in the same order;
 *   <li>{@code fory-ids}: Fory with every class registered under a number (registration required);
 *   <li>{@code kryo-ids}: Kryo with every class registered under a number (registration required),
 *       lambdas through its {@code ClosureSerializer};
 *   <li>{@code meld}: {@link ObjectCodec} itself (bytes in a new array, as messages and tasks use it).
 * </ul>
 *
 * <p>The encoded size of each payload is printed once per trial ({@code bytes: ...}).
 *
 * <p>Run: {@code ./mvnw -q -pl meld-benchmarks -am package -DskipTests && "$(bin/find-jdk)/bin/java"
 * -cp "$(cat meld-benchmarks/target/classpath.txt):meld-benchmarks/target/classes" org.openjdk.jmh.Main
 * SerializerBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xmx1g",
            "--enable-native-access=ALL-UNNAMED",
            // Kryo reads SerializedLambda's fields by reflection; Fory needs no opened module.
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
        })
public class SerializerBenchmark {
    /** The small record. */
    public record Particle(int id, long time, double x, double y, String label) {}

    /** A task: what a lambda shipped to another node implements. */
    @FunctionalInterface
    public interface Task extends Serializable {
        /** @return the task's result */
        long run();
    }

    /** A node of the object graph. */
    public static final class Block {
        String name;
        long[] values;
        List<Block> children = new ArrayList<>();

        Block() {}

        Block(String name, int n) {
            this.name = name;
            this.values = new long[n];
            for (int i = 0; i < n; i++) {
                values[i] = (long) i * 0x9E3779B97F4A7C15L;
            }
        }
    }

    @Param({"fory-allowlist", "fory-ids", "kryo-ids", "meld"})
    public String setup;

    @Param({"record", "lambda", "graph"})
    public String payload;

    private Object value;
    private Fory fory;
    private MemoryBuffer foryBuffer;
    private Kryo kryo;
    private Output kryoOut;
    private Input kryoIn;
    private ObjectCodec codec;

    @Setup(Level.Trial)
    public void setUp() {
        value = switch (payload) {
            case "record" -> new Particle(42, 1_700_000_000_000L, 0.5, -1.25, "electron");
            case "lambda" -> lambda(7L, 3, "scale");
            case "graph" -> graph();
            default -> throw new IllegalArgumentException(payload);
        };
        switch (setup) {
            case "fory-allowlist" -> {
                Set<String> allowed =
                        Set.of(Particle.class.getName(), Block.class.getName(), SerializerBenchmark.class.getName());
                fory = foryBuilder().requireClassRegistration(false).build();
                fory.getTypeResolver()
                        .setTypeChecker((resolver, name) -> allowed.contains(name) || name.contains("$$Lambda"));
            }
            case "fory-ids" -> {
                fory = foryBuilder().requireClassRegistration(true).build();
                fory.register(Particle.class, 200);
                fory.register(Block.class, 201);
                fory.register(SerializerBenchmark.class, 202);
            }
            case "kryo-ids" -> {
                kryo = new Kryo();
                kryo.setRegistrationRequired(true);
                kryo.setReferences(true);
                kryo.register(Particle.class, 200);
                kryo.register(Block.class, 201);
                kryo.register(ArrayList.class, 202);
                kryo.register(long[].class, 203);
                kryo.register(Object[].class, 204);
                kryo.register(Class.class, 205);
                kryo.register(SerializedLambda.class, 206);
                kryo.register(ClosureSerializer.Closure.class, new ClosureSerializer(), 207);
                kryo.register(SerializerBenchmark.class, 208);
                kryoOut = new Output(1 << 16, -1);
                kryoIn = new Input();
            }
            case "meld" -> {
                codec = new ObjectCodec(
                        List.of(Particle.class.getName(), Block.class.getName(), SerializerBenchmark.class.getName()));
            }
            default -> throw new IllegalArgumentException(setup);
        }
        foryBuffer = MemoryBuffer.newHeapBuffer(1 << 16);
        Object back = roundTrip();
        if (back == null || back.getClass() != value.getClass() && !(value instanceof Task)) {
            throw new AssertionError(setup + " returned " + back + " for " + value);
        }
        System.out.println("bytes: " + setup + " " + payload + " " + encodedLength());
    }

    @Benchmark
    public Object roundTrip() {
        switch (setup) {
            case "kryo-ids" -> {
                kryoOut.reset();
                kryo.writeClassAndObject(kryoOut, value);
                kryoIn.setBuffer(kryoOut.getBuffer(), 0, kryoOut.position());
                return kryo.readClassAndObject(kryoIn);
            }
            case "meld" -> {
                return codec.decode(codec.encode(value));
            }
            default -> {
                foryBuffer.writerIndex(0);
                foryBuffer.readerIndex(0);
                fory.serialize(foryBuffer, value);
                return fory.deserialize(foryBuffer);
            }
        }
    }

    private int encodedLength() {
        return switch (setup) {
            case "kryo-ids" -> kryoOut.position();
            case "meld" -> codec.encode(value).length;
            default -> foryBuffer.writerIndex();
        };
    }

    private static ForyBuilder foryBuilder() {
        return new ForyBuilder()
                .withLanguage(Language.JAVA)
                .withRefTracking(true)
                .withAsyncCompilation(false)
                .suppressClassRegistrationWarnings(true);
    }

    private static Task lambda(long offset, int factor, String name) {
        return () -> offset * factor + name.length();
    }

    private static Block graph() {
        Block root = new Block("root", 256);
        for (int i = 0; i < 4; i++) {
            root.children.add(new Block("child-" + i, 256));
        }
        return root;
    }
}
