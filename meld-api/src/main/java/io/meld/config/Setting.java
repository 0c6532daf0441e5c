package io.meld.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One named, typed, documented setting with a default. Components declare their settings as constants
 * and read them with {@link MeldConfig#get(Setting)}.
 *
 * <p>Value syntax by type:
 *
 * <ul>
 *   <li><b>int</b>, <b>long</b>: decimal, within the setting's range;
 *   <li><b>size</b>: bytes, or a number with a binary unit: {@code 65536}, {@code 64KiB}, {@code 1MiB},
 *       {@code 2GiB} ({@code k}, {@code m}, {@code g} are accepted for the same units);
 *   <li><b>duration</b>: a number with {@code us}, {@code ms}, {@code s}, {@code m} or {@code h} ({@code
 *       200us}, {@code 250ms}, {@code 30s}), or ISO-8601 ({@code PT30S}); {@code 0} where the setting
 *       allows it;
 *   <li><b>boolean</b>: {@code true} or {@code false};
 *   <li><b>enum</b>: one of the listed names, case-insensitive;
 *   <li><b>list</b>: comma-separated, blanks around items ignored.
 * </ul>
 *
 * @param <T> the type of the value
 */
public final class Setting<T> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-zA-Z]*)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h)");
    private static final Pattern NAME = Pattern.compile("meld(\\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+");

    private final String name;
    private final String type;
    private final T defaultValue;
    private final String defaultText;
    private final String description;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;

    private Setting(
            String name,
            String type,
            T defaultValue,
            String defaultText,
            String description,
            Function<String, T> parser,
            Function<T, String> formatter) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "setting name '" + name + "' is not of the form meld.component.lower-case-words");
        }
        this.name = name;
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.defaultText = Objects.requireNonNull(defaultText, "defaultText");
        this.description = Objects.requireNonNull(description, "description");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.formatter = Objects.requireNonNull(formatter, "formatter");
    }

    /**
     * An integer setting.
     *
     * @param name the dotted name
     * @param defaultValue the default, within {@code [min, max]}
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @param description what it controls
     * @return the setting
     */
    public static Setting<Integer> intSetting(String name, int defaultValue, int min, int max, String description) {
        return new Setting<>(
                name,
                range("int", min, max),
                defaultValue,
                Integer.toString(defaultValue),
                description,
                raw -> (int) parseLong(raw, min, max),
                String::valueOf);
    }

    /**
     * A long setting.
     *
     * @param name the dotted name
     * @param defaultValue the default, within {@code [min, max]}
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @param description what it controls
     * @return the setting
     */
    public static Setting<Long> longSetting(String name, long defaultValue, long min, long max, String description) {
        return new Setting<>(
                name,
                range("long", min, max),
                defaultValue,
                Long.toString(defaultValue),
                description,
                raw -> parseLong(raw, min, max),
                String::valueOf);
    }

    /**
     * A size in bytes.
     *
     * @param name the dotted name
     * @param defaultBytes the default
     * @param minBytes the smallest allowed value
     * @param maxBytes the largest allowed value
     * @param description what it controls
     * @return the setting
     */
    public static Setting<Long> sizeSetting(
            String name, long defaultBytes, long minBytes, long maxBytes, String description) {
        return new Setting<>(
                name,
                "size " + formatSize(minBytes) + ".." + formatSize(maxBytes),
                defaultBytes,
                formatSize(defaultBytes),
                description,
                raw -> checkRange(parseSize(raw), minBytes, maxBytes, Setting::formatSize),
                Setting::formatSize);
    }

    /**
     * A duration.
     *
     * @param name the dotted name
     * @param defaultValue the default
     * @param min the shortest allowed value ({@link Duration#ZERO} allows {@code 0})
     * @param max the longest allowed value
     * @param description what it controls
     * @return the setting
     */
    public static Setting<Duration> durationSetting(
            String name, Duration defaultValue, Duration min, Duration max, String description) {
        return new Setting<>(
                name,
                "duration " + formatDuration(min) + ".." + formatDuration(max),
                defaultValue,
                formatDuration(defaultValue),
                description,
                raw -> checkRange(parseDuration(raw), min, max, Setting::formatDuration),
                Setting::formatDuration);
    }

    /**
     * A boolean.
     *
     * @param name the dotted name
     * @param defaultValue the default
     * @param description what it controls
     * @return the setting
     */
    public static Setting<Boolean> booleanSetting(String name, boolean defaultValue, String description) {
        return new Setting<>(
                name,
                "boolean",
                defaultValue,
                Boolean.toString(defaultValue),
                description,
                Setting::parseBoolean,
                String::valueOf);
    }

    /**
     * A string; blank values are taken as the default.
     *
     * @param name the dotted name
     * @param defaultValue the default, may be empty
     * @param description what it controls
     * @return the setting
     */
    public static Setting<String> stringSetting(String name, String defaultValue, String description) {
        return new Setting<>(
                name,
                "string",
                defaultValue,
                defaultValue.isEmpty() ? "(empty)" : defaultValue,
                description,
                raw -> raw.isBlank() ? defaultValue : raw.trim(),
                Function.identity());
    }

    /**
     * One constant of an enum, matched case-insensitively and with {@code -} for {@code _}.
     *
     * @param name the dotted name
     * @param type the enum class
     * @param defaultValue the default
     * @param description what it controls
     * @param <E> the enum type
     * @return the setting
     */
    public static <E extends Enum<E>> Setting<E> enumSetting(
            String name, Class<E> type, E defaultValue, String description) {
        E[] constants = type.getEnumConstants();
        return new Setting<>(
                name,
                "one of "
                        + String.join(
                                ", ",
                                Arrays.stream(constants).map(Setting::enumText).toList()),
                defaultValue,
                enumText(defaultValue),
                description,
                raw -> parseEnum(raw, constants),
                Setting::enumText);
    }

    /**
     * A comma-separated list of strings; the default is empty.
     *
     * @param name the dotted name
     * @param description what it controls
     * @return the setting
     */
    public static Setting<List<String>> listSetting(String name, String description) {
        return new Setting<>(
                name,
                "list",
                List.of(),
                "(empty)",
                description,
                raw -> Arrays.stream(raw.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList(),
                list -> String.join(",", list));
    }

    /**
     * Returns this setting with the default documented by words instead of by its value, for defaults
     * that are computed at start (for example from the number of cores).
     *
     * @param text how the default is chosen
     * @return a copy of this setting with that text
     */
    public Setting<T> withDefaultText(String text) {
        return new Setting<>(name, type, defaultValue, text, description, parser, formatter);
    }

    /** @return the dotted name, as a system property or in {@code meld.properties} */
    public String name() {
        return name;
    }

    /** @return the environment variable that sets it: the name upper-cased, dots and dashes as {@code _} */
    public String envName() {
        return envName(name);
    }

    /** @return the type and allowed range, as documented */
    public String type() {
        return type;
    }

    /** @return the default value */
    public T defaultValue() {
        return defaultValue;
    }

    /** @return the default, as documented */
    public String defaultText() {
        return defaultText;
    }

    /** @return what the setting controls */
    public String description() {
        return description;
    }

    /**
     * Parses a raw value.
     *
     * @param raw the text, as in a system property
     * @return the value
     * @throws IllegalArgumentException when the text is not a valid value; the message says why
     */
    public T parse(String raw) {
        return parser.apply(raw.trim());
    }

    /**
     * Formats a value as it would be written in a system property.
     *
     * @param value the value
     * @return the text that {@link #parse(String)} reads back as {@code value}
     */
    public String format(T value) {
        return formatter.apply(value);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * @param name a dotted setting name
     * @return its environment variable name
     */
    static String envName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Formats a byte count with the largest binary unit that divides it.
     *
     * @param bytes the count
     * @return for example {@code 64KiB}, {@code 1MiB} or {@code 1000}
     */
    public static String formatSize(long bytes) {
        if (bytes != 0) {
            if (bytes % (1L << 30) == 0) {
                return (bytes >> 30) + "GiB";
            }
            if (bytes % (1L << 20) == 0) {
                return (bytes >> 20) + "MiB";
            }
            if (bytes % (1L << 10) == 0) {
                return (bytes >> 10) + "KiB";
            }
        }
        return Long.toString(bytes);
    }

    /**
     * Formats a duration in the largest unit that divides it.
     *
     * @param d the duration
     * @return for example {@code 30s} or {@code 250ms}
     */
    public static String formatDuration(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        // The short forms read back only whole, non-negative microseconds that fit a long; anything
        // else (finer than a microsecond, negative, centuries long) is written as ISO-8601.
        if (d.isNegative() || d.getNano() % 1_000 != 0 || d.getSeconds() >= Long.MAX_VALUE / 1_000_000) {
            return d.toString();
        }
        if (d.getNano() % 1_000_000 != 0) {
            return (d.getSeconds() * 1_000_000 + d.getNano() / 1000) + "us";
        }
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    private static String range(String type, long min, long max) {
        boolean unbounded = max == Long.MAX_VALUE || max == Integer.MAX_VALUE;
        if (unbounded && (min == Long.MIN_VALUE || min == Integer.MIN_VALUE)) {
            return type;
        }
        return unbounded ? type + " >= " + min : type + " " + min + ".." + max;
    }

    private static long parseLong(String raw, long min, long max) {
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        return checkRange(value, min, max, String::valueOf);
    }

    private static <V extends Comparable<V>> V checkRange(V value, V min, V max, Function<V, String> format) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    "out of range: must be from " + format.apply(min) + " to " + format.apply(max));
        }
        return value;
    }

    private static long parseSize(String raw) {
        Matcher m = SIZE.matcher(raw);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: use bytes, or a number with KiB, MiB or GiB, e.g. 1MiB");
        }
        long shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 0;
            case "k", "kib" -> 10;
            case "m", "mib" -> 20;
            case "g", "gib" -> 30;
            default ->
                throw new IllegalArgumentException(
                        "unknown size unit '" + m.group(2) + "': use KiB, MiB or GiB (powers of 1024), e.g. 64KiB");
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large");
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large");
        }
        return n << shift;
    }

    private static Duration parseDuration(String raw) {
        if (raw.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(raw);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                // more digits than a long, or more minutes or hours than Duration holds in seconds
                throw new IllegalArgumentException("duration too long");
            }
        }
        try {
            return Duration.parse(raw);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a duration: use a number with us, ms, s, m or h (e.g. 30s)," + " or ISO-8601 (e.g. PT30S)");
        }
    }

    private static boolean parseBoolean(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not a boolean: use true or false");
        };
    }

    private static <E extends Enum<E>> E parseEnum(String raw, E[] constants) {
        for (E e : constants) {
            if (enumText(e).equalsIgnoreCase(raw) || e.name().equalsIgnoreCase(raw)) {
                return e;
            }
        }
        throw new IllegalArgumentException("not one of "
                + String.join(
                        ", ", Arrays.stream(constants).map(Setting::enumText).toList()));
    }

    private static String enumText(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
