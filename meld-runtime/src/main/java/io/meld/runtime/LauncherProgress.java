package io.meld.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What a node started by the launcher ({@code bin/meld}) tells it about its progress, for the launcher to
 * draw on the terminal: lines on the node's standard error that begin with {@link #MARKER}. The launcher
 * takes those lines out of the node's output and never shows them.
 *
 * <pre>
 * MARKER "view " RANK ("," RANK)*   the nodes in the cluster as this node sees it while it forms
 * MARKER "ready"                    this node has joined: {@code Meld.join()} returns
 * MARKER "phase " TEXT              what the program does now, e.g. "timed updates, 10 s"
 * </pre>
 *
 * <p>Only a process that {@link ChildMain} started writes them (the launcher's nodes), and of its nodes
 * only the one the launcher configured, not clusters the program forms in its own JVM ({@code
 * Meld.local}); everywhere else every method does nothing.
 *
 * <p><b>Concurrency</b>: any thread; each event is one {@code println} on {@code System.err}, which
 * writes a line whole.
 */
public final class LauncherProgress {
    /** The start of every progress line: a control character no program prints, and a name. */
    public static final String MARKER = "\u0010meld-progress ";

    private static volatile boolean enabled;

    private LauncherProgress() {}

    /** The launcher started this process: from now on the events are written. */
    static void enable() {
        enabled = true;
    }

    /**
     * Tells the launcher what the program does now; shown beside the elapsed time until the next phase.
     * Does nothing in a process the launcher did not start.
     *
     * @param text a few words, e.g. {@code "timed updates, 10 s"}; line breaks become spaces
     */
    public static void phase(String text) {
        write("phase " + text.replace('\n', ' ').replace('\r', ' '));
    }

    /** @param ranks the ranks in the cluster view this node sees while it forms */
    static void view(Collection<Integer> ranks) {
        StringBuilder sb = new StringBuilder("view ");
        for (int rank : ranks) {
            if (sb.length() > "view ".length()) {
                sb.append(',');
            }
            sb.append(rank);
        }
        write(sb.toString());
    }

    /** This node has joined its cluster. */
    static void ready() {
        write("ready");
    }

    private static void write(String event) {
        if (enabled) {
            System.err.println(MARKER + event);
        }
    }

    /**
     * One event, read back by the launcher.
     *
     * @param kind what happened
     * @param text the phase's text; empty for the others
     * @param ranks the view's ranks; empty for the others
     */
    public record Event(Kind kind, String text, List<Integer> ranks) {
        /** What a node reports. */
        public enum Kind {
            VIEW,
            READY,
            PHASE
        }

        /**
         * @param line a line of a node's standard error, without its newline
         * @return the event it holds, or {@code null} when it is not a well-formed progress line
         */
        public static Event parse(String line) {
            if (!line.startsWith(MARKER)) {
                return null;
            }
            String event = line.substring(MARKER.length());
            if (event.equals("ready")) {
                return new Event(Kind.READY, "", List.of());
            }
            if (event.startsWith("phase ")) {
                return new Event(Kind.PHASE, event.substring("phase ".length()), List.of());
            }
            if (event.startsWith("view ")) {
                List<Integer> ranks = new ArrayList<>();
                for (String r : event.substring("view ".length()).split(",")) {
                    try {
                        ranks.add(Integer.parseInt(r));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return new Event(Kind.VIEW, "", List.copyOf(ranks));
            }
            return null;
        }
    }
}
