package io.meld.task;

import io.meld.Block;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.RemoteCallable;
import io.meld.RemoteJob;
import io.meld.TaskFailedException;
import io.meld.codec.ObjectCodec;
import io.meld.collective.CollectiveEngine;
import io.meld.kernel.NodeContext;
import io.meld.kernel.NodeService;
import io.meld.kernel.PeerTable;
import io.meld.task.TaskCodec.FinishRef;
import io.meld.task.TaskCodec.Report;
import io.meld.task.TaskCodec.TaskFailure;
import io.meld.transport.FrameHandler;
import io.meld.transport.FrameType;
import io.meld.transport.Link;
import io.meld.transport.Links;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's remote tasks: {@code at}, {@code asyncAt} and {@code finish}, in the style of APGAS and X10.
 *
 * <h2>Tasks</h2>
 *
 * A task is a serializable lambda, encoded by the node's {@link ObjectCodec} (so its class and what it
 * captures must be allowed) and run on a virtual thread of the node it is sent to, as a {@code TASK}
 * frame ({@link TaskCodec}). A task sent to this node is encoded and decoded all the same, so it runs on
 * copies, as anywhere else, and a program that runs on one node does not find a class it forgot to allow
 * only when it runs on two. The thread running a task, or a {@code finish} block, knows the finish it
 * belongs to ({@link #current}); {@code asyncAt} called there spawns into that finish. It is also marked
 * as a task's ({@link CollectiveEngine#enterTask}): a collective it calls fails at once, naming the task,
 * since a task runs on one node and every node must call a collective.
 *
 * <h2>Termination of a finish</h2>
 *
 * Counting, as X10's default finish does. The finish's home (the node that called {@code finish})
 * keeps, for every node n, {@code live[n]}: the tasks spawned to n minus the tasks that ended on n, as
 * far as it has heard. Every node keeps, for each finish it runs tasks of, a {@link Participation}: how
 * many of them run now, how many ended, and how many they spawned to each node. When none runs any
 * more, the node sends these counts to the home in one {@code REPORT} and forgets them. The block itself
 * is a task of its finish on the home, so {@code live[home]} starts at 1.
 *
 * <p>The finish has ended when every {@code live[n]} is 0. No report can make that happen early: a
 * spawn that the home has not heard of was made by a task that has not ended (its node reports the spawn
 * and the spawner's end together), and that task is still counted, at its own node or, when its own
 * spawn is unheard of too, at its spawner's, and so on up to the block. A report of a task's end that
 * overtakes the report of its spawn leaves a count below 0 for a while, which is not 0 either.
 *
 * <p>An {@code at} runs its body as a task of the caller's finish (when the caller is in one), so what
 * the body spawns is waited for by that finish; the caller counts it as spawned, the callee as ended.
 *
 * <h2>Failures</h2>
 *
 * A task's exception is reported to its finish as text ({@link TaskFailure}: class, message, causes,
 * stack), since its class need not be allowed; the finish throws {@link TaskFailedException} once every
 * task has ended. An {@code at} body's exception goes to its caller. When a node fails, finishes that
 * count tasks on it ({@code live != 0}, now or when a later report says so) fail at once with {@link
 * NodeFailedException}, and {@code at} calls waiting for it fail too; their other tasks run on, and
 * what they report is dropped.
 *
 * <h2>Concurrency</h2>
 *
 * Frames arrive on I/O threads, which only count and hand the task to a virtual thread. Participations
 * change inside {@link ConcurrentHashMap#compute}; a home's counts under its monitor. Any thread may
 * call the public methods.
 */
public final class TaskService implements FrameHandler, NodeService {
    private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);

    private final int size;
    private final ObjectCodec codec;
    private final CollectiveEngine collectives;
    private final ThreadLocal<FinishRef> current = new ThreadLocal<>();
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("meld-task-", 0).factory());
    private final AtomicLong finishes = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    /** Finishes whose home is this node, by sequence number. */
    private final Map<Long, HomeFinish> homes = new ConcurrentHashMap<>();
    /** Finishes this node runs tasks of now. */
    private final Map<FinishRef, Participation> participations = new ConcurrentHashMap<>();
    /** {@code at} calls waiting for their result, by request id. */
    private final Map<Long, Call> calls = new ConcurrentHashMap<>();

    private volatile int rank = -1;
    private volatile Links links;
    private final Runnable fence;
    private volatile PeerTable peers;
    private volatile Meld here;
    private volatile boolean closed;
    /** Opens when the node is complete; tasks that a faster peer sent before that wait for it. */
    private final CountDownLatch started = new CountDownLatch(1);

    /**
     * @param size the number of nodes
     * @param codec encodes tasks and results
     * @param collectives the node's collectives, which refuse calls from a task's body
     * @param fence completes the memory operations of the calling thread; each task calls it before it
     *     ends, so that its operations are complete when its finish, or its {@code at}, returns
     */
    public TaskService(int size, ObjectCodec codec, CollectiveEngine collectives, Runnable fence) {
        this.size = size;
        this.codec = codec;
        this.collectives = collectives;
        this.fence = fence;
    }

    /**
     * Starts serving.
     *
     * @param node this node's rank, its connected links, and its handle, given to every task
     */
    @Override
    public void start(NodeContext node) {
        this.rank = node.rank();
        this.peers = node.peers();
        this.here = node.node();
        this.links = node.links();
        started.countDown();
    }

    // ---------------------------------------------------------------------------------------------
    // The calls of a program

    /**
     * See {@link io.meld.Meld#finish}.
     *
     * @param block what to run
     */
    public void finish(Block block) {
        Objects.requireNonNull(block, "block");
        ensureOpen();
        FinishRef ref = new FinishRef(rank, finishes.incrementAndGet());
        HomeFinish home = new HomeFinish(ref, size, peers);
        homes.put(ref.seq(), home);
        begin(ref);
        FinishRef outer = current.get();
        current.set(ref);
        Throwable blockFailure = null;
        try {
            block.run();
        } catch (Throwable t) { // everything: the finish still waits for its tasks, then reports it
            blockFailure = overflow(t);
        } finally {
            current.set(outer);
        }
        blockFailure = fence(blockFailure);
        end(ref, null);
        try {
            home.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while " + ref + " waited for its tasks; they run on", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e); // done only completes normally
        } finally {
            homes.remove(ref.seq());
        }
        if (blockFailure instanceof StackOverflowError deep) {
            throw deep; // as it is, not wrapped once per level of finishes nested too deep
        }
        home.throwIfFailed(blockFailure);
    }

    /**
     * A block whose finishes nest deeper than the thread's stack overflows it, and the overflow can surface
     * as a {@link BootstrapMethodError}: the JVM links a call site for the first time with the stack nearly
     * gone. It is reported as what it is.
     *
     * @return the {@link StackOverflowError} in {@code t}'s causes, or {@code t}
     */
    private static Throwable overflow(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof StackOverflowError deep) {
                return deep;
            }
        }
        return t;
    }

    /**
     * See {@link io.meld.Meld#asyncAt}.
     *
     * @param node where to run it
     * @param task the task
     */
    public void asyncAt(int node, RemoteJob task) {
        checkNode(node);
        Objects.requireNonNull(task, "task");
        ensureOpen();
        FinishRef finish = current.get();
        if (finish == null) {
            throw new IllegalStateException("asyncAt(" + node + ", ...) outside a finish: call it in a"
                    + " Meld.finish block, or in a task one spawned (the threads of a forall are not in it)");
        }
        byte[] bytes = codec.encode(task);
        if (node == rank) {
            count(finish, p -> p.spawned[node]++);
            begin(finish);
            runAsync(finish, bytes);
            return;
        }
        Link link = up(node);
        ByteBuf frame = link.newFrame(FrameType.TASK, 0, TaskCodec.spawnLength(bytes));
        TaskCodec.spawn(frame, finish, bytes);
        link.send(frame);
        count(finish, p -> p.spawned[node]++);
    }

    /**
     * See {@link io.meld.Meld#at}.
     *
     * @param node where to run it
     * @param task the task
     * @param <T> the result type
     * @return its result
     */
    public <T> T at(int node, RemoteCallable<T> task) {
        checkNode(node);
        Objects.requireNonNull(task, "task");
        ensureOpen();
        FinishRef finish = current.get();
        byte[] bytes = codec.encode(task);
        if (node == rank) {
            // Runs in this thread, which is in the caller's finish already; copies both ways, as remotely.
            RemoteCallable<?> copy = (RemoteCallable<?>) codec.decode(bytes);
            Object result = null;
            Throwable failure = null;
            String outer = collectives.enterTask(atBody(rank));
            try {
                result = copy.call(here);
            } catch (Exception e) {
                failure = e;
            } finally {
                collectives.exitTask(outer);
            }
            failure = fence(failure);
            if (failure != null) {
                throw failedAt(TaskFailure.of(rank, failure));
            }
            return cast(codec.decode(codec.encode(result)));
        }
        long id = requests.incrementAndGet();
        Call call = new Call(node);
        calls.put(id, call);
        try {
            Link link = up(node);
            ByteBuf frame = link.newFrame(FrameType.TASK, 0, TaskCodec.callLength(bytes));
            TaskCodec.call(frame, id, finish, bytes);
            link.send(frame);
        } catch (RuntimeException e) {
            calls.remove(id);
            throw e;
        }
        if (finish != null) {
            count(finish, p -> p.spawned[node]++);
        }
        Outcome outcome;
        try {
            outcome = call.future.get();
        } catch (InterruptedException e) {
            calls.remove(id);
            Thread.currentThread().interrupt();
            throw new MeldException("interrupted while waiting for a task on node " + node, e);
        } catch (ExecutionException e) {
            throw relay(e.getCause());
        }
        if (outcome.failure != null) {
            throw failedAt(outcome.failure);
        }
        return cast(codec.decode(outcome.value));
    }

    /**
     * A node failed: the finishes that count tasks on it fail, and so do {@code at} calls to it.
     *
     * @param node the node
     * @param cause what showed it
     */
    @Override
    public void onPeerFailed(int node, Throwable cause) {
        for (HomeFinish home : homes.values()) {
            home.check(node, cause);
        }
        calls.values().removeIf(c -> {
            if (c.node == node) {
                c.future.completeExceptionally(new NodeFailedException(
                        node, "node " + node + " failed while running a task: " + cause.getMessage(), cause));
                return true;
            }
            return false;
        });
    }

    /** Fails waiting finishes and calls, and interrupts running tasks. */
    @Override
    public void close() {
        closed = true;
        IllegalStateException e = new IllegalStateException("node " + rank + " closed");
        for (Long id : calls.keySet()) {
            Call c = calls.remove(id);
            if (c != null) {
                c.future.completeExceptionally(e);
            }
        }
        for (HomeFinish home : homes.values()) {
            home.fail(e);
        }
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------
    // Frames

    @Override
    public void onFrame(Link link, int flags, ByteBuf payload) {
        int from = link.rank();
        switch (TaskCodec.kind(payload)) {
            case TaskCodec.SPAWN -> {
                FinishRef finish = TaskCodec.readFinish(payload);
                if (finish == null) {
                    throw new ProtocolException("a task from node " + from + " belongs to no finish");
                }
                begin(finish);
                runAsync(finish, TaskCodec.rest(payload));
            }
            case TaskCodec.CALL -> {
                long request = payload.readLongLE();
                FinishRef finish = TaskCodec.readFinish(payload);
                if (finish != null) {
                    begin(finish);
                }
                runCall(from, request, finish, TaskCodec.rest(payload));
            }
            case TaskCodec.RESULT -> {
                long request = payload.readLongLE();
                int status = payload.readUnsignedByte();
                Outcome outcome = status == TaskCodec.OK
                        ? new Outcome(TaskCodec.rest(payload), null)
                        : new Outcome(null, TaskCodec.readFailure(payload));
                Call call = calls.remove(request);
                if (call != null) { // else its caller was interrupted, or this node closed
                    call.future.complete(outcome);
                }
            }
            case TaskCodec.REPORT -> {
                long seq = payload.readLongLE();
                Report report = TaskCodec.readReport(payload, size);
                apply(from, seq, report);
            }
            default -> throw new AssertionError();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Running tasks

    private void runAsync(FinishRef finish, byte[] bytes) {
        execute(finish, () -> {
            current.set(finish);
            Throwable failure = null;
            collectives.enterTask("an asyncAt(" + rank + ", ...) task of a finish of node " + finish.home());
            try {
                ((RemoteJob) codec.decode(bytes)).run(here);
            } catch (Throwable t) { // everything: its finish must hear of the task's end
                failure = t;
            } finally {
                collectives.exitTask(null);
                current.remove();
                end(finish, fence(closing(failure)));
            }
        });
    }

    private void runCall(int caller, long request, FinishRef finish, byte[] bytes) {
        execute(finish, () -> {
            if (finish != null) {
                current.set(finish);
            }
            Object result = null;
            Throwable failure = null;
            collectives.enterTask(atBody(caller));
            try {
                result = ((RemoteCallable<?>) codec.decode(bytes)).call(here);
            } catch (Throwable t) { // everything goes back to the caller
                failure = t;
            } finally {
                collectives.exitTask(null);
                current.remove();
            }
            failure = fence(closing(failure));
            reply(caller, request, result, failure == null ? null : TaskFailure.of(rank, failure));
            if (finish != null) {
                end(finish, null);
            }
        });
    }

    /** An {@code at} body, for the message of a collective it calls. */
    private String atBody(int caller) {
        return "the body of at(" + rank + ", ...) called by node " + caller;
    }

    /** A task that failed while this node closed (interrupted, most likely) says so first. */
    private Throwable closing(Throwable failure) {
        return failure != null && closed
                ? new IllegalStateException("node " + rank + " closed while the task ran", failure)
                : failure;
    }

    /**
     * Completes the memory operations of a task's thread, even when it failed.
     *
     * @return the task's failure, or else the fence's
     */
    private Throwable fence(Throwable failure) {
        try {
            fence.run();
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** Runs a task on a virtual thread; when this node is closed, ends it as failed at once. */
    private void execute(FinishRef finish, Runnable task) {
        try {
            if (closed) {
                throw new RejectedExecutionException();
            }
            executor.execute(() -> {
                try {
                    started.await();
                } catch (InterruptedException e) {
                    return; // closed before it was complete: its peers see it fail
                }
                task.run();
            });
        } catch (RejectedExecutionException e) {
            if (finish != null) {
                end(finish, new IllegalStateException("node " + rank + " closed before the task ran"));
            }
        }
    }

    private void reply(int caller, long request, Object result, TaskFailure failure) {
        Link link = links.link(caller);
        if (link == null || !link.isUp()) {
            LOG.debug("node {} cannot return a result to node {}: it is not connected", rank, caller);
            return;
        }
        ByteBuf frame = null;
        if (failure == null) {
            try {
                byte[] value = codec.encode(result);
                frame = link.newFrame(FrameType.TASK, 0, TaskCodec.valueLength(value));
                TaskCodec.value(frame, request, value);
            } catch (RuntimeException e) {
                failure = TaskFailure.of(rank, e);
            }
        }
        if (failure != null) {
            frame = link.newFrame(FrameType.TASK, 0, TaskCodec.failureLength(failure));
            TaskCodec.failure(frame, request, failure);
        }
        try {
            link.send(frame);
        } catch (NodeFailedException e) {
            LOG.debug("node {} cannot return a result to node {}: {}", rank, caller, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Counting

    /** A task of {@code finish} starts on this node. */
    private void begin(FinishRef finish) {
        participations.compute(finish, (k, p) -> {
            Participation q = p != null ? p : new Participation(size);
            q.running++;
            return q;
        });
    }

    /** Counts something in the participation of a running task; it exists while the task runs. */
    private void count(FinishRef finish, Consumer<Participation> change) {
        participations.computeIfPresent(finish, (k, p) -> {
            change.accept(p);
            return p;
        });
    }

    /** A task of {@code finish} ended on this node; when it was the last, the counts go to the home. */
    private void end(FinishRef finish, Throwable failure) {
        Report[] report = new Report[1];
        participations.computeIfPresent(finish, (k, p) -> {
            p.running--;
            p.completed++;
            if (failure != null) {
                p.failed++;
                if (p.failures.size() < TaskCodec.MAX_FAILURES) {
                    p.failures.add(TaskFailure.of(rank, failure));
                }
            }
            if (p.running > 0) {
                return p;
            }
            report[0] = new Report(p.completed, p.spawned, p.failed, p.failures);
            return null;
        });
        if (report[0] == null) {
            return;
        }
        if (finish.home() == rank) {
            apply(rank, finish.seq(), report[0]);
            return;
        }
        Link link = links.link(finish.home());
        if (link == null || !link.isUp() || peers.isFailed(finish.home())) {
            LOG.debug("node {} drops its report to {}: its home is not connected", rank, finish);
            return;
        }
        try {
            ByteBuf frame = link.newFrame(FrameType.TASK, 0, TaskCodec.reportLength(report[0]));
            TaskCodec.report(frame, finish.seq(), report[0]);
            link.send(frame);
        } catch (NodeFailedException e) {
            LOG.debug("node {} drops its report to {}: {}", rank, finish, e.toString());
        }
    }

    private void apply(int from, long seq, Report report) {
        HomeFinish home = homes.get(seq);
        if (home == null) {
            // The finish failed already (a node failed, or this node closed): its waiter is gone.
            LOG.debug("node {} drops a report from node {} for finish {}: it is over", rank, from, seq);
            return;
        }
        home.apply(from, report);
    }

    /** A node's share of a finish, until it reports. Changed only inside the map's compute. */
    private static final class Participation {
        int running;
        long completed;
        final long[] spawned;
        long failed;
        final List<TaskFailure> failures = new ArrayList<>(0);

        Participation(int size) {
            spawned = new long[size];
        }
    }

    /** An {@code at} call waiting for its result. */
    private record Call(int node, CompletableFuture<Outcome> future) {
        Call(int node) {
            this(node, new CompletableFuture<>());
        }
    }

    /** What an {@code at} came back with: a value's bytes, or a failure. */
    private record Outcome(byte[] value, TaskFailure failure) {}

    // ---------------------------------------------------------------------------------------------

    /** An {@code at} body failed: the remote stack, then the caller's, as RMI shows it. */
    private static TaskFailedException failedAt(TaskFailure f) {
        TaskFailedException e = new TaskFailedException(f.node(), describe(f));
        StackTraceElement[] here = e.getStackTrace();
        StackTraceElement[] local = Arrays.copyOfRange(here, Math.min(1, here.length), here.length); // not failedAt
        StackTraceElement[] both = Arrays.copyOf(f.stack(), f.stack().length + local.length);
        System.arraycopy(local, 0, both, f.stack().length, local.length);
        e.setStackTrace(both);
        return e;
    }

    static String describe(TaskFailure f) {
        return "task on node " + f.node() + " threw " + f.describe();
    }

    private static RuntimeException relay(Throwable cause) {
        if (cause instanceof NodeFailedException n) {
            return new NodeFailedException(n.node(), n.getMessage(), n);
        }
        if (cause instanceof IllegalStateException i) {
            return new IllegalStateException(i.getMessage(), i);
        }
        return new MeldException("task failed: " + cause, cause);
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    private Link up(int node) {
        return peers.require(node, 0);
    }

    private void checkNode(int node) {
        if (node < 0 || node >= size) {
            throw new IllegalArgumentException("node " + node + " is not a rank of this cluster of " + size);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("node " + rank + " is closed");
        }
    }
}
