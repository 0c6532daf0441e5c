package io.meld.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.jr.ob.JSON;
import com.fasterxml.jackson.jr.ob.JacksonJrExtension;
import com.fasterxml.jackson.jr.ob.api.ExtensionContext;
import com.fasterxml.jackson.jr.ob.api.ReaderWriterProvider;
import com.fasterxml.jackson.jr.ob.api.ValueWriter;
import com.fasterxml.jackson.jr.ob.impl.JSONWriter;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks' JSON lines, through Jackson jr: a {@link BenchmarkResult} record, or the fields of a line
 * read earlier, written as one line; and a line read back as its fields.
 *
 * <pre>{@code
 * String line = ResultCodec.encode(result);            // {"benchmark":"gups_raw_tcp","nodes":2,...}
 * Map<String, Object> fields = ResultCodec.decode(line); // {benchmark=gups_raw_tcp, nodes=2, ...}
 * double rate = ResultCodec.number(fields, "updates_per_sec");
 * }</pre>
 *
 * <p>A line is one object whose values are numbers, strings, booleans, {@code null}, or arrays of numbers.
 * A {@code double} is written as Java writes it, except that a whole one below 10^15 is written in full
 * ({@code 2300000000.0}, not {@code 2.3E9}) and NaN and the infinities as {@code null}; read back, a number
 * is a {@link Long} when written without a fraction or an exponent, a {@link Double} otherwise.
 *
 * <p>Thread-safe: Jackson jr's {@link JSON} is immutable, and its writers keep no state between values.
 */
public final class ResultCodec {
    private static final JSON JACKSON = JSON.builder()
            // A null field read from a line is written back: a figure that was not measured.
            .enable(JSON.Feature.WRITE_NULL_PROPERTIES)
            // Records and JSON's own types only: any other object in a result is a mistake, refused.
            .disable(JSON.Feature.HANDLE_JAVA_BEANS)
            .enable(JSON.Feature.FAIL_ON_UNKNOWN_TYPE_WRITE)
            .register(new Extension())
            .build();

    private ResultCodec() {}

    /**
     * Writes a result as described by {@link BenchmarkResult}.
     *
     * @param result a record
     * @return its JSON line, without a line break
     * @throws IllegalArgumentException when the result is not a record, or a component holds a value other
     *     than a number, string, boolean, array or list of numbers, or record
     */
    public static String encode(BenchmarkResult result) {
        if (!(result instanceof Record)) {
            throw new IllegalArgumentException(
                    "not a record: " + result.getClass().getName());
        }
        return write(result);
    }

    /**
     * Writes fields read from a line back as a line.
     *
     * @param fields the fields, in order, as {@link #decode(String)} returns them
     * @return the JSON line, without a line break
     */
    public static String encode(Map<String, ?> fields) {
        return write(fields);
    }

    private static String write(Object value) {
        try {
            return JACKSON.asString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + value + " as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads one JSON object.
     *
     * @param line the text of the object
     * @return its fields in order: {@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@code
     *     null}, or {@code List<Object>} for arrays
     * @throws IllegalArgumentException when the text is not one JSON object, saying where
     */
    public static Map<String, Object> decode(String line) {
        try (JsonParser parser = JACKSON.createParser(line)) {
            Map<String, Object> fields = JACKSON.mapFrom(parser);
            if (fields == null) {
                throw new IllegalArgumentException("not a JSON object: " + line);
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("text after the object at character "
                        + parser.currentTokenLocation().getCharOffset() + " of " + line);
            }
            Map<String, Object> read = new LinkedHashMap<>();
            fields.forEach((name, value) -> read.put(name, longs(value)));
            return read;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
        }
    }

    /** @return the value with every {@link Integer} in it a {@link Long}, as the class promises */
    private static Object longs(Object value) {
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof List<?> list) {
            List<Object> read = new ArrayList<>(list.size());
            for (Object element : list) {
                read.add(longs(element));
            }
            return read;
        }
        return value;
    }

    /**
     * Finds the first JSON line of the given benchmark among lines of output, which may carry a prefix
     * such as a node's {@code [0] }.
     *
     * @param output lines of text
     * @param benchmark the value of the {@code "benchmark"} field to look for
     * @return its fields, or {@code null} when no line has it
     * @throws IllegalArgumentException when the line found is not a JSON object
     */
    public static Map<String, Object> find(String output, String benchmark) {
        String marker = "{\"benchmark\":\"" + benchmark + "\"";
        for (String line : output.split("\n")) {
            int at = line.indexOf(marker);
            if (at >= 0) {
                return decode(line.substring(at).trim());
            }
        }
        return null;
    }

    /**
     * @param fields a line's fields
     * @param name a field name
     * @return the field as a double, or NaN when absent or not a number
     */
    public static double number(Map<String, ?> fields, String name) {
        return fields.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * @param fields a line's fields
     * @param name a field name
     * @return the field as a double array, NaN for an element that is not a number; empty when absent
     */
    public static double[] numbers(Map<String, ?> fields, String name) {
        if (!(fields.get(name) instanceof List<?> list)) {
            return new double[0];
        }
        double[] a = new double[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return a;
    }

    /** Teaches Jackson jr the lines' doubles and records. */
    private static final class Extension extends JacksonJrExtension {
        @Override
        protected void register(ExtensionContext context) {
            context.insertProvider(new ReaderWriterProvider() {
                @Override
                public ValueWriter findValueWriter(JSONWriter writer, Class<?> type) {
                    if (type == Double.class) {
                        return new DoubleWriter();
                    }
                    if (type == double[].class) {
                        return new DoubleArrayWriter();
                    }
                    return type.isRecord() ? new RecordWriter(type) : null;
                }
            });
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (!Double.isFinite(d)) {
            g.writeNull();
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            g.writeNumber((long) d + ".0");
        } else {
            g.writeNumber(d);
        }
    }

    private static final class DoubleWriter implements ValueWriter {
        @Override
        public void writeValue(JSONWriter context, JsonGenerator g, Object value) throws IOException {
            writeDouble(g, (Double) value);
        }

        @Override
        public Class<?> valueType() {
            return Double.class;
        }
    }

    private static final class DoubleArrayWriter implements ValueWriter {
        @Override
        public void writeValue(JSONWriter context, JsonGenerator g, Object value) throws IOException {
            double[] a = (double[]) value;
            g.writeStartArray(a, a.length);
            for (double d : a) {
                writeDouble(g, d);
            }
            g.writeEndArray();
        }

        @Override
        public Class<?> valueType() {
            return double[].class;
        }
    }

    /** A record as one object: {@code "benchmark"} first when it is a result, then its components. */
    private static final class RecordWriter implements ValueWriter {
        private final Class<?> type;

        RecordWriter(Class<?> type) {
            this.type = type;
        }

        @Override
        public void writeValue(JSONWriter context, JsonGenerator g, Object value) throws IOException {
            g.writeStartObject(value);
            if (value instanceof BenchmarkResult result) {
                g.writeStringField("benchmark", result.benchmark());
            }
            writeComponents(context, g, value, value instanceof BenchmarkResult);
            g.writeEndObject();
        }

        private static void writeComponents(JSONWriter context, JsonGenerator g, Object record, boolean result)
                throws IOException {
            for (Component c : COMPONENTS.get(record.getClass())) {
                if (result && c.name().equals("benchmark")) {
                    continue;
                }
                Object value = c.of(record);
                if (c.group()) {
                    if (value != null) {
                        writeComponents(context, g, value, false);
                    }
                } else {
                    g.writeFieldName(c.name());
                    context.writeValue(value);
                }
            }
        }

        @Override
        public Class<?> valueType() {
            return type;
        }
    }

    /**
     * A record component as a field.
     *
     * @param name the field's name
     * @param accessor reads the component
     * @param group whether the component is a record whose fields take its place
     */
    private record Component(String name, Method accessor, boolean group) {
        Object of(Object record) {
            try {
                return accessor.invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + accessor, e);
            }
        }
    }

    private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
        @Override
        protected List<Component> computeValue(Class<?> type) {
            List<Component> components = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                Method accessor = c.getAccessor();
                // Results of other packages' programs are package-private records.
                accessor.setAccessible(true);
                components.add(new Component(
                        snakeCase(c.getName()), accessor, c.getType().isRecord()));
            }
            return List.copyOf(components);
        }
    };

    /** @return {@code threadsPerNode} as {@code threads_per_node} */
    static String snakeCase(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
