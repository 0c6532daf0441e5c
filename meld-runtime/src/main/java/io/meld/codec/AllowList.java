package io.meld.codec;

import io.meld.ClassNotAllowedException;
import java.lang.invoke.SerializedLambda;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.fory.resolver.TypeChecker;
import org.apache.fory.resolver.TypeResolver;

/**
 * The classes a node lets cross the wire besides the JDK basics, by name: exact binary names and
 * package patterns ({@code com.example.*}, the package and its sub-packages). Fory asks it about every
 * class it has no built-in serializer for, when encoding and when decoding.
 *
 * <p>Decisions, for a name Fory asks about:
 *
 * <ul>
 *   <li>the JDK interfaces that fields are declared with ({@code List}, {@code Map}, ...) are allowed:
 *       Fory asks about them when it generates a serializer, but never instantiates them;
 *   <li>an array is allowed when its element type is (a primitive, or an allowed class);
 *   <li>a lambda's hidden class ({@code com.example.Main$$Lambda/0x...}) is allowed when the class that
 *       wrote the lambda is; decoding the lambda names that class again, and its generated {@code
 *       $deserializeLambda$} rebuilds only lambdas that class wrote;
 *   <li>otherwise the name must be listed, or lie in a listed package.
 * </ul>
 *
 * Everything else is refused with {@link ClassNotAllowedException}. Note that the JDK basics never reach
 * this list: Fory serializes them with its own serializers and does not ask.
 *
 * <p><b>Concurrency</b>: any thread may add and check at any time (concurrent sets); an entry added is
 * seen by checks that start after {@link #allow(String)} returns.
 */
final class AllowList implements TypeChecker {
    private static final Pattern CLASS_NAME =
            Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*"
                    + "(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
    private static final String LAMBDA = "$$Lambda";
    /**
     * JDK interfaces and abstract classes that fields are declared with: Fory asks about a field's
     * declared type when it generates a class's serializer. Nothing is ever made of these names (an
     * interface cannot be instantiated); the class of the value in the field is checked on its own.
     */
    private static final Set<String> DECLARED_TYPES = Set.of(
            "java.lang.Object",
            "java.lang.Number",
            "java.lang.CharSequence",
            "java.lang.Comparable",
            "java.lang.Iterable",
            "java.lang.Runnable",
            "java.util.Collection",
            "java.util.List",
            "java.util.Set",
            "java.util.SortedSet",
            "java.util.NavigableSet",
            "java.util.Queue",
            "java.util.Deque",
            "java.util.Map",
            "java.util.SortedMap",
            "java.util.NavigableMap",
            "java.util.concurrent.ConcurrentMap",
            "java.util.concurrent.Callable",
            "java.util.function.Function",
            "java.util.function.Supplier",
            "java.util.function.Consumer",
            "java.util.function.Predicate");

    private final Set<String> classes = ConcurrentHashMap.newKeySet();
    /** Package prefixes with their final dot: {@code com.example.} for {@code com.example.*}. */
    private final Set<String> packages = ConcurrentHashMap.newKeySet();

    /**
     * Adds a class name or a package pattern.
     *
     * @param entry a binary class name ({@code com.example.Outer$Inner}) or {@code com.example.*}
     * @throws IllegalArgumentException when it is neither, naming it
     */
    void allow(String entry) {
        String e = entry.trim();
        if (e.endsWith(".*")
                && CLASS_NAME.matcher(e.substring(0, e.length() - 2)).matches()) {
            packages.add(e.substring(0, e.length() - 1));
        } else if (CLASS_NAME.matcher(e).matches()) {
            classes.add(e);
        } else {
            throw new IllegalArgumentException("'" + entry + "' is neither a binary class name (com.example.Point,"
                    + " com.example.Outer$Inner) nor a package pattern (com.example.*)");
        }
    }

    /**
     * @param name a binary class name, an array's name ({@code [Lcom.example.Point;}) or a lambda's
     *     hidden class name
     * @return whether objects of that class may cross the wire
     */
    boolean allows(String name) {
        String n = name;
        int dims = 0;
        while (dims < n.length() && n.charAt(dims) == '[') {
            dims++;
        }
        if (dims > 0) {
            n = n.substring(dims);
            if (n.length() == 1) {
                return "ZBCSIJFD".indexOf(n.charAt(0)) >= 0;
            }
            if (n.length() < 3 || n.charAt(0) != 'L' || n.charAt(n.length() - 1) != ';') {
                return false;
            }
            n = n.substring(1, n.length() - 1);
            if (isBasic(n)) {
                return true;
            }
        }
        if (DECLARED_TYPES.contains(n)) {
            return true;
        }
        n = writer(n);
        if (classes.contains(n)) {
            return true;
        }
        for (String p : packages) {
            if (n.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean checkType(TypeResolver resolver, String name) {
        if (allows(name)) {
            return true;
        }
        throw new ClassNotAllowedException(writer(name), refusal(name));
    }

    /**
     * @param name a binary class name, or a lambda's hidden class name
     * @return the class to allow for it: for a lambda ({@code com.example.Main$$Lambda/0x...}, a name
     *     no program can register), the class that wrote it ({@code com.example.Main}); else {@code name}
     */
    static String writer(String name) {
        int lambda = name.indexOf(LAMBDA);
        return lambda > 0 ? name.substring(0, lambda) : name;
    }

    /** @return the message that refuses {@code name}, naming what to allow */
    static String refusal(String name) {
        String writer = writer(name);
        String what = writer.equals(name)
                ? "class " + name
                : "a lambda written by class " + writer + " (its hidden class " + name + ")";
        return what + " may not cross the wire: " + writer + " is not on this node's allow-list. Register "
                + writer + " on every node with Meld.register(Class...), or list it (or its package, as"
                + " com.example.*) in meld.codec.classes";
    }

    @Override
    public String toString() {
        return "AllowList" + classes + packages;
    }

    /**
     * Whether objects of a class that Fory has a serializer of its own for cross without being listed:
     * the basics of {@link ObjectCodec}'s class comment. Fory's serializers of other classes (URI,
     * Pattern, StackTraceElement, Date, BitSet, Locale, the atomics, exceptions, buffers, its own
     * unsigned and 16-bit float types, ...) ask this list first.
     *
     * @param c a class Fory registered a serializer for
     * @return true for primitives, the boxes, {@code String}, {@code Object}, {@code Class} (which
     *     checks its own value), collections and maps (the JDK's, and Fory's lists of primitives), {@code
     *     java.util} comparators, {@code Optional}s and {@code UUID}, {@code java.math} and {@code
     *     java.time} values, arrays of these, and the stand-ins Fory writes for lambdas and views
     */
    static boolean crossesUnlisted(Class<?> c) {
        if (c.isArray()) {
            return crossesUnlisted(c.getComponentType());
        }
        String name = c.getName();
        if (c.isPrimitive() || isBasic(name) || c == Void.class || c == Class.class) {
            return true;
        }
        if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)) {
            // the JDK's, and Fory's lists of primitives (org.apache.fory.collection.Int8List, ...); Fory
            // takes only a collection serializer for these, and their elements are checked on their own
            return true;
        }
        if (name.startsWith("java.util.") && !name.startsWith("java.util.concurrent.atomic.")) {
            return Comparator.class.isAssignableFrom(c) || name.startsWith("java.util.Optional") || c == UUID.class;
        }
        return name.startsWith("java.math.")
                || name.startsWith("java.time.")
                || c == SerializedLambda.class
                // stand-ins for lambdas, proxies, sub-lists and writeReplace objects: what they stand for
                // is checked on its own
                || name.startsWith("org.apache.fory.serializer.");
    }

    /** Element types of object arrays that are basics: their arrays reach this list, they do not. */
    static boolean isBasic(String name) {
        return switch (name) {
            case "java.lang.Object",
                    "java.lang.String",
                    "java.lang.Boolean",
                    "java.lang.Byte",
                    "java.lang.Character",
                    "java.lang.Short",
                    "java.lang.Integer",
                    "java.lang.Long",
                    "java.lang.Float",
                    "java.lang.Double" -> true;
            default -> false;
        };
    }
}
