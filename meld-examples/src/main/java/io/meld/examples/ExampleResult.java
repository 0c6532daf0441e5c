package io.meld.examples;

import java.util.Objects;

/**
 * What an {@link Example} reports: whether its answer passed its check, and either the figures of the run
 * or the reason it failed. {@link #line(String)} is the one line a run ends with.
 *
 * @param ok whether the check passed
 * @param text the figures ({@code ok}) or the reason (not {@code ok}), one line
 */
public record ExampleResult(boolean ok, String text) {
    /** The start of the line every run ends with. */
    public static final String PREFIX = "RESULT ";

    /** @throws NullPointerException when {@code text} is {@code null} */
    public ExampleResult {
        Objects.requireNonNull(text, "text");
        text = text.replace('\n', ' ');
    }

    /**
     * @param figures the run's figures
     * @return a passed result
     */
    public static ExampleResult ok(String figures) {
        return new ExampleResult(true, figures);
    }

    /**
     * @param reason why the check failed
     * @return a failed result
     */
    public static ExampleResult fail(String reason) {
        return new ExampleResult(false, reason);
    }

    /**
     * @param example the example's name
     * @return {@code RESULT NAME OK figures} or {@code RESULT NAME FAIL reason}
     */
    public String line(String example) {
        return PREFIX + example + (ok ? " OK " : " FAIL ") + text;
    }
}
