package io.meld.memory;

import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import io.meld.kernel.PeerTable;
import io.meld.transport.DirectChannel;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Fence tracking: which connections carried frames that nobody has waited for an answer to since
 * their last fence, and the fence itself, which sends a FENCE request on each of those (behind the
 * frames, on the same connection) and waits for every home's answer.
 *
 * <p>Per connection ({@code node x lanes + lane}) two counts: {@link #unawaited}, the frames handed to
 * it that nobody waits for (counted after the hand-off, so a fence that sees the count sends its FENCE
 * behind the frame), and {@link #fenced}, how many of those a completed fence covers. A connection whose
 * counts are equal needs no fence: a fence or an awaited answer came after everything it carried. A
 * frame whose sender waits for the answer to its last operation is not counted, since the home applies
 * a frame whole before that answer leaves; so a program that only reads remotely between barriers pays
 * no fence round trips.
 *
 * <p><b>Concurrency</b>: any thread; the counts are atomic, and a count only grows.
 */
final class Fences {
    private final MemoryService service;
    private final int size;
    private int rank;
    private int lanes = 1;
    private AtomicLongArray unawaited;
    private AtomicLongArray fenced;
    /**
     * Per node: whether a request on this node's direct channel to it got no answer (it may be applied
     * later), so that the next fence must cover that channel too.
     */
    private final AtomicIntegerArray directCarried;

    Fences(MemoryService service, int size) {
        this.service = service;
        this.size = size;
        this.directCarried = new AtomicIntegerArray(size);
    }

    /** Sizes the counts once the node knows its rank and lanes; before any operation. */
    void start(int rank, int lanes) {
        this.rank = rank;
        this.lanes = lanes;
        this.unawaited = new AtomicLongArray(size * lanes);
        this.fenced = new AtomicLongArray(size * lanes);
    }

    /**
     * A frame nobody waits for went to {@code dest} on {@code lane}, or a request's answer did not come
     * (its frame, and what was buffered before it, may not be applied): the next fence must cover the
     * connection.
     */
    void carried(int dest, int lane) {
        if (dest != rank) {
            unawaited.incrementAndGet(dest * lanes + lane);
        }
    }

    /** A request on the direct channel to {@code dest} got no answer: the next fence must cover the channel. */
    void carriedDirect(int dest) {
        directCarried.set(dest, 1);
    }

    /**
     * Fences every connection that needs it, for a thread whose buffers are sent already.
     *
     * @param sender the calling thread's sender, or {@code null} when it never sent anything
     */
    void fence(Sender sender) {
        for (int peer = 0; peer < size * lanes; peer++) {
            if (peer / lanes != rank) {
                service.checkMayWaitFor(peer / lanes, peer % lanes, "fence");
            }
        }
        PeerTable peers = service.peers();
        for (int r = 0; r < size; r++) {
            if (directCarried.get(r) != 0 && !peers.isFailed(r)) {
                fenceDirect(r);
            }
        }
        List<Pending.Blocking> waits = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Integer> fencedLinks = new ArrayList<>();
        long[] seen = new long[size * lanes];
        RuntimeException first = null;
        for (int peer = 0; peer < size * lanes; peer++) {
            int r = peer / lanes;
            if (r == rank || (peers.isFailed(r) && !addressed(sender, r))) {
                continue;
            }
            seen[peer] = unawaited.get(peer);
            if (!peers.isFailed(r) && seen[peer] == fenced.get(peer)) {
                continue; // every frame it carried is applied: a fence or an awaited answer came after it
            }
            Pending.Blocking p =
                    new Pending.Blocking(r, System.nanoTime() + service.timeoutNanos(), null, OpCodec.FENCE, 0);
            int id = service.pending.register(p);
            try {
                Link link = service.linkTo(r, peer % lanes);
                ByteBuf frame = link.newFrame(FrameType.MEMORY_OPS, 0, OpRunDescriptor.FENCE_LENGTH);
                OpRunDescriptor.writeFence(frame, id);
                link.send(frame);
                waits.add(p);
                ids.add(id);
                fencedLinks.add(peer);
            } catch (RuntimeException e) {
                service.pending.forget(id);
                if (first == null && matters(e, sender, r)) {
                    first = e;
                }
            }
        }
        for (int i = 0; i < waits.size(); i++) {
            try {
                service.await(waits.get(i), ids.get(i));
                int peer = fencedLinks.get(i);
                fenced.accumulateAndGet(peer, seen[peer], Math::max);
            } catch (RuntimeException e) {
                if (first == null && matters(e, sender, waits.get(i).destination)) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Sends a FENCE on the direct channel to {@code dest} and waits for its answer, which comes after
     * everything the channel carried was applied. A channel that went down carries nothing any more: if
     * its peer failed, what it carried is lost with the peer, as on a lane.
     */
    private void fenceDirect(int dest) {
        long deadline = System.nanoTime() + service.timeoutNanos();
        DirectChannel d;
        while ((d = service.peers().direct(dest)) != null && d.isUp() && !d.tryAcquire()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new MeldTimeoutException("fence on node " + rank + " could not take its direct channel to node "
                        + dest + " within the timeout");
            }
            Thread.yield();
        }
        if (d == null || !d.isUp()) {
            directCarried.set(dest, 0);
            return;
        }
        try {
            directCarried.set(dest, 0);
            Pending.Blocking p = new Pending.Blocking(dest, deadline, null, OpCodec.FENCE, 0);
            int id = service.pending.register(p);
            ByteBuf frame = d.newFrame(FrameType.MEMORY_OPS, 0, OpRunDescriptor.FENCE_LENGTH);
            OpRunDescriptor.writeFence(frame, id);
            try {
                d.send(frame);
            } catch (RuntimeException e) {
                service.pending.forget(id);
                throw e;
            }
            service.awaitDirect(d, p, id);
        } catch (RuntimeException e) {
            directCarried.set(dest, 1);
            throw e;
        } finally {
            d.release();
        }
    }

    /**
     * Whether the calling thread ever addressed operations to {@code node}: a fence fails for a failed
     * node only then. A fence also covers the threads of a loop the caller waited for, whose buffers
     * are not the caller's; their operations to a failed node are lost with it, and the loop's closing
     * agreement, a collective with that node, fails instead.
     */
    private static boolean addressed(Sender sender, int node) {
        return sender != null && sender.addressed(node);
    }

    /** A fence's failure to reach {@code node} matters unless the node failed and was never addressed. */
    private static boolean matters(RuntimeException e, Sender sender, int node) {
        return !(e instanceof NodeFailedException) || addressed(sender, node);
    }
}
