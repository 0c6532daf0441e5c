package io.meld.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.MeldException;
import io.meld.transport.InstrumentAlso;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Jazzer fuzz tests of the object codec, which decodes what peers send in messages, remote tasks and
 * their results. The corpus in {@code ObjectCodecFuzzTestInputs} starts from encodings of basics,
 * collections, an allowed record and a refused class.
 *
 * <ul>
 *   <li>{@link #shouldDecodeOnlyWhatTheAllowListLetsCross}: any bytes decode to an object graph whose
 *       classes are all basics or allowed, or are refused with a {@link
 *       MeldException} (a {@link io.meld.ClassNotAllowedException} when they name a class that is not
 *       allowed).
 *   <li>{@link #shouldDecodeWhatItEncodes}: a value built from the fuzzer's bytes (basics, collections,
 *       the allowed record, nested) decodes to an equal value.
 * </ul>
 */
@InstrumentAlso("org.apache.fory.**")
class ObjectCodecFuzzTest {
    /** The one class of the program the codec allows. */
    record Point(int x, long y, String name, List<Object> tags) {}

    private static final ObjectCodec CODEC = new ObjectCodec(List.of(Point.class.getName()));

    static {
        // Fory compiles a serializer for a class when it first meets it; done here, before the fuzzing,
        // so that the compilation does not count against an input's time limit.
        CODEC.decode(CODEC.encode(new Point(1, 2, "p", new ArrayList<>(List.of(new long[] {3})))));
    }

    @FuzzTest
    void shouldDecodeOnlyWhatTheAllowListLetsCross(byte[] bytes) {
        Object value;
        try {
            value = CODEC.decode(bytes);
        } catch (MeldException refused) {
            return;
        }
        checkAllowed(value, new IdentityHashMap<>(), 0);
    }

    @FuzzTest
    void shouldDecodeWhatItEncodes(FuzzedDataProvider data) {
        Object value = value(data, 0);
        Object decoded = CODEC.decode(CODEC.encode(value));
        assertThat(deepEquals(value, decoded))
                .as("%s decoded from its encoding, was %s", decoded, value)
                .isTrue();
    }

    /** Fails when the graph from {@code value} holds an object of a class that may not cross. */
    private static void checkAllowed(Object value, IdentityHashMap<Object, Boolean> seen, int depth) {
        if (value == null || depth > 64 || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Class<?> k) {
            // a Class crosses as the name of a class that may cross
            Class<?> named = k;
            while (named.isArray()) {
                named = named.getComponentType();
            }
            assertThat(named.isPrimitive() || isBasic(named) || CODEC.allows(named.getName()))
                    .as("the Class object of %s crossed", k.getName())
                    .isTrue();
            return;
        }
        Class<?> c = value.getClass();
        if (c.isArray()) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive()) {
                assertThat(isBasic(element) || CODEC.allows(element.getName()))
                        .as("an array of %s crossed", element.getName())
                        .isTrue();
                for (int i = 0; i < Array.getLength(value); i++) {
                    checkAllowed(Array.get(value, i), seen, depth + 1);
                }
            }
            return;
        }
        assertThat(isBasic(c) || CODEC.allows(c.getName()))
                .as("an object of %s crossed", c.getName())
                .isTrue();
        if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
            try {
                if (value instanceof Collection<?> items) {
                    for (Object item : items) {
                        checkAllowed(item, seen, depth + 1);
                    }
                } else {
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                        checkAllowed(e.getKey(), seen, depth + 1);
                        checkAllowed(e.getValue(), seen, depth + 1);
                    }
                }
            } catch (UnsupportedOperationException unusable) {
                // Fory can be made to wrap a JDK view (Collections.newSetFromMap, ...) around the stand-in
                // it fills while it reads an immutable map (JDKImmutableMapContainer), which refuses to be
                // iterated: nothing in it reaches the program.
                assertThat(unusable.getStackTrace()[0].getClassName())
                        .startsWith("org.apache.fory.serializer.collection.");
            }
        } else if (value instanceof Optional<?> o) {
            checkAllowed(o.orElse(null), seen, depth + 1);
        } else if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                try {
                    checkAllowed(rc.getAccessor().invoke(value), seen, depth + 1);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    /**
     * The basics that cross without being listed, as ObjectCodec's class comment lists them: boxes and
     * strings, the JDK's collections, maps, optionals and comparators, {@code UUID}, {@code java.math}
     * and {@code java.time} values, and Fory's lists of primitives, with the number objects they hand
     * out.
     */
    private static boolean isBasic(Class<?> c) {
        String name = c.getName();
        if (c == String.class
                || c == Object.class
                || c == Class.class
                || c.getSuperclass() == Number.class && name.startsWith("java.lang.")
                || c == Boolean.class
                || c == Character.class) {
            return true;
        }
        if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)) {
            return name.startsWith("java.util.") || name.startsWith("org.apache.fory.collection.");
        }
        return name.startsWith("java.util.Optional")
                // Fory's number types (Float16, UInt8, ...): what its lists of primitives hand out, made
                // from the primitives they hold (ObjectCodecTest shows that one decoded alone is refused)
                || name.startsWith("org.apache.fory.type.")
                || c == UUID.class
                || name.startsWith("java.util.") && Comparator.class.isAssignableFrom(c)
                || name.startsWith("java.math.")
                || name.startsWith("java.time.");
    }

    /** A value of basics, collections and {@link Point}s, at most a few levels deep, as the bytes say. */
    private static Object value(FuzzedDataProvider data, int depth) {
        int kind = data.consumeInt(0, depth < 3 ? 13 : 8);
        return switch (kind) {
            case 0 -> null;
            case 1 -> data.consumeLong();
            case 2 -> data.consumeInt();
            case 3 -> data.consumeDouble();
            case 4 -> data.consumeBoolean();
            case 5 -> data.consumeString(40);
            case 6 -> data.consumeBytes(40);
            case 7 -> new BigDecimal(BigInteger.valueOf(data.consumeLong()), data.consumeInt(-20, 20));
            case 8 -> new UUID(data.consumeLong(), data.consumeLong());
            case 9 -> {
                List<Object> list = new ArrayList<>();
                for (int n = data.consumeInt(0, 5); n > 0; n--) {
                    list.add(value(data, depth + 1));
                }
                yield list;
            }
            case 10 -> {
                Map<Object, Object> map = data.consumeBoolean() ? new HashMap<>() : new TreeMap<>();
                for (int n = data.consumeInt(0, 5); n > 0; n--) {
                    map.put(data.consumeString(10), value(data, depth + 1));
                }
                yield map;
            }
            case 11 -> {
                Set<Object> set = new LinkedHashSet<>();
                for (int n = data.consumeInt(0, 5); n > 0; n--) {
                    set.add(data.consumeLong());
                }
                yield set;
            }
            case 12 -> new long[] {data.consumeLong(), data.consumeLong()};
            default -> {
                List<Object> tags = new ArrayList<>();
                for (int n = data.consumeInt(0, 3); n > 0; n--) {
                    tags.add(value(data, depth + 1));
                }
                yield new Point(data.consumeInt(), data.consumeLong(), data.consumeString(20), tags);
            }
        };
    }

    /** Equality that compares arrays by their elements, wherever they are in the graph. */
    private static boolean deepEquals(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.getClass().isArray()) {
            return b.getClass() == a.getClass() && Objects.deepEquals(a, b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!deepEquals(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            return x.keySet().stream().allMatch(k -> deepEquals(x.get(k), y.get(k)));
        }
        if (a instanceof Point p && b instanceof Point q) {
            return p.x() == q.x() && p.y() == q.y() && p.name().equals(q.name()) && deepEquals(p.tags(), q.tags());
        }
        return a.equals(b);
    }
}
