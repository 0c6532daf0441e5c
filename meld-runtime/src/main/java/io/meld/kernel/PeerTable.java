package io.meld.kernel;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.transport.DirectChannel;
import io.meld.transport.Link;
import io.meld.transport.Links;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The one place where a node keeps what it knows of its peers: their links ({@link #require}) and
 * incarnations once connected, and their lives, and turns every signal about one
 * into the node's view of it: a connection that went down, the cluster layer removing a node, a peer's
 * goodbye. The first signal that a peer failed records its cause and tells every {@linkplain #register
 * registered} service; later ones (a failure is often heard twice: from the connection and from the
 * cluster's view) change nothing. The same holds for a goodbye.
 *
 * <p>Both a goodbye and a failure can happen to one peer; the table keeps their order. A peer that said
 * goodbye and whose connections then close is failed for what waits on it ({@link #failure}), but not
 * for what it would send ({@link #failureBeforeGoodbye}): messages, for one, end with its goodbye.
 *
 * <p><b>Concurrency</b>: any thread. The state of each peer is an atomic cell set once; services are
 * told outside any lock, in registration order, on the thread that brought the signal.
 */
public final class PeerTable {
    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int FAILED = 2;
    private static final int CLOSED_THEN_FAILED = 3;

    private final int size;
    private final AtomicReferenceArray<Throwable> failures;
    /** Each peer's life: OPEN, then CLOSED and/or FAILED, in the order they happened. */
    private final AtomicIntegerArray states;

    private final List<NodeService> services = new CopyOnWriteArrayList<>();
    private volatile int rank = -1;
    private volatile Links links;
    private volatile boolean anyFailed;

    /** @param size the number of nodes */
    public PeerTable(int size) {
        this.size = size;
        this.failures = new AtomicReferenceArray<>(size);
        this.states = new AtomicIntegerArray(size);
    }

    /**
     * @param service told of every peer's failure and goodbye from now on, after those registered before
     */
    public void register(NodeService service) {
        services.add(service);
    }

    /** @param rank this node's rank, once the cluster has fixed it */
    public void rank(int rank) {
        this.rank = rank;
    }

    /** @param links the node's links to its peers, once connected */
    public void connect(Links links) {
        this.links = links;
    }

    /**
     * The link a send to a peer needs: the one place that turns a failed or unconnected peer into the
     * exception a caller sees.
     *
     * @param peer a rank other than this node's
     * @param lane the lane
     * @return the link, up
     * @throws NodeFailedException naming the peer, and why it failed when it did
     */
    public Link require(int peer, int lane) {
        Throwable f = failures.get(peer);
        if (f != null) {
            throw new NodeFailedException(peer, "node " + peer + " has failed: " + f.getMessage(), f);
        }
        Links l = links;
        Link link = l == null ? null : l.link(peer, lane);
        if (link == null || !link.isUp()) {
            throw new NodeFailedException(peer, "node " + peer + " is not connected", null);
        }
        return link;
    }

    /**
     * @param peer a rank other than this node's
     * @return this node's direct channel to the peer, or {@code null} when it has none or the peer failed
     */
    public DirectChannel direct(int peer) {
        Links l = links;
        return l == null || failures.get(peer) != null ? null : l.direct(peer);
    }

    /**
     * @param peer a rank other than this node's
     * @return the incarnation of the peer this node is connected to, or 0 when it is not connected
     */
    public long incarnation(int peer) {
        Links l = links;
        Link link = l == null ? null : l.link(peer, 0);
        return link == null ? 0 : link.incarnation();
    }

    /** @return the number of nodes */
    public int size() {
        return size;
    }

    /**
     * A signal that {@code peer} failed. The first one records {@code cause} and tells every service.
     *
     * @param peer the peer's rank
     * @param cause what showed it; {@code null} for a plain "is gone"
     * @return whether this was the first such signal
     */
    public boolean failed(int peer, Throwable cause) {
        Throwable why = cause != null ? cause : new MeldException("node " + peer + " is gone");
        if (!failures.compareAndSet(peer, null, why)) {
            return false;
        }
        int state;
        do {
            state = states.get(peer);
        } while (!states.compareAndSet(peer, state, state == CLOSED ? CLOSED_THEN_FAILED : FAILED));
        anyFailed = true;
        for (NodeService s : services) {
            s.onPeerFailed(peer, why);
        }
        return true;
    }

    /**
     * {@code peer} said goodbye. The first call tells every service, unless the peer failed before: a
     * goodbye that comes after the peer's failure changes nothing.
     *
     * @param peer the peer's rank
     * @return whether this was the peer's first goodbye, before any failure
     */
    public boolean closed(int peer) {
        if (!states.compareAndSet(peer, OPEN, CLOSED)) {
            return false;
        }
        for (NodeService s : services) {
            s.onPeerClosed(peer);
        }
        return true;
    }

    /** @return why {@code peer} failed, or {@code null} while it has not */
    public Throwable failure(int peer) {
        return failures.get(peer);
    }

    /** @return whether any peer failed: when not, nothing need look at each peer */
    public boolean anyFailed() {
        return anyFailed;
    }

    /** @return whether {@code peer} failed */
    public boolean isFailed(int peer) {
        return failures.get(peer) != null;
    }

    /** @return whether {@code peer} said goodbye before any failure (it may have failed since) */
    public boolean isClosed(int peer) {
        int state = states.get(peer);
        return state == CLOSED || state == CLOSED_THEN_FAILED;
    }

    /**
     * @return why {@code peer} failed when it failed without saying goodbye first, else {@code null}: a
     *     node that closed and then dropped its connections is gone, but not failed, for what it sends
     */
    public Throwable failureBeforeGoodbye(int peer) {
        return states.get(peer) == FAILED ? failures.get(peer) : null;
    }

    /**
     * @return whether every other node said goodbye, so none will write to this node again; false on a
     *     cluster of one and before this node has its rank
     */
    public boolean everyOtherClosed() {
        int self = rank;
        if (size < 2 || self < 0) {
            return false;
        }
        for (int r = 0; r < size; r++) {
            if (r != self && !isClosed(r)) {
                return false;
            }
        }
        return true;
    }
}
