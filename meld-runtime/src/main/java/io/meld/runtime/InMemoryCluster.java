package io.meld.runtime;

import io.meld.Meld;
import io.meld.MeldException;
import io.meld.config.MeldConfig;
import io.meld.transport.InMemoryNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * Full nodes in this JVM, connected by an {@link InMemoryNetwork} instead of sockets and without a
 * cluster layer: every service is the one a real node runs, wired the same way, but no frame moves
 * until the network delivers it. A protocol test holds the network and decides when each frame
 * arrives, and which node crashes between two of them; a simulation {@linkplain
 * InMemoryNetwork#startPump() pumps} it.
 *
 * <p>A node fails only through its links ({@link InMemoryNetwork#crash}, {@link InMemoryNetwork#cut}):
 * there is no JGroups view to remove it.
 *
 * <p><b>Concurrency</b>: {@link #node(int)} from any thread; {@link #close()} from one.
 */
public final class InMemoryCluster implements AutoCloseable {
    private final InMemoryNetwork network;
    private final List<MeldNode> nodes;

    private InMemoryCluster(InMemoryNetwork network, List<MeldNode> nodes) {
        this.network = network;
        this.nodes = nodes;
    }

    /**
     * Starts {@code size} nodes on a new network. Nothing is delivered until the caller delivers (or
     * starts the pump): starting sends no frame.
     *
     * @param size the number of nodes, at least 1
     * @param config every node's configuration ({@code meld.rank}, {@code meld.size} and the cluster
     *     settings are not read)
     * @return the cluster, every node started
     */
    public static InMemoryCluster start(int size, MeldConfig config) {
        InMemoryNetwork network = new InMemoryNetwork(size, config);
        MeldNode[] started = new MeldNode[size];
        Throwable[] errors = new Throwable[size];
        Thread[] threads = new Thread[size];
        for (int r = 0; r < size; r++) {
            int rank = r;
            // Each waits, as a real node does, until every other is attached.
            threads[r] = new Thread(
                    () -> {
                        try {
                            started[rank] = MeldNode.attach(config, network, rank);
                        } catch (Throwable t) {
                            errors[rank] = t;
                        }
                    },
                    "meld-in-memory-start-" + r);
            threads[r].start();
        }
        for (Thread t : threads) {
            joinUninterruptibly(t);
        }
        for (int r = 0; r < size; r++) {
            if (errors[r] != null) {
                for (MeldNode n : started) {
                    if (n != null) {
                        n.release();
                    }
                }
                network.close();
                throw new MeldException("node " + r + " of an in-memory cluster did not start", errors[r]);
            }
        }
        return new InMemoryCluster(network, List.of(started));
    }

    /** @return the network between the nodes */
    public InMemoryNetwork network() {
        return network;
    }

    /** @return the node of a rank */
    public Meld node(int rank) {
        return nodes.get(rank);
    }

    /** @return the number of nodes */
    public int size() {
        return nodes.size();
    }

    /**
     * Closes every node at once (their closing handshakes need one another), with the network pumped so
     * that it completes, then the network.
     */
    @Override
    public void close() {
        try {
            network.startPump();
        } catch (IllegalStateException pumping) {
            // a simulation pumps it already
        }
        List<Thread> closers = new ArrayList<>();
        for (MeldNode n : nodes) {
            Thread t = new Thread(n::close, "meld-in-memory-close-" + n.rank());
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            joinUninterruptibly(t);
        }
        network.close();
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
