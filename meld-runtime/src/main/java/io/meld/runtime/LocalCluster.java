package io.meld.runtime;

import io.meld.MeldException;
import io.meld.MeldFunction;
import io.meld.cluster.ClusterSettings;
import io.meld.config.MeldConfig;
import io.meld.security.ClusterSecret;
import io.meld.transport.TransportSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Runs an SPMD function on several nodes inside this JVM ({@code Meld.local}). Each node is a full
 * {@link MeldNode} on its own platform thread, with its own JGroups channel (TCP on loopback, found
 * through LOCAL_PING) and its own data path: the same code paths as separate processes.
 *
 * <p>When a node's function throws, the node closes at once; the other nodes then fail in their next
 * collective that needs it (the closing handshake tells them), so the run ends instead of hanging. The
 * failure reported is the earliest one.
 */
final class LocalCluster {
    private static final long INTERRUPT_GRACE_MILLIS = 10_000;

    private LocalCluster() {}

    static <T> List<T> run(int nodes, MeldConfig base, MeldFunction<T> function) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a local cluster needs at least 1 node, not " + nodes);
        }
        String cluster = "meld-local-" + UUID.randomUUID().toString().substring(0, 8);
        // A secret of this cluster's own, held in memory only: its nodes let in nobody else.
        ClusterSecret secret = ClusterSecret.generate();
        Object[] results = new Object[nodes];
        Throwable[] errors = new Throwable[nodes];
        long[] failedAt = new long[nodes];
        Thread[] threads = new Thread[nodes];
        for (int i = 0; i < nodes; i++) {
            int rank = i;
            MeldConfig config = base.with(RuntimeSettings.RANK, rank)
                    .with(RuntimeSettings.SIZE, nodes)
                    .with(ClusterSettings.NAME, cluster)
                    .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.JVM)
                    .with(ClusterSettings.PORT, 0)
                    .with(TransportSettings.PORT, 0);
            threads[i] = new Thread(
                    () -> {
                        MeldNode node = null;
                        try {
                            node = MeldNode.start(config, secret, false);
                            results[rank] = function.apply(node);
                        } catch (Throwable t) {
                            // Timed before close(), which waits for the other nodes: they fail because this
                            // one closed, and must not be reported as failing first.
                            errors[rank] = t;
                            failedAt[rank] = System.nanoTime();
                        } finally {
                            if (node != null) {
                                close(node, rank, errors, failedAt);
                            }
                        }
                    },
                    "meld-local-node-" + rank);
            threads[i].start();
        }
        joinAll(threads, errors);
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            if (errors[i] != null) {
                failed.add(i);
            }
        }
        if (!failed.isEmpty()) {
            failed.sort(Comparator.comparingLong(i -> failedAt[i]));
            int first = failed.get(0);
            MeldException e =
                    new MeldException("node " + first + " of " + nodes + " failed: " + errors[first], errors[first]);
            for (int i : failed.subList(1, failed.size())) {
                e.addSuppressed(errors[i]);
            }
            throw e;
        }
        @SuppressWarnings("unchecked")
        List<T> list = (List<T>) Arrays.asList(results);
        return list;
    }

    private static void close(MeldNode node, int rank, Throwable[] errors, long[] failedAt) {
        try {
            node.close();
        } catch (Throwable t) {
            if (errors[rank] != null) {
                errors[rank].addSuppressed(t);
            } else {
                errors[rank] = t;
                failedAt[rank] = System.nanoTime();
            }
        }
    }

    /**
     * Waits for every node; when this thread is interrupted, interrupts them, waits a bounded time, and
     * throws, with where each node was and what each failed node threw.
     */
    private static void joinAll(Thread[] threads, Throwable[] errors) {
        boolean interrupted = false;
        List<Throwable> stuck = new ArrayList<>();
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    // Where each node was when its caller gave up (a test's timeout): what a hang report needs.
                    for (Thread other : interrupted ? new Thread[0] : threads) {
                        StackTraceElement[] stack = other.getStackTrace();
                        if (other.isAlive() && stack.length > 0) {
                            Throwable where = new Throwable(other.getName() + " was here when interrupted");
                            where.setStackTrace(stack);
                            stuck.add(where);
                        }
                    }
                    interrupted = true;
                    for (Thread other : threads) {
                        other.interrupt();
                    }
                    try {
                        t.join(INTERRUPT_GRACE_MILLIS);
                    } catch (InterruptedException again) {
                        break;
                    }
                    if (t.isAlive()) {
                        break;
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            MeldException e =
                    new MeldException("interrupted while a local cluster of " + threads.length + " nodes ran");
            stuck.forEach(e::addSuppressed);
            // and what the nodes that ended had failed with: often why the others still waited
            for (int i = 0; i < errors.length; i++) {
                if (errors[i] != null) {
                    e.addSuppressed(new MeldException("node " + i + " failed: " + errors[i], errors[i]));
                }
            }
            throw e;
        }
    }
}
