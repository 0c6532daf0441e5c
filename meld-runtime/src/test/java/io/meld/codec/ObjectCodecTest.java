package io.meld.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.ClassNotAllowedException;
import io.meld.MeldException;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.File;
import java.io.Serializable;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.fory.type.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The object codec: what crosses (JDK basics, allowed records and classes, serializable lambdas written by
 * allowed classes), what is refused and how the refusal reads, on the sending and on the receiving side.
 */
@Timeout(60)
class ObjectCodecTest {
    /** A record a program would send. */
    record Point(int x, long y, String name) {}

    /** A record whose field has a class nobody allowed. */
    record Holder(Secret secret) {}

    /** A class nobody allowed. */
    static final class Secret {
        int value = 7;
    }

    /** A node of a graph that refers to itself. */
    static final class Node {
        String name;
        long[] values;
        List<Node> next = new ArrayList<>();
    }

    /** What a remote task implements. */
    @FunctionalInterface
    interface Task extends Serializable, LongSupplier {}

    private static final String SELF = ObjectCodecTest.class.getName();

    /** A node's handle to a global object: crosses as its id, arrives as the receiver's own handle. */
    static final class Handle {
        final long id;
        final String node;

        Handle(long id, String node) {
            this.id = id;
            this.node = node;
        }
    }

    /** Two nodes' codecs, each resolving handle ids to its own handles. */
    private static ObjectCodec nodeCodec(String node) {
        ObjectCodec codec = new ObjectCodec(List.of(Point.class.getName()));
        codec.handles(Handle.class, h -> h.id, id -> {
            if (id > 10) {
                throw new MeldException("no handle #" + id + " on " + node);
            }
            return new Handle(id, node);
        });
        return codec;
    }

    @Test
    void shouldSendAHandleAsItsIdAndResolveItOnTheReceivingNodeInBothDirections() {
        ObjectCodec a = nodeCodec("a");
        ObjectCodec b = nodeCodec("b");
        // Both ways, several rounds: a codec that has read another's bytes must still write handles as ids
        // (Fory 1.6.0 stopped doing so for classes registered by name).
        for (int round = 0; round < 3; round++) {
            Handle atB = (Handle) b.decode(a.encode(new Handle(round, "a")));
            assertThat(atB.node).isEqualTo("b");
            assertThat(atB.id).isEqualTo(round);
            Point p = new Point(round, round, "p");
            List<?> atA = (List<?>) a.decode(b.encode(List.of(new Handle(round + 1, "b"), p)));
            assertThat(((Handle) atA.get(0)).node).isEqualTo("a");
            assertThat(atA.get(1)).isEqualTo(p);
        }
        assertThatThrownBy(() -> b.decode(a.encode(new Handle(11, "a")))).hasMessageContaining("no handle #11 on b");
    }

    /**
     * Fory's own way with a {@link Class} loads any class a peer names, without the allow-list: a Class
     * crosses here only when the allow-list allows its name, and is never initialized by the decoding.
     */
    @Test
    void shouldLetAClassCrossOnlyWhenItsNameIsAllowed() {
        ObjectCodec codec = new ObjectCodec(List.of(Point.class.getName()));
        assertThat(codec.decode(codec.encode(Point.class))).isEqualTo(Point.class);
        assertThat(codec.decode(codec.encode(new Object[] {long.class, String.class, Point[].class})))
                .isEqualTo(new Object[] {long.class, String.class, Point[].class});

        assertThatThrownBy(() -> codec.encode(java.io.File.class))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("java.io.File");
        // Bytes a peer wrote with a codec that allows the class: this node refuses them.
        ObjectCodec lax = new ObjectCodec(List.of("java.io.*", Point.class.getName()));
        assertThatThrownBy(() -> codec.decode(lax.encode(java.io.File.class)))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("refused to decode an object")
                .hasMessageContaining("java.io.File");
    }

    @Test
    void shouldRoundTripAnAllowedRecordAndAnArrayOfIt() {
        ObjectCodec codec = new ObjectCodec(List.of(Point.class.getName()));
        Point p = new Point(3, -4L, "p");

        assertThat(codec.decode(codec.encode(p))).isEqualTo(p);
        Point[] ps = {p, new Point(1, 2, "q")};
        assertThat((Point[]) codec.decode(codec.encode(ps))).containsExactly(ps);
    }

    @Test
    void shouldRoundTripTheJdkBasicsWithoutAnyRegistration() {
        ObjectCodec codec = new ObjectCodec(List.of());
        Map<String, Integer> hash = new HashMap<>(Map.of("a", 1, "b", 2));
        List<Object> values = List.of(
                42L,
                7,
                'c',
                true,
                2.5,
                "text",
                new long[] {1, 2, 3},
                new double[] {-0.0, Double.NaN},
                new byte[] {9},
                new int[][] {{1}, {2, 3}},
                new ArrayList<>(List.of(1, 2)),
                hash,
                new TreeMap<>(Map.of(1, "x")),
                new LinkedHashSet<>(List.of("z", "a")),
                List.of(1, 2, 3),
                Map.of("k", List.of(1L)),
                Arrays.asList("u", "v"),
                Optional.of("o"),
                new BigDecimal("1.25"),
                Instant.ofEpochSecond(1_700_000_000L),
                new String[] {"s", null});

        for (Object v : values) {
            Object back = codec.decode(codec.encode(v));
            assertThat(back).as("%s", v.getClass().getName()).isEqualTo(v);
        }
        assertThat(codec.decode(codec.encode(null))).isNull();
    }

    @Test
    void shouldShipALambdaCapturingValuesWhenTheClassThatWroteItIsAllowed() {
        ObjectCodec codec = new ObjectCodec(List.of(SELF, Point.class.getName()));
        long offset = 40;
        Point p = new Point(1, 1, "abc");
        Task task = () -> offset + p.x() + p.name().length();

        Task back = (Task) codec.decode(codec.encode(task));

        assertThat(back.getAsLong()).isEqualTo(44);
    }

    @Test
    void shouldRefuseALambdaWhoseWritingClassIsNotAllowedNamingTheClassThatWroteIt() {
        // The lambda's own class (ObjectCodecTest$$Lambda/0x...) is hidden: no program can register it.
        // The refusal names what to register instead, on both sides of the wire.
        ObjectCodec codec = new ObjectCodec(List.of());
        long offset = 40;
        Task task = () -> offset;

        assertThatThrownBy(() -> codec.encode(task))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageStartingWith("cannot send a lambda written by " + SELF + ": ")
                .hasMessageContaining("a lambda written by class " + SELF + " (its hidden class " + SELF + "$$Lambda")
                .hasMessageContaining("Register " + SELF + " on every node with Meld.register")
                .hasMessageContaining("meld.codec.classes")
                .extracting(e -> ((ClassNotAllowedException) e).className())
                .isEqualTo(SELF);
        byte[] bytes = new ObjectCodec(List.of(SELF)).encode(task);
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("Register " + SELF + " on every node")
                .extracting(e -> ((ClassNotAllowedException) e).className())
                .isEqualTo(SELF);
    }

    @Test
    void shouldRefuseALambdaCapturingAnObjectOfAClassNotAllowed() {
        ObjectCodec codec = new ObjectCodec(List.of(SELF));
        Secret secret = new Secret();
        Task task = () -> secret.value;

        assertThatThrownBy(() -> codec.encode(task))
                .isInstanceOf(ClassNotAllowedException.class)
                .extracting(e -> ((ClassNotAllowedException) e).className())
                .isEqualTo(Secret.class.getName());
    }

    @Test
    void shouldRefuseToEncodeAClassNotAllowedNamingItAndHowToAllowIt() {
        ObjectCodec codec = new ObjectCodec(List.of());

        assertThatThrownBy(() -> codec.encode(new Point(1, 2, "p")))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageStartingWith("cannot send a " + Point.class.getName() + ": class " + Point.class.getName()
                        + " may not cross the wire")
                .hasMessageContaining("Meld.register(Class...)");
    }

    @Test
    void shouldRefuseAFieldOfAClassNotAllowedInsideAnAllowedRecord() {
        ObjectCodec codec = new ObjectCodec(List.of(Holder.class.getName()));

        assertThatThrownBy(() -> codec.encode(new Holder(new Secret())))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("class " + Secret.class.getName() + " may not cross the wire");
    }

    @Test
    void shouldRefuseToDecodeBytesNamingAClassThisNodeDoesNotAllow() {
        ObjectCodec sender = new ObjectCodec(List.of(Point.class.getName()));
        ObjectCodec receiver = new ObjectCodec(List.of());
        byte[] bytes = sender.encode(new Point(1, 2, "p"));

        assertThatThrownBy(() -> receiver.decode(bytes))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageStartingWith("refused to decode an object: class " + Point.class.getName())
                .extracting(e -> ((ClassNotAllowedException) e).className())
                .isEqualTo(Point.class.getName());
    }

    @Test
    void shouldRefuseJdkClassesOutsideTheBasicsEvenWhenSerializable() {
        ObjectCodec codec = new ObjectCodec(List.of());

        assertThatThrownBy(() -> codec.encode(new File("/etc/passwd")))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("class java.io.File may not cross the wire");
        assertThatThrownBy(() -> codec.encode(new Random(1)))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("class java.util.Random may not cross the wire");
    }

    @Test
    void shouldRefuseToDecodeAJdkClassOutsideTheBasicsThatAnotherNodeAllowed() {
        ObjectCodec lax = new ObjectCodec(List.of("java.io.File"));
        ObjectCodec strict = new ObjectCodec(List.of());
        byte[] bytes = lax.encode(new File("/tmp/x"));

        assertThatThrownBy(() -> strict.decode(bytes))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining("java.io.File");
    }

    /**
     * JDK classes that Fory serializes with serializers of its own, which never asked the allow-list
     * until the codec put a check in front of each; with the class refused, and those it takes to send
     * the value (an exception carries its stack frames).
     */
    static Stream<Arguments> valuesThatForySerializesItself() {
        StackTraceElement frame = new StackTraceElement("com.example.C", "m", "C.java", 1);
        return Stream.of(
                Arguments.of(URI.create("http://example.com/x"), "java.net.URI", List.of("java.net.URI")),
                Arguments.of(Pattern.compile("a+"), "java.util.regex.Pattern", List.of("java.util.regex.Pattern")),
                Arguments.of(frame, "java.lang.StackTraceElement", List.of("java.lang.StackTraceElement")),
                Arguments.of(
                        new StackTraceElement[] {frame},
                        "java.lang.StackTraceElement",
                        List.of("java.lang.StackTraceElement")),
                Arguments.of(new Date(1), "java.util.Date", List.of("java.util.Date")),
                Arguments.of(new Timestamp(1), "java.sql.Timestamp", List.of("java.sql.Timestamp")),
                Arguments.of(new BitSet(8), "java.util.BitSet", List.of("java.util.BitSet")),
                Arguments.of(Locale.US, "java.util.Locale", List.of("java.util.Locale")),
                Arguments.of(
                        new AtomicLong(3),
                        "java.util.concurrent.atomic.AtomicLong",
                        List.of("java.util.concurrent.atomic.AtomicLong")),
                Arguments.of(new StringBuilder("sb"), "java.lang.StringBuilder", List.of("java.lang.StringBuilder")),
                Arguments.of(
                        ByteBuffer.wrap(new byte[] {1, 2}),
                        "java.nio.HeapByteBuffer",
                        List.of("java.nio.HeapByteBuffer")),
                Arguments.of(
                        Float16.valueOf(1.5f), "org.apache.fory.type.Float16", List.of("org.apache.fory.type.Float16")),
                Arguments.of(
                        new IllegalStateException("boom"),
                        "java.lang.IllegalStateException",
                        List.of("java.lang.IllegalStateException", "java.lang.StackTraceElement")));
    }

    @ParameterizedTest
    @MethodSource("valuesThatForySerializesItself")
    void shouldRefuseAJdkValueClassOutsideTheBasicsOnBothSidesUntilItIsAllowed(
            Object value, String refused, List<String> allowed) {
        ObjectCodec lax = new ObjectCodec(allowed);
        ObjectCodec strict = new ObjectCodec(List.of());
        byte[] bytes = lax.encode(List.of(value));

        assertThatThrownBy(() -> strict.encode(value))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining(refused + " may not cross the wire");
        assertThatThrownBy(() -> strict.decode(bytes))
                .isInstanceOf(ClassNotAllowedException.class)
                .hasMessageContaining(refused + " may not cross the wire");
        allowed.forEach(strict::allow);
        Object decoded = ((List<?>) strict.decode(bytes)).get(0);
        assertThat(decoded.getClass()).isEqualTo(value.getClass());
    }

    @Test
    void shouldAllowEveryClassOfAPackageAndItsSubPackagesByPattern() {
        ObjectCodec codec = new ObjectCodec(List.of("io.meld.*"));

        assertThat(codec.allows(Point.class.getName())).isTrue();
        assertThat(codec.allows("io.meld.deeper.Thing")).isTrue();
        assertThat(codec.allows("io.meldx.Thing")).isFalse();
        assertThat(codec.allows("[[L" + Point.class.getName() + ";")).isTrue();
        assertThat(codec.allows("[J")).isTrue();
        assertThat(codec.allows("com.example.Point")).isFalse();
        assertThat(codec.decode(codec.encode(new Point(5, 6, "r")))).isEqualTo(new Point(5, 6, "r"));
    }

    @Test
    void shouldAllowAClassRegisteredAfterTheCodecWasMade() {
        ObjectCodec codec = new ObjectCodec(List.of());
        assertThatThrownBy(() -> codec.encode(new Point(1, 1, "a"))).isInstanceOf(ClassNotAllowedException.class);

        codec.allow(Point[].class);

        assertThat(codec.decode(codec.encode(new Point(1, 1, "a")))).isEqualTo(new Point(1, 1, "a"));
    }

    @Test
    void shouldKeepSharedAndCyclicReferencesOfAGraph() {
        ObjectCodec codec = new ObjectCodec(List.of(Node.class.getName()));
        Node a = new Node();
        a.name = "a";
        a.values = new long[] {1, 2};
        Node b = new Node();
        b.name = "b";
        a.next.add(b);
        a.next.add(b);
        b.next.add(a);

        Node back = (Node) codec.decode(codec.encode(a));

        assertThat(back.values).containsExactly(1, 2);
        assertThat(back.next.get(0)).isSameAs(back.next.get(1));
        assertThat(back.next.get(0).next.get(0)).isSameAs(back);
    }

    @Test
    void shouldEncodeIntoAndDecodeFromNettyBuffers() {
        ObjectCodec codec = new ObjectCodec(List.of(Point.class.getName()));
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        try {
            buf.writeInt(0xCAFE);
            int n = codec.encode(new Point(9, 8, "netty"), buf);
            assertThat(buf.readableBytes()).isEqualTo(4 + n);
            assertThat(buf.readInt()).isEqualTo(0xCAFE);

            assertThat(codec.decode(buf)).isEqualTo(new Point(9, 8, "netty"));
            assertThat(buf.readableBytes()).isZero();
        } finally {
            buf.release();
        }
    }

    @Test
    void shouldFailOnBytesThatAreNotAnEncodingWithAMeldException() {
        ObjectCodec codec = new ObjectCodec(List.of());

        assertThatThrownBy(() -> codec.decode(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(MeldException.class)
                .hasMessageContaining("cannot decode an object from 5 bytes");
    }

    @Test
    void shouldRejectAnEntryThatIsNeitherAClassNorAPackagePatternNamingIt() {
        assertThatThrownBy(() -> new ObjectCodec(List.of("com.example.**")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'com.example.**' is neither a binary class name");
        assertThatThrownBy(() -> ObjectCodec.fromConfig(
                        MeldConfig.defaults().with(CodecSettings.CLASSES, List.of("ok.Name", "not a class"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("meld.codec.classes=ok.Name,not a class")
                .hasMessageContaining("'not a class' is neither");
    }
}
