package io.meld.task;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.TaskFailedException;
import io.meld.kernel.PeerTable;
import io.meld.task.TaskCodec.FinishRef;
import io.meld.task.TaskCodec.Report;
import io.meld.task.TaskCodec.TaskFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A finish at its home: for every node the tasks spawned to it less those that ended on it, as far as
 * the home has heard ({@link TaskService} explains why none of the counts reaching 0 together can be
 * early), the failures, and the future the block's thread waits on.
 *
 * <p><b>Concurrency</b>: every method under this object's monitor; reports arrive on I/O threads.
 */
final class HomeFinish {
    private final FinishRef ref;
    private final int size;
    private final PeerTable peers;
    private final long[] live;
    private final List<TaskFailure> failures = new ArrayList<>();
    private long failedTasks;
    private RuntimeException abort;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    HomeFinish(FinishRef ref, int size, PeerTable peers) {
        this.ref = ref;
        this.size = size;
        this.peers = peers;
        this.live = new long[size];
        live[ref.home()] = 1; // the block
    }

    synchronized void apply(int from, Report report) {
        live[from] -= report.completed();
        for (int n = 0; n < size; n++) {
            live[n] += report.spawned()[n];
        }
        failedTasks += report.failed();
        for (TaskFailure f : report.failures()) {
            if (failures.size() < TaskCodec.MAX_FAILURES) {
                failures.add(f);
            }
        }
        PeerTable table = peers;
        if (table != null && table.anyFailed()) {
            for (int n = 0; n < size; n++) {
                if (table.isFailed(n)) {
                    check(n, new MeldException("node " + n + " failed earlier"));
                }
            }
        }
        for (long l : live) {
            if (l != 0) {
                return;
            }
        }
        done.complete(null);
    }

    /** Fails the finish when it counts tasks on a failed node. */
    synchronized void check(int node, Throwable cause) {
        if (live[node] != 0 && abort == null) {
            fail(new NodeFailedException(
                    node,
                    "node " + node + " failed with " + live[node] + " task(s) of " + ref + " on it: "
                            + cause.getMessage(),
                    cause));
        }
    }

    synchronized void fail(RuntimeException e) {
        if (abort == null) {
            abort = e;
        }
        done.complete(null);
    }

    synchronized void throwIfFailed(Throwable blockFailure) {
        if (abort instanceof NodeFailedException n) {
            throw new NodeFailedException(n.node(), n.getMessage(), n);
        }
        if (abort != null) {
            throw new IllegalStateException(abort.getMessage(), abort);
        }
        if (blockFailure == null && failedTasks == 0) {
            return;
        }
        long count = failedTasks + (blockFailure != null ? 1 : 0);
        String first = blockFailure != null
                ? "the block threw " + blockFailure
                : "on node " + failures.get(0).node() + ": " + failures.get(0).describe();
        TaskFailedException e = new TaskFailedException(
                -1,
                "finish: " + count + (count == 1 ? " task" : " tasks") + " failed (first " + first + ")"
                        + (failedTasks > failures.size()
                                ? "; " + (failedTasks - failures.size()) + " more not kept"
                                : ""));
        if (blockFailure != null) {
            e.addSuppressed(blockFailure);
        }
        for (TaskFailure f : failures) {
            TaskFailedException remote = new TaskFailedException(f.node(), TaskService.describe(f));
            remote.setStackTrace(f.stack());
            e.addSuppressed(remote);
        }
        throw e;
    }
}
