package io.meld.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * A team of platform threads that run one body each and are joined: the threads of one node in the
 * examples that manage their own threads (heat diffusion, where they meet at a barrier every step).
 *
 * <p><b>Concurrency</b>: {@link #run} starts the threads and joins them all, so what they wrote is
 * visible to the caller afterwards; the first exception is rethrown, the others suppressed in it.
 */
final class Team {
    /** A thread's body. */
    @FunctionalInterface
    interface Body {
        /**
         * @param id the thread's number, {@code 0..threads-1}
         * @throws Exception anything; the team rethrows it
         */
        void run(int id) throws Exception;
    }

    private Team() {}

    /**
     * Runs {@code body} on {@code threads} threads and waits for all.
     *
     * @param threads how many
     * @param name the threads' name prefix
     * @param body what each runs
     * @throws Exception the first exception a thread threw
     */
    static void run(int threads, String name, Body body) throws Exception {
        List<Thread> team = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            team.add(Thread.ofPlatform().name(name + "-" + t).start(() -> {
                try {
                    body.run(id);
                } catch (Exception e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : team) {
            t.join();
        }
        if (!failures.isEmpty()) {
            Exception first = failures.get(0);
            for (Exception e : failures.subList(1, failures.size())) {
                first.addSuppressed(e);
            }
            throw first;
        }
    }

    /**
     * @param count how many items
     * @param parts how many parts
     * @param part which part
     * @return the first item of {@code part} when {@code count} items are cut into {@code parts} nearly
     *     equal consecutive parts
     */
    static int start(int count, int parts, int part) {
        return (int) ((long) count * part / parts);
    }
}
