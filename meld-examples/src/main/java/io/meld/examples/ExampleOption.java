package io.meld.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One option of an {@link Example}: {@code --name VALUE} (or {@code --name=VALUE}), or {@code --name}
 * alone for a flag.
 *
 * @param name the name, without the dashes
 * @param label what the value is, for the help ({@code N}, {@code FILE})
 * @param type how the value is read and checked
 * @param defaultValue the value when the option is not given, as text; {@code null} for none
 * @param min the smallest allowed value of a number
 * @param max the largest allowed value of a number
 * @param description one sentence for the help
 * @param hidden whether the help leaves it out (test hooks)
 */
public record ExampleOption(
        String name,
        String label,
        Type type,
        String defaultValue,
        double min,
        double max,
        String description,
        boolean hidden) {

    /** How an option's value is read. */
    public enum Type {
        /** A whole number; {@code 1k}, {@code 1M}, {@code 1G} (powers of 1000) are accepted. */
        LONG,
        /** A number with a fraction. */
        DOUBLE,
        /** Any text, e.g. a file name. */
        TEXT,
        /** No value: present or not. */
        FLAG
    }

    /**
     * @param name the name
     * @param label the value's label
     * @param defaultValue the default
     * @param min the smallest value
     * @param max the largest value
     * @param description the help
     * @return a whole-number option
     */
    public static ExampleOption number(
            String name, String label, long defaultValue, long min, long max, String description) {
        return new ExampleOption(name, label, Type.LONG, Long.toString(defaultValue), min, max, description, false);
    }

    /**
     * @param name the name
     * @param label the value's label
     * @param defaultValue the default
     * @param min the smallest value
     * @param max the largest value
     * @param description the help
     * @return an option with a fractional value
     */
    public static ExampleOption decimal(
            String name, String label, double defaultValue, double min, double max, String description) {
        return new ExampleOption(name, label, Type.DOUBLE, Double.toString(defaultValue), min, max, description, false);
    }

    /**
     * @param name the name
     * @param label the value's label
     * @param description the help
     * @return a text option without a default
     */
    public static ExampleOption text(String name, String label, String description) {
        return new ExampleOption(name, label, Type.TEXT, null, 0, 0, description, false);
    }

    /**
     * @param name the name
     * @param description the help
     * @return a flag
     */
    public static ExampleOption flag(String name, String description) {
        return new ExampleOption(name, null, Type.FLAG, null, 0, 0, description, false);
    }

    /** @return this option, left out of the help */
    public ExampleOption hide() {
        return new ExampleOption(name, label, type, defaultValue, min, max, description, true);
    }

    /** @return how the help shows it: {@code --name N} */
    public String synopsis() {
        return "--" + name + (type == Type.FLAG ? "" : " " + label);
    }

    /** @return the help line: the synopsis, the description, the range and the default */
    public String help() {
        List<String> notes = new ArrayList<>();
        if (type == Type.LONG) {
            notes.add((long) min + " to " + (long) max);
        } else if (type == Type.DOUBLE) {
            notes.add(min + " to " + max);
        }
        if (defaultValue != null) {
            notes.add("default " + defaultValue);
        }
        String text = notes.isEmpty() ? description : description + " (" + String.join("; ", notes) + ")";
        return String.format(Locale.ROOT, "  %-22s %s", synopsis(), text);
    }
}
