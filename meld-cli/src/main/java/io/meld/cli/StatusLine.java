package io.meld.cli;

import java.io.PrintStream;

/**
 * The bottom line of the terminal, which the launcher rewrites to show what is going on (the cluster
 * forming, a benchmark's phase, the elapsed time) while every other line scrolls above it.
 *
 * <p>Drawn only when standard error is a terminal: {@code bin/meld} says so in the system property
 * {@value #TERMINAL_PROPERTY} (a JVM cannot ask about its stderr), and its width in {@value
 * #COLUMNS_PROPERTY}. Nodes' output is piped to the launcher, never a terminal, so only the launcher
 * draws. {@link #OFF} draws nothing; commands that print machine-readable output ({@code --json}) use it.
 *
 * <p>Every other line written to the terminal goes through {@link #print(Runnable)}, which erases the
 * status line, writes, and draws it again below, so lines never mix with it.
 *
 * <p><b>Concurrency</b>: every method holds this object's lock, so a redraw never lands inside a line.
 */
final class StatusLine {
    /** Set to {@code true} by {@code bin/meld} when its stderr is a terminal. */
    static final String TERMINAL_PROPERTY = "io.meld.cli.terminal";

    /** The terminal's width in columns, from {@code bin/meld}; 80 when absent. */
    static final String COLUMNS_PROPERTY = "io.meld.cli.columns";

    /** Draws nothing. */
    static final StatusLine OFF = new StatusLine(null, 0);

    private static final String ERASE = "\r\033[K";
    private static final int DEFAULT_COLUMNS = 80;

    private final PrintStream terminal;
    private final int columns;
    private String shown = "";

    private StatusLine(PrintStream terminal, int columns) {
        this.terminal = terminal;
        this.columns = columns;
    }

    /**
     * @param terminal the terminal's stream (stderr)
     * @param columns its width
     * @return a status line drawn on it
     */
    static StatusLine on(PrintStream terminal, int columns) {
        return new StatusLine(terminal, Math.max(columns, 20));
    }

    /**
     * @param err the launcher's stderr
     * @return a status line on it when {@code bin/meld} said it is a terminal, else {@link #OFF}
     */
    static StatusLine fromSystemProperties(PrintStream err) {
        if (!Boolean.getBoolean(TERMINAL_PROPERTY)) {
            return OFF;
        }
        int columns = DEFAULT_COLUMNS;
        try {
            columns = Integer.parseInt(System.getProperty(COLUMNS_PROPERTY, "" + DEFAULT_COLUMNS));
        } catch (NumberFormatException e) {
            // keep the default
        }
        return on(err, columns);
    }

    /** @return whether this line is drawn */
    boolean enabled() {
        return terminal != null;
    }

    /**
     * Draws {@code text} as the status, cut to the terminal's width (a line that wrapped could not be
     * erased).
     *
     * @param text one line
     */
    synchronized void show(String text) {
        if (terminal == null) {
            return;
        }
        String line = text.length() < columns ? text : text.substring(0, columns - 4) + "...";
        if (!line.equals(shown)) {
            shown = line;
            draw();
        }
    }

    /** Erases the status. */
    synchronized void clear() {
        if (terminal == null || shown.isEmpty()) {
            return;
        }
        shown = "";
        terminal.print(ERASE);
        terminal.flush();
    }

    /**
     * Writes other output to the terminal: the status is erased before and drawn again after.
     *
     * @param write writes whole lines and flushes them
     */
    synchronized void print(Runnable write) {
        if (terminal == null || shown.isEmpty()) {
            write.run();
            return;
        }
        terminal.print(ERASE);
        terminal.flush();
        write.run();
        draw();
    }

    private void draw() {
        terminal.print(ERASE + shown);
        terminal.flush();
    }
}
