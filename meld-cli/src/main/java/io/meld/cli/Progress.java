package io.meld.cli;

/**
 * Where a launcher run draws its progress, and what it calls the run there: {@code bench all} says
 * {@code "gups (1 of 7), Gups on 2 JVMs"}, {@code run} says {@code "4 nodes"}.
 *
 * @param line the terminal's status line, or {@link StatusLine#OFF}
 * @param label what runs; may be empty
 */
record Progress(StatusLine line, String label) {
    /** Draws nothing. */
    static final Progress NONE = new Progress(StatusLine.OFF, "");

    /**
     * @param step a part of what this label names, e.g. the baseline's program
     * @return the same line, labelled {@code label, step}
     */
    Progress then(String step) {
        return new Progress(line, label.isEmpty() ? step : label + ", " + step);
    }
}
