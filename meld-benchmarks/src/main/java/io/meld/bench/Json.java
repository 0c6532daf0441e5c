package io.meld.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmarks' JSON: one flat object per line, whose values are numbers, strings, booleans, {@code
 * null}, or arrays of numbers. Enough for {@code bin/meld bench --json} and the report, with no
 * dependency.
 *
 * <pre>{@code
 * String line = new Json().put("benchmark", "latency").put("p50_us", 87.5).put("verified", true).toString();
 * Map<String, Object> fields = Json.parse(line);   // {benchmark=latency, p50_us=87.5, verified=true}
 * }</pre>
 *
 * <p>Numbers are written as Java writes them ({@code long}s whole, {@code double}s shortest-exact, NaN
 * and infinities as {@code null}) and read back as {@link Long} when integral and written without a
 * fraction or exponent, as {@link Double} otherwise. Not thread-safe.
 */
public final class Json {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    /**
     * Sets a field; a later put of the same name replaces the value in place.
     *
     * @param name the field name
     * @param value a {@link Number}, {@link String}, {@link Boolean}, {@code null}, {@code double[]}, or a
     *     {@link List} of numbers
     * @return this
     */
    public Json put(String name, Object value) {
        if (!(value == null
                || value instanceof Number
                || value instanceof String
                || value instanceof Boolean
                || value instanceof double[]
                || value instanceof List<?>)) {
            throw new IllegalArgumentException(
                    "field " + name + ": cannot write a " + value.getClass().getName());
        }
        fields.put(name, value);
        return this;
    }

    /**
     * Copies every field of {@code other} into this object.
     *
     * @param other parsed fields
     * @return this
     */
    public Json putAll(Map<String, Object> other) {
        other.forEach(this::put);
        return this;
    }

    /** @return the fields, in the order they were first put */
    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /** @return the object as one line of JSON */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(256).append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey());
            sb.append(':');
            value(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static void value(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Double || v instanceof Float) {
            number(sb, ((Number) v).doubleValue());
        } else if (v instanceof Number n) {
            sb.append(n.longValue());
        } else if (v instanceof double[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                number(sb, a[i]);
            }
            sb.append(']');
        } else {
            List<?> list = (List<?>) v;
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                value(sb, list.get(i));
            }
            sb.append(']');
        }
    }

    private static void number(StringBuilder sb, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d).append(".0");
        } else {
            sb.append(Double.toString(d));
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Reads one flat JSON object.
     *
     * @param line the text of the object
     * @return its fields in order: {@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@code
     *     null}, or {@code List<Object>} for arrays
     * @throws IllegalArgumentException when the text is not such an object, naming where
     */
    public static Map<String, Object> parse(String line) {
        return new Parser(line).object();
    }

    /**
     * @param fields parsed fields
     * @param name a field name
     * @return the field as a double, or NaN when absent or {@code null}
     */
    public static double number(Map<String, Object> fields, String name) {
        return fields.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * @param fields parsed fields
     * @param name a field name
     * @return the field as a double array (an empty one when absent)
     */
    public static double[] numbers(Map<String, Object> fields, String name) {
        if (fields.get(name) instanceof double[] put) {
            return put.clone(); // as put, before a round trip through text
        }
        if (!(fields.get(name) instanceof List<?> list)) {
            return new double[0];
        }
        double[] a = new double[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return a;
    }

    /**
     * Finds the first JSON object of the given benchmark among lines of output, which may carry a prefix
     * such as a node's {@code [0] }.
     *
     * @param output lines of text
     * @param benchmark the value of the {@code "benchmark"} field to look for
     * @return its fields, or {@code null} when no line has it
     */
    public static Map<String, Object> find(String output, String benchmark) {
        String marker = "{\"benchmark\":\"" + benchmark + "\"";
        for (String line : output.split("\n")) {
            int at = line.indexOf(marker);
            if (at >= 0) {
                return parse(line.substring(at).trim());
            }
        }
        return null;
    }

    /** A recursive-descent reader of the subset {@link Json} writes. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            skip();
            expect('{');
            skip();
            if (peek() == '}') {
                i++;
            } else {
                while (true) {
                    skip();
                    String key = string();
                    skip();
                    expect(':');
                    skip();
                    m.put(key, value());
                    skip();
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw error("expected , or } but found '" + c + "'");
                    }
                }
            }
            skip();
            if (i != s.length()) {
                throw error("text after the object");
            }
            return m;
        }

        private Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '[') {
                i++;
                List<Object> list = new ArrayList<>();
                skip();
                if (peek() == ']') {
                    i++;
                    return list;
                }
                while (true) {
                    skip();
                    list.add(value());
                    skip();
                    char d = next();
                    if (d == ']') {
                        return list;
                    }
                    if (d != ',') {
                        throw error("expected , or ] but found '" + d + "'");
                    }
                }
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String text = s.substring(start, i);
            if (text.isEmpty()) {
                throw error("expected a value");
            }
            try {
                if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
                    return Long.parseLong(text);
                }
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw error("bad number " + text);
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                i--;
                throw error("expected '" + c + "'");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at character " + i + " of " + s);
        }
    }
}
