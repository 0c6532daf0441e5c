package io.meld.security;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.cluster.ClusterSettings;
import io.meld.config.MeldConfig;
import io.meld.runtime.RuntimeSettings;
import io.meld.testing.FreePorts;
import io.meld.transport.TransportSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.LongStream;

/**
 * A statically configured cluster of {@value #SIZE} nodes on loopback, each joined through {@link
 * Meld#join(MeldConfig)} on its own thread as a separate process would, with fixed cluster (JGroups) and
 * data-path ports and a secret file of its own; and the {@link Workload} its nodes run while a test
 * attacks it. {@link #close()} stops the workload and closes every node that joined.
 */
final class LiveCluster implements AutoCloseable {
    static final int SIZE = 3;

    private static final Duration FORMATION = Duration.ofSeconds(20);
    /** {@code meld.transport.handshake-timeout}: how long a node gives an accepted connection to say HELLO. */
    static final Duration HANDSHAKE = Duration.ofSeconds(2);

    private static final Duration WAIT = Duration.ofSeconds(30);

    final String name = "meld-rogue-" + UUID.randomUUID().toString().substring(0, 8);
    final List<Integer> clusterPorts;
    final List<Integer> dataPorts;

    private final boolean secure;
    private final Path secret = TestSecrets.newSecretFile();
    private final Thread[] joiners = new Thread[SIZE];
    private final Meld[] nodes = new Meld[SIZE];
    private final List<Throwable> joinFailures = Collections.synchronizedList(new ArrayList<>());
    private Workload workload;

    /** @param secure whether the nodes run with {@code meld.security.enabled} (only false to check the tests) */
    LiveCluster(boolean secure) {
        this.secure = secure;
        List<Integer> ports = freePorts(2 * SIZE);
        this.clusterPorts = ports.subList(0, SIZE);
        this.dataPorts = ports.subList(SIZE, 2 * SIZE);
    }

    /** @return the {@code host:port} of every node's cluster port, as {@code meld.cluster.hosts} lists them */
    List<String> hosts() {
        return clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    /** @return the configuration of the node with {@code rank} */
    MeldConfig config(int rank) {
        return MeldConfig.defaults()
                .with(ClusterSettings.NAME, name)
                .with(ClusterSettings.DISCOVERY, ClusterSettings.Discovery.STATIC)
                .with(ClusterSettings.HOSTS, hosts())
                .with(ClusterSettings.PORT, clusterPorts.get(rank))
                .with(ClusterSettings.FORMATION_TIMEOUT, FORMATION)
                .with(TransportSettings.PORT, dataPorts.get(rank))
                // A stranger that says nothing is closed after this long (the default is 5 s).
                .with(TransportSettings.HANDSHAKE_TIMEOUT, HANDSHAKE)
                .with(SecuritySettings.ENABLED, secure)
                .with(SecuritySettings.SECRET_FILE, secret.toString())
                .with(RuntimeSettings.SHUTDOWN_TIMEOUT, Duration.ofSeconds(5))
                .with(RuntimeSettings.THREADS, 1)
                .with(RuntimeSettings.SIZE, SIZE)
                .with(RuntimeSettings.RANK, rank);
    }

    /** Starts every node. */
    LiveCluster start() {
        for (int rank = 0; rank < SIZE; rank++) {
            start(rank);
        }
        return this;
    }

    /** Starts the node with {@code rank}: a thread that joins. */
    void start(int rank) {
        MeldConfig config = config(rank);
        Thread t = new Thread(
                () -> {
                    try {
                        Meld meld = Meld.join(config);
                        synchronized (nodes) {
                            nodes[rank] = meld;
                        }
                    } catch (Throwable e) {
                        joinFailures.add(e);
                    }
                },
                name + "-join-" + rank);
        joiners[rank] = t;
        t.start();
    }

    /**
     * Waits for every started node to join.
     *
     * @throws AssertionError when a node failed to join, or did not within the wait
     */
    LiveCluster awaitFormed() throws InterruptedException {
        for (Thread t : joiners) {
            if (t != null) {
                t.join(WAIT.toMillis());
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " did not finish joining within " + WAIT);
                }
            }
        }
        synchronized (joinFailures) {
            if (!joinFailures.isEmpty()) {
                AssertionError e = new AssertionError("nodes of " + name + " failed to join: " + joinFailures);
                joinFailures.forEach(e::addSuppressed);
                throw e;
            }
        }
        return this;
    }

    /** Waits until the node with {@code rank} accepts connections on its data port. */
    void awaitDataPort(int rank) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dataPorts.get(rank)), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("node " + rank + " never listened on data port " + dataPorts.get(rank), e);
                }
                Thread.sleep(20);
            }
        }
    }

    /** @return the node with {@code rank}, which joined */
    Meld node(int rank) {
        synchronized (nodes) {
            if (nodes[rank] == null) {
                throw new AssertionError("node " + rank + " of " + name + " has not joined");
            }
            return nodes[rank];
        }
    }

    /** @return the file of the cluster's secret, which a test may read to act as a member */
    Path secretFile() {
        return secret;
    }

    /** Starts the {@link Workload} on every node. */
    Workload startWorkload() {
        workload = new Workload(this);
        return workload;
    }

    /**
     * Stops the workload if it runs, closes every node that joined (together) and deletes the secret; an
     * interrupt is kept for later.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        try {
            if (workload != null) {
                workload.stopQuietly();
            }
            for (Thread t : joiners) {
                if (t != null) {
                    t.join(WAIT.toMillis());
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<Thread> closers = new ArrayList<>();
        synchronized (nodes) {
            for (Meld m : nodes) {
                if (m != null) {
                    // close() is collective: the nodes close together, each on its own thread.
                    Thread c = new Thread(m::close, name + "-close-" + m.rank());
                    closers.add(c);
                    c.start();
                }
            }
        }
        for (Thread c : closers) {
            try {
                c.join(WAIT.toMillis());
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        TestSecrets.delete(secret);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return {@code n} distinct TCP ports that were free on loopback a moment ago */
    static List<Integer> freePorts(int n) {
        return FreePorts.onLoopback(n);
    }

    /**
     * The program the nodes run while they are attacked, in rounds: in each, every node adds 1 to every
     * element of a global array of {@value #LENGTH} elements (most of them at other nodes, over the data
     * path's lanes), adds 1 with a blocking atomic to the element of the next node's (its direct
     * channel), meets the others at a barrier and checks an all-reduce; then the nodes agree, by another
     * all-reduce, whether to stop. At the end every node reads every element back: each must be exactly
     * {@value LiveCluster#SIZE} times the number of rounds, and each atomic counter the number of rounds.
     */
    static final class Workload {
        static final int LENGTH = 3000;
        private static final Duration WAIT = Duration.ofSeconds(30);

        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLongArray rounds = new AtomicLongArray(SIZE);
        private final long[] finalRounds = new long[SIZE];
        private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> threads = new ArrayList<>();
        private final String name;

        private Workload(LiveCluster cluster) {
            this.name = cluster.name;
            for (int rank = 0; rank < SIZE; rank++) {
                Meld meld = cluster.node(rank);
                Thread t = new Thread(() -> run(meld), cluster.name + "-program-" + rank);
                threads.add(t);
                t.start();
            }
        }

        private void run(Meld meld) {
            int rank = meld.rank();
            try {
                GlobalLongArray grid = meld.longArray("rogue-grid", LENGTH);
                GlobalLongArray counters = meld.longArray("rogue-counters", SIZE);
                long[] every = LongStream.range(0, LENGTH).toArray();
                long done = 0;
                boolean more = true;
                while (more) {
                    grid.add(every, 0, LENGTH, 1);
                    counters.addAndGet((rank + 1) % SIZE, 1);
                    meld.barrier();
                    done++;
                    rounds.set(rank, done);
                    long ranks = meld.allReduce(1L << rank, LongOp.SUM);
                    if (ranks != (1L << SIZE) - 1) {
                        throw new AssertionError("node " + rank + " round " + done + ": allReduce gave " + ranks);
                    }
                    more = meld.allReduce(stop.get() ? 1 : 0, LongOp.MAX) == 0;
                }
                meld.barrier();
                long[] values = new long[LENGTH];
                grid.get(0, values, 0, LENGTH);
                for (int i = 0; i < LENGTH; i++) {
                    if (values[i] != SIZE * done) {
                        throw new AssertionError("node " + rank + " read element " + i + " = " + values[i] + " after "
                                + done + " rounds of " + SIZE + " nodes: expected " + SIZE * done);
                    }
                }
                for (int i = 0; i < SIZE; i++) {
                    long c = counters.get(i);
                    if (c != done) {
                        throw new AssertionError(
                                "node " + rank + " read counter " + i + " = " + c + " after " + done + " rounds");
                    }
                }
                meld.barrier();
                synchronized (finalRounds) {
                    finalRounds[rank] = done;
                }
            } catch (Throwable e) {
                failures.add(new AssertionError("the program of node " + rank + " failed: " + e, e));
                stop.set(true);
            }
        }

        /** @return the fewest rounds any node has finished */
        long rounds() {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < SIZE; i++) {
                min = Math.min(min, rounds.get(i));
            }
            return min;
        }

        /**
         * Waits until every node has finished {@code more} rounds beyond those it had now: the program
         * keeps working.
         */
        void awaitProgress(long more) throws InterruptedException {
            long target = rounds() + more;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (rounds() < target) {
                checkNoFailure();
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(
                            "the program of " + name + " stalled: " + rounds() + " rounds, waited for " + target);
                }
                Thread.sleep(5);
            }
            checkNoFailure();
        }

        /**
         * Watches the program for {@code time}: no node may fail meanwhile, and every node must finish
         * rounds.
         */
        void keepsWorkingFor(Duration time) throws InterruptedException {
            long before = rounds();
            long until = System.nanoTime() + time.toNanos();
            while (System.nanoTime() - until < 0) {
                checkNoFailure();
                Thread.sleep(10);
            }
            awaitProgress(1);
            if (rounds() <= before) {
                throw new AssertionError("the program of " + name + " made no round in " + time);
            }
        }

        /**
         * Stops the program at the end of a round and checks its results.
         *
         * @return the rounds every node made
         * @throws AssertionError when a node failed (e.g. with {@code NodeFailedException}), a result was
         *     not exact, or the nodes did not stop in time
         */
        long finish() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " did not stop within " + WAIT + "; failures: " + failures);
                }
            }
            checkNoFailure();
            synchronized (finalRounds) {
                for (int i = 1; i < SIZE; i++) {
                    if (finalRounds[i] != finalRounds[0]) {
                        throw new AssertionError("the nodes made different numbers of rounds: "
                                + java.util.Arrays.toString(finalRounds));
                    }
                }
                return finalRounds[0];
            }
        }

        private void checkNoFailure() {
            synchronized (failures) {
                if (!failures.isEmpty()) {
                    AssertionError e = new AssertionError("the cluster's program failed: " + failures);
                    failures.forEach(e::addSuppressed);
                    throw e;
                }
            }
        }

        private void stopQuietly() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
        }
    }
}
