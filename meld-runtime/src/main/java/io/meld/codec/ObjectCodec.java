package io.meld.codec;

import io.meld.ClassNotAllowedException;
import io.meld.MeldException;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Config;
import org.apache.fory.config.ForyBuilder;
import org.apache.fory.config.Language;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.exception.InsecureException;
import org.apache.fory.resolver.ClassResolver;
import org.apache.fory.resolver.RefMode;
import org.apache.fory.serializer.Serializer;

/**
 * Turns the objects that cross the wire (message payloads, remote tasks and their results) into bytes
 * and back, refusing every class that is not allowed.
 *
 * <p>What may cross:
 *
 * <ul>
 *   <li><b>JDK basics</b>, by Fory's built-in serializers (which read fields, never call a class's
 *       {@code readObject}): {@code null}, boxed primitives, {@code String}, arrays of primitives and of
 *       these, {@code java.util} lists, sets, maps and deques ({@code ArrayList}, {@code LinkedList},
 *       {@code ArrayDeque}, {@code HashMap}, {@code LinkedHashMap}, {@code TreeMap}, {@code HashSet},
 *       {@code LinkedHashSet}, {@code TreeSet}, the {@code List.of}/{@code Set.of}/{@code Map.of} ones,
 *       {@code Arrays.asList}, {@code Collections}' empty, singleton and unmodifiable views, {@code
 *       ConcurrentHashMap}), {@code Optional}, {@code BigInteger}/{@code BigDecimal}, {@code UUID},
 *       {@code java.time} values;
 *   <li><b>allowed classes</b> ({@code meld.codec.classes}, {@link #allow(String)}): records and
 *       classes of the program, with their fields (each field's class must be allowed or basic);
 *   <li><b>serializable lambdas</b> (whose target interface extends {@code Serializable}) written by an
 *       allowed class, with their captured values (each allowed or basic).
 * </ul>
 *
 * Any other class, a JDK one included ({@code java.io.File}, {@code java.util.Random}, ...), is refused
 * with {@link ClassNotAllowedException} naming it: by the sender when it encodes, and by the receiver
 * when it decodes bytes that name it. So are the other classes Fory has serializers of its own for
 * ({@code URI}, {@code Pattern}, {@code StackTraceElement}, {@code Date}, the atomics, exceptions,
 * buffers, Fory's own number types, ...; {@link AllowList#crossesUnlisted(Class)} draws the line), until
 * they are allowed like any class. The allow-list is by name, so nodes need not register classes in
 * the same order, but every node must allow what it receives.
 *
 * <p>Encoding: Fory's Java format with reference tracking (a shared or cyclic object arrives once, as
 * it was), class names written once per object graph. The bytes carry no length: the caller frames them.
 *
 * <p><b>Concurrency</b>: every method may be called by any number of threads at once. Fory instances are
 * not thread-safe; a pool of them ({@link ThreadSafeFory}) lends one to each call. The serializers Fory
 * generates for a class are shared by the pool.
 */
public final class ObjectCodec {
    private static final String DISALLOWED = " hit disallowed list";
    private final AllowList allowList = new AllowList();
    private final ThreadSafeFory fory;
    /** Fory type numbers of handle classes; ones below 256 are Fory's own. */
    private int nextHandleId = 1000;
    /** The longest class name a peer may send (the JVM's own limit is 65535 bytes). */
    private static final int MAX_CLASS_NAME = 65_535;

    /**
     * @param allowed class names and package patterns ({@code com.example.*}) to allow
     * @throws IllegalArgumentException when an entry is neither, naming it
     */
    public ObjectCodec(Collection<String> allowed) {
        for (String entry : allowed) {
            allowList.allow(entry);
        }
        this.fory = new ForyBuilder()
                .withLanguage(Language.JAVA)
                .requireClassRegistration(false)
                .withRefTracking(true)
                .suppressClassRegistrationWarnings(true)
                .buildThreadSafeFory();
        fory.setTypeChecker(allowList);
        // Fory writes a Class by its name and loads it on read with a serializer of its own that never
        // asks the allow-list: a peer could make this node load any class on its class path. A Class
        // crosses as its name, loaded without initialization, and only when the allow-list allows it.
        fory.registerSerializer(Class.class, resolver -> new ClassByName(resolver.getConfig(), allowList));
        // Fory has serializers of its own for many more JDK classes than the basics (URI, Pattern,
        // StackTraceElement, Date, the atomics, exceptions, ...) and for types of its own format, and uses
        // them without asking the allow-list. Each of them asks it first.
        fory.registerCallback(instance -> guardBuiltIns(instance, allowList));
    }

    /**
     * Puts a {@link Guarded} serializer in front of each serializer Fory registered for a class that is
     * not a basic ({@link AllowList#crossesUnlisted(Class)}).
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void guardBuiltIns(Fory instance, AllowList allowList) {
        ClassResolver resolver = (ClassResolver) instance.getTypeResolver();
        for (Class<?> c : List.copyOf(resolver.getRegisteredClasses())) {
            if (!AllowList.crossesUnlisted(c)) {
                Serializer original = resolver.getSerializer(c);
                resolver.registerSerializer(c, new Guarded(instance.getConfig(), original, allowList));
            }
        }
    }

    /**
     * @param config a node's configuration
     * @return a codec that allows what {@code meld.codec.classes} lists
     * @throws ConfigException when an entry is not a class name or a package pattern, naming it
     */
    public static ObjectCodec fromConfig(MeldConfig config) {
        try {
            return new ObjectCodec(config.get(CodecSettings.CLASSES));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    CodecSettings.CLASSES.name() + "=" + String.join(",", config.get(CodecSettings.CLASSES)) + " (from "
                            + config.source(CodecSettings.CLASSES) + "): " + e.getMessage());
        }
    }

    /**
     * Allows a class, or a package ({@code com.example.*}). Decoding that started before this returns
     * may not see it yet.
     *
     * @param entry a binary class name or a package pattern
     * @throws IllegalArgumentException when it is neither, naming it
     */
    public void allow(String entry) {
        allowList.allow(entry);
    }

    /**
     * Allows classes.
     *
     * @param classes the classes; an array class allows its element class
     * @throws NullPointerException when one is {@code null}
     */
    public void allow(Class<?>... classes) {
        for (Class<?> c : classes) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive()) {
                allowList.allow(element.getName());
            }
        }
    }

    /**
     * Lets objects of a class cross as a number and arrive as this node's object with that number: for
     * handles of global objects (arrays, locks, ...), which a remote task captures on one node and uses
     * on another. The class is allowed too. Every node registers the same classes, in the same order:
     * each is registered with Fory under a number, in order.
     *
     * @param type the handles' class (exactly: subclasses are not covered)
     * @param key what identifies a handle's object on every node
     * @param resolve this node's handle for a key; throws when there is none, naming it
     * @param <T> the type
     */
    public synchronized <T> void handles(
            Class<T> type, ToLongFunction<? super T> key, LongFunction<? extends T> resolve) {
        allowList.allow(type.getName());
        // By number, not by name: a Fory instance that has read a class's name from another instance's
        // bytes stops using the serializer registered for it when writing (seen with Fory 1.6.0).
        fory.register(type, nextHandleId++);
        fory.registerSerializer(type, resolver -> new HandleSerializer<>(resolver.getConfig(), type, key, resolve));
    }

    /**
     * A {@link Class} as its binary name, checked against the allow-list on both sides and loaded without
     * running its static initializer.
     */
    @SuppressWarnings("rawtypes")
    private static final class ClassByName extends Serializer<Class> {
        private static final Map<String, Class<?>> PRIMITIVES = Map.of(
                "boolean", boolean.class,
                "byte", byte.class,
                "char", char.class,
                "short", short.class,
                "int", int.class,
                "long", long.class,
                "float", float.class,
                "double", double.class,
                "void", void.class);

        private final AllowList allowList;

        ClassByName(Config config, AllowList allowList) {
            super(config, Class.class);
            this.allowList = allowList;
        }

        @Override
        public void write(WriteContext context, Class value) {
            String name = value.getName();
            check(name);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            context.getBuffer().writeVarInt32(bytes.length);
            context.getBuffer().writeBytes(bytes);
        }

        @Override
        public Class read(ReadContext context) {
            int length = context.getBuffer().readVarInt32();
            if (length < 0 || length > MAX_CLASS_NAME) {
                throw new MeldException("a class name of " + length + " bytes");
            }
            String name = new String(context.getBuffer().readBytes(length), StandardCharsets.UTF_8);
            check(name);
            Class<?> primitive = PRIMITIVES.get(name);
            if (primitive != null) {
                return primitive;
            }
            try {
                return Class.forName(name, false, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new MeldException("no class " + name + " on this node", e);
            }
        }

        private void check(String name) {
            if (!PRIMITIVES.containsKey(name) && !AllowList.isBasic(name) && !allowList.allows(name)) {
                throw new ClassNotAllowedException(
                        name, "a Class object of " + name + ", which meld.codec.classes does not allow");
            }
        }
    }

    /**
     * Fory's own serializer of a class that is not a basic, used only when the allow-list allows the
     * class, on either side.
     */
    private static final class Guarded<T> extends Serializer<T> {
        private final Serializer<T> serializer;
        private final AllowList allowList;
        private final String name;

        Guarded(Config config, Serializer<T> serializer, AllowList allowList) {
            super(config, serializer.getType(), serializer.needToWriteRef());
            this.serializer = serializer;
            this.allowList = allowList;
            this.name = serializer.getType().getName();
        }

        private void check() {
            if (!allowList.allows(name)) {
                Class<?> element = getType();
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                throw new ClassNotAllowedException(element.getName(), AllowList.refusal(element.getName()));
            }
        }

        @Override
        public void write(WriteContext context, RefMode mode, T value) {
            check();
            serializer.write(context, mode, value);
        }

        @Override
        public void write(WriteContext context, T value) {
            check();
            serializer.write(context, value);
        }

        @Override
        public T read(ReadContext context, RefMode mode) {
            check();
            return serializer.read(context, mode);
        }

        @Override
        public T read(ReadContext context) {
            check();
            return serializer.read(context);
        }
    }

    /** Writes a handle as its key; reads a key as this node's handle. */
    private static final class HandleSerializer<T> extends Serializer<T> {
        private final ToLongFunction<? super T> key;
        private final LongFunction<? extends T> resolve;

        HandleSerializer(
                Config config, Class<T> type, ToLongFunction<? super T> key, LongFunction<? extends T> resolve) {
            super(config, type);
            this.key = key;
            this.resolve = resolve;
        }

        @Override
        public void write(WriteContext context, T value) {
            context.getBuffer().writeVarInt64(key.applyAsLong(value));
        }

        @Override
        public T read(ReadContext context) {
            return resolve.apply(context.getBuffer().readVarInt64());
        }
    }

    /**
     * @param className a binary class name
     * @return whether objects of that class may cross the wire by the allow-list (JDK basics are not on
     *     it; see the class comment)
     */
    public boolean allows(String className) {
        return allowList.allows(className);
    }

    /**
     * @param value the object, may be {@code null}
     * @return its bytes, in a new array
     * @throws ClassNotAllowedException when the value, or an object it refers to, has a class that is
     *     not allowed; nothing is sent
     * @throws MeldException when Fory cannot encode it, with the class and Fory's reason
     */
    public byte[] encode(Object value) {
        try {
            return fory.serialize(value);
        } catch (RuntimeException e) {
            throw encodeFailure(value, e);
        }
    }

    /**
     * Appends the value's bytes to a buffer.
     *
     * @param value the object, may be {@code null}
     * @param out the buffer; it grows as needed
     * @return how many bytes were written
     * @throws ClassNotAllowedException when a class is not allowed; {@code out} may hold part of the
     *     bytes then (the caller drops it)
     * @throws MeldException when Fory cannot encode it
     */
    public int encode(Object value, ByteBuf out) {
        int start = out.writerIndex();
        try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
            fory.serialize(stream, value);
        } catch (java.io.IOException e) {
            throw new MeldException("cannot encode a " + className(value) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw encodeFailure(value, e);
        }
        return out.writerIndex() - start;
    }

    /**
     * @param bytes what {@link #encode(Object)} produced, on any node
     * @return the object
     * @throws ClassNotAllowedException when the bytes name a class this node does not allow
     * @throws MeldException when the bytes are not a valid encoding
     */
    public Object decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * @param bytes an array holding an encoding
     * @param offset where it starts
     * @param length how long it is
     * @return the object
     * @throws ClassNotAllowedException when the bytes name a class this node does not allow
     * @throws MeldException when the bytes are not a valid encoding
     */
    public Object decode(byte[] bytes, int offset, int length) {
        return decode(ByteBuffer.wrap(bytes, offset, length));
    }

    /**
     * Decodes the readable bytes of a buffer, and skips them.
     *
     * @param in a buffer whose readable bytes are one encoding
     * @return the object
     * @throws ClassNotAllowedException when the bytes name a class this node does not allow
     * @throws MeldException when the bytes are not a valid encoding
     */
    public Object decode(ByteBuf in) {
        Object value = decode(in.nioBuffer());
        in.skipBytes(in.readableBytes());
        return value;
    }

    private Object decode(ByteBuffer bytes) {
        int length = bytes.remaining();
        try {
            return fory.deserialize(bytes);
        } catch (RuntimeException | StackOverflowError e) {
            ClassNotAllowedException refused = refusal(e);
            if (refused != null) {
                throw new ClassNotAllowedException(
                        refused.className(), "refused to decode an object: " + refused.getMessage());
            }
            MeldException ours = ours(e);
            throw new MeldException(
                    "cannot decode an object from " + length + " bytes: " + (ours != null ? ours.getMessage() : e), e);
        }
    }

    /** What a handle's resolver threw (no such array here, say), under Fory's wrapping. */
    private static MeldException ours(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof MeldException m) {
                return m;
            }
        }
        return null;
    }

    private static MeldException encodeFailure(Object value, RuntimeException e) {
        ClassNotAllowedException refused = refusal(e);
        if (refused != null) {
            return new ClassNotAllowedException(
                    refused.className(), "cannot send a " + className(value) + ": " + refused.getMessage());
        }
        return new MeldException("cannot encode a " + className(value) + ": " + e, e);
    }

    /** Fory may wrap what the allow-list threw; finds it. */
    private static ClassNotAllowedException refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClassNotAllowedException c) {
                return c;
            }
            if (t instanceof InsecureException
                    && t.getMessage() != null
                    && t.getMessage().endsWith(DISALLOWED)) {
                // Fory's own list of classes it never serializes (threads, class loaders, ...), checked
                // before the allow-list is asked.
                String name = t.getMessage().substring(0, t.getMessage().length() - DISALLOWED.length());
                return new ClassNotAllowedException(
                        name, "class " + name + " may never cross the wire: Fory refuses it on every node");
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** @return what the value is, for a message: its class, or for a lambda the class that wrote it */
    private static String className(Object value) {
        if (value == null) {
            return "null";
        }
        String name = value.getClass().getName();
        String writer = AllowList.writer(name);
        return writer.equals(name) ? name : "lambda written by " + writer;
    }
}
