package io.meld.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every process a test started or found, killed when the test ends whatever happened: no test leaves a
 * JVM behind.
 */
final class Reaper {
    private final Set<ProcessHandle> processes = ConcurrentHashMap.newKeySet();

    /**
     * @param process a process to kill at the end, with its descendants
     * @return the process
     */
    ProcessHandle track(ProcessHandle process) {
        processes.add(process);
        process.descendants().forEach(processes::add);
        return process;
    }

    /** @param handles processes to kill at the end */
    void trackAll(List<ProcessHandle> handles) {
        handles.forEach(this::track);
    }

    /** Kills every tracked process (and its descendants) that is still alive, and waits a little for them. */
    void killAll() {
        for (ProcessHandle p : Set.copyOf(processes)) {
            p.descendants().forEach(processes::add);
        }
        processes.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the assertions of the test, if it cares
            }
        }
        processes.clear();
    }

    /**
     * Waits until none of the processes is alive.
     *
     * @param handles the processes
     * @param timeout how long they may take
     * @return the ones still alive after the timeout; empty when all are gone
     */
    static List<ProcessHandle> awaitGone(List<ProcessHandle> handles, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (handles.stream().noneMatch(Reaper::running)) {
                return List.of();
            }
            Thread.sleep(50);
        }
        return handles.stream().filter(Reaper::running).toList();
    }

    /**
     * @param p a process
     * @return whether it still runs: alive, and not a zombie that has ended but that its new parent (after
     *     its launcher died) has not reaped yet
     */
    static boolean running(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return p.isAlive();
        }
    }
}
