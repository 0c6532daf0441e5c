package io.meld.cli;

import io.meld.runtime.LauncherProgress.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one run of the launcher shows on its {@link StatusLine}: the nodes starting, the cluster forming
 * ("forming the cluster: 3 of 4 nodes, waiting for node 2"), then the program's phase as node 0 reports
 * it, each with its elapsed time. A program that is not a Meld program (a raw TCP baseline) reports no
 * formation, only its phases, if any. Fed by the events the nodes write ({@link
 * io.meld.runtime.LauncherProgress}).
 *
 * <p><b>Concurrency</b>: the pumps of the nodes' stderr report events, a ticker reads the text; both
 * under this object's lock.
 */
final class LaunchProgress {
    private static final int MAX_NAMED = 3;

    private final String label;
    private final int nodes;
    private final boolean[] ready;
    private final long start;
    private int readyCount;
    private List<Integer> view = List.of();
    private String phase;
    private long phaseStart;

    /**
     * @param label what runs, e.g. {@code "gups (1 of 7): Meld, 2 nodes"}; may be empty
     * @param nodes how many nodes the launcher starts
     * @param start when the run started, in {@link System#nanoTime()}'s time
     */
    LaunchProgress(String label, int nodes, long start) {
        this.label = label;
        this.nodes = nodes;
        this.ready = new boolean[nodes];
        this.start = start;
    }

    /**
     * @param rank the node that wrote the event
     * @param event what it reported
     * @param now {@link System#nanoTime()}
     */
    synchronized void report(int rank, Event event, long now) {
        switch (event.kind()) {
            case VIEW -> view = event.ranks();
            case READY -> {
                if (rank >= 0 && rank < nodes && !ready[rank]) {
                    ready[rank] = true;
                    readyCount++;
                }
            }
            case PHASE -> {
                if (rank == 0) {
                    phase = event.text();
                    phaseStart = now;
                }
            }
        }
    }

    /**
     * @param now {@link System#nanoTime()}
     * @return the status line's text
     */
    synchronized String describe(long now) {
        String state;
        long since = start;
        if (phase != null) {
            state = phase;
            since = phaseStart;
        } else if (readyCount == nodes) {
            state = "running";
        } else if (view.isEmpty()) {
            state = nodes == 1 ? "started 1 JVM" : "started " + nodes + " JVMs";
        } else if (view.size() < nodes) {
            state = "forming the cluster: " + view.size() + " of " + nodes + " nodes, waiting for " + missing();
        } else {
            state = "connecting the nodes: " + readyCount + " of " + nodes + " ready";
        }
        String elapsed = elapsed(now - since);
        if (since != start) {
            elapsed += ", " + elapsed(now - start) + " in all";
        }
        return "[meld] " + (label.isEmpty() ? "" : label + ": ") + state + " (" + elapsed + ")";
    }

    private String missing() {
        List<Integer> absent = new ArrayList<>();
        for (int r = 0; r < nodes; r++) {
            if (!view.contains(r)) {
                absent.add(r);
            }
        }
        StringBuilder sb = new StringBuilder(absent.size() == 1 ? "node " : "nodes ");
        for (int i = 0; i < Math.min(absent.size(), MAX_NAMED); i++) {
            sb.append(i == 0 ? "" : ", ").append(absent.get(i));
        }
        if (absent.size() > MAX_NAMED) {
            sb.append(" and ").append(absent.size() - MAX_NAMED).append(" more");
        }
        return sb.toString();
    }

    /** @return e.g. {@code 7 s}, {@code 2 min 05 s} */
    static String elapsed(long nanos) {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(Math.max(0, nanos));
        return seconds < 60 ? seconds + " s" : String.format("%d min %02d s", seconds / 60, seconds % 60);
    }
}
