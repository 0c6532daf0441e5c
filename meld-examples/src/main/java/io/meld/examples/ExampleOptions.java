package io.meld.examples;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of one run of an {@link Example}, parsed and checked against its {@link ExampleOption}s at
 * once, so that a bad value is one message naming the option and the value before any node starts.
 *
 * <p>Immutable.
 */
public final class ExampleOptions {
    private final String example;
    private final Map<String, ExampleOption> known;
    private final Map<String, String> values;

    private ExampleOptions(String example, Map<String, ExampleOption> known, Map<String, String> values) {
        this.example = example;
        this.known = known;
        this.values = values;
    }

    /**
     * Parses {@code --name VALUE}, {@code --name=VALUE} and {@code --flag} arguments.
     *
     * @param example the example they are for
     * @param args the arguments
     * @return the options, every value checked
     * @throws IllegalArgumentException for an unknown option, a missing or malformed value, or a value out
     *     of range, naming the option and the value
     */
    public static ExampleOptions parse(Example example, List<String> args) {
        Map<String, ExampleOption> known = new LinkedHashMap<>();
        for (ExampleOption o : example.options()) {
            known.put(o.name(), o);
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("example " + example.name() + ": unexpected argument '" + arg
                        + "'; options look like --name VALUE");
            }
            int eq = arg.indexOf('=');
            String name = arg.substring(2, eq < 0 ? arg.length() : eq);
            ExampleOption option = known.get(name);
            if (option == null) {
                throw new IllegalArgumentException("example " + example.name() + " has no option --" + name
                        + "; its options are "
                        + known.values().stream()
                                .filter(o -> !o.hidden())
                                .map(o -> "--" + o.name())
                                .toList());
            }
            String value;
            if (option.type() == ExampleOption.Type.FLAG) {
                if (eq >= 0) {
                    throw new IllegalArgumentException(
                            "--" + name + " takes no value, not '" + arg.substring(eq + 1) + "'");
                }
                value = "true";
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value (" + option.label() + ")");
            }
            check(option, value);
            values.put(name, value);
        }
        ExampleOptions options = new ExampleOptions(example.name(), known, values);
        example.check(options);
        return options;
    }

    /** @return the options as arguments that {@link #parse} reads back to the same values */
    public List<String> toArgs() {
        return values.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> known.get(e.getKey()).type() == ExampleOption.Type.FLAG
                        ? "--" + e.getKey()
                        : "--" + e.getKey() + "=" + e.getValue())
                .toList();
    }

    /**
     * @param name an option of type {@code LONG}
     * @return its value, or its default
     */
    public long getLong(String name) {
        return parseLong(option(name, ExampleOption.Type.LONG), raw(name));
    }

    /**
     * @param name an option of type {@code LONG} whose range fits an {@code int}
     * @return its value, or its default
     */
    public int getInt(String name) {
        return Math.toIntExact(getLong(name));
    }

    /**
     * @param name an option of type {@code DOUBLE}
     * @return its value, or its default
     */
    public double getDouble(String name) {
        option(name, ExampleOption.Type.DOUBLE);
        return Double.parseDouble(raw(name));
    }

    /**
     * @param name an option of type {@code TEXT}
     * @return its value, or its default ({@code null} when it has none)
     */
    public String getText(String name) {
        option(name, ExampleOption.Type.TEXT);
        return raw(name);
    }

    /**
     * @param name a flag
     * @return whether it was given
     */
    public boolean isSet(String name) {
        option(name, ExampleOption.Type.FLAG);
        return values.containsKey(name);
    }

    /**
     * @param name any option
     * @return whether it was given (not defaulted)
     */
    public boolean given(String name) {
        if (!known.containsKey(name)) {
            throw new IllegalArgumentException("example " + example + " has no option --" + name);
        }
        return values.containsKey(name);
    }

    private String raw(String name) {
        String v = values.get(name);
        return v != null ? v : known.get(name).defaultValue();
    }

    private ExampleOption option(String name, ExampleOption.Type type) {
        ExampleOption o = known.get(name);
        if (o == null || o.type() != type) {
            throw new IllegalArgumentException("example " + example + " has no " + type + " option --" + name);
        }
        return o;
    }

    private static void check(ExampleOption option, String value) {
        switch (option.type()) {
            case LONG -> parseLong(option, value);
            case DOUBLE -> {
                double d;
                try {
                    d = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + option.name() + " must be a number, not '" + value + "'");
                }
                if (!(d >= option.min() && d <= option.max())) {
                    throw new IllegalArgumentException("--" + option.name() + " must be from " + option.min() + " to "
                            + option.max() + ", not " + value);
                }
            }
            case TEXT -> {
                if (value.isEmpty()) {
                    throw new IllegalArgumentException("--" + option.name() + " must not be empty");
                }
            }
            case FLAG -> {}
        }
    }

    private static long parseLong(ExampleOption option, String value) {
        String s = value.strip().toLowerCase(Locale.ROOT).replace("_", "");
        long unit = 1;
        if (s.endsWith("k")) {
            unit = 1_000;
        } else if (s.endsWith("m")) {
            unit = 1_000_000;
        } else if (s.endsWith("g")) {
            unit = 1_000_000_000;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        long v;
        try {
            v = Math.multiplyExact(Long.parseLong(s), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "--" + option.name() + " must be a whole number (e.g. 1000, 64k, 2M), not '" + value + "'");
        }
        if (v < option.min() || v > option.max()) {
            throw new IllegalArgumentException("--" + option.name() + " must be from " + (long) option.min() + " to "
                    + (long) option.max() + ", not " + value);
        }
        return v;
    }
}
