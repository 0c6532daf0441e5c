package io.meld.cluster;

import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.SecuritySettings;
import io.meld.security.TestSecrets;
import io.meld.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Nodes that join a statically configured cluster on loopback, each through {@link Meld#join(MeldConfig)}
 * on its own thread, as separate processes would. {@link #close()} waits for every thread and closes
 * every node that joined.
 */
final class StaticNodes implements AutoCloseable {
    private static final Duration JOIN_WAIT = Duration.ofSeconds(30);

    private final List<Thread> threads = new ArrayList<>();
    private final List<Meld> joined = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final String name = "meld-test-" + UUID.randomUUID().toString().substring(0, 8);
    /** The cluster's secret, in a directory of its own that {@link #close()} deletes. */
    private final Path secret = TestSecrets.newSecretFile();

    /** @return a configuration shared by the nodes of one test: its own cluster name, short timeouts */
    MeldConfig base(int size, List<Integer> ports) {
        return MeldConfig.defaults()
                .with(ClusterSettings.NAME, name)
                .with(SecuritySettings.SECRET_FILE, secret.toString())
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.STATIC)
                .with(ClusterSettings.HOSTS, hosts(ports))
                .with(ClusterSettings.FORMATION_TIMEOUT, Duration.ofSeconds(3))
                .with(RuntimeSettings.SHUTDOWN_TIMEOUT, Duration.ofSeconds(2))
                .with(RuntimeSettings.SIZE, size);
    }

    /** @return the configuration of the node with {@code rank}, listening on {@code ports[rank]} */
    MeldConfig node(int size, List<Integer> ports, int rank) {
        return base(size, ports).with(RuntimeSettings.RANK, rank).with(ClusterSettings.PORT, ports.get(rank));
    }

    /** Starts a thread that joins with {@code config}. */
    void start(MeldConfig config) {
        int index = threads.size();
        Thread t = new Thread(
                () -> {
                    try {
                        Meld meld = Meld.join(config);
                        synchronized (joined) {
                            joined.add(meld);
                        }
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                },
                "static-node-" + index);
        threads.add(t);
        t.start();
    }

    /**
     * Waits for every node's join to end.
     *
     * @return the failures, in the order they happened
     */
    List<Throwable> awaitFailures() throws InterruptedException {
        awaitJoins();
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** @return the nodes that joined, after every join ended */
    List<Meld> awaitJoined() throws InterruptedException {
        awaitJoins();
        synchronized (joined) {
            return List.copyOf(joined);
        }
    }

    /** Waits for every join to end and closes every node that joined; an interrupt is kept for later. */
    @Override
    public void close() {
        boolean interrupted = false;
        try {
            awaitJoins();
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            List<Thread> closers = new ArrayList<>();
            synchronized (joined) {
                for (Meld m : joined) {
                    // close() is collective: the nodes close together, each on its own thread.
                    Thread c = new Thread(m::close, "close-" + m);
                    closers.add(c);
                    c.start();
                }
            }
            for (Thread c : closers) {
                while (c.isAlive()) {
                    try {
                        c.join(JOIN_WAIT.toMillis());
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            TestSecrets.delete(secret);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitJoins() throws InterruptedException {
        for (Thread t : threads) {
            t.join(JOIN_WAIT.toMillis());
            if (t.isAlive()) {
                t.interrupt();
                t.join(JOIN_WAIT.toMillis());
                throw new AssertionError(t.getName() + " did not finish joining within " + JOIN_WAIT);
            }
        }
    }

    /** @return {@code n} distinct TCP ports that were free on loopback a moment ago */
    static List<Integer> freePorts(int n) {
        return FreePorts.onLoopback(n);
    }

    static List<String> hosts(List<Integer> ports) {
        return ports.stream().map(p -> "127.0.0.1:" + p).toList();
    }
}
