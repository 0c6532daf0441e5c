package io.meld.memory;

import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.NodeFailedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * An operation sent to another node and waiting for its answer. Registered in {@link PendingRequests}
 * under its request id before the operation is sent; completed once, by the I/O thread that reads the
 * answer, by the timeout sweep, or when the destination fails.
 *
 * <p><b>Concurrency</b>: {@link #tryFinish()} (a compare-and-set) makes completion happen exactly once,
 * whichever thread gets there first; the subclasses publish the outcome before waking the waiter.
 */
abstract class Pending {
    final int destination;
    final long deadlineNanos;
    private final GlobalStorage array;
    private final int opcode;
    private final long index;
    private static final VarHandle FINISHED;

    static {
        try {
            FINISHED = MethodHandles.lookup().findVarHandle(Pending.class, "finished", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through FINISHED
    private volatile int finished;

    /**
     * @param destination the node the operation went to
     * @param deadlineNanos when it times out, as {@link System#nanoTime()}
     * @param array the array, or {@code null} for a fence
     * @param opcode the {@link OpCodec} opcode, for messages
     * @param index the element (the first of a range), for messages
     */
    Pending(int destination, long deadlineNanos, GlobalStorage array, int opcode, long index) {
        this.destination = destination;
        this.deadlineNanos = deadlineNanos;
        this.array = array;
        this.opcode = opcode;
        this.index = index;
    }

    /** The home answered with a value (or 0 for operations without one). */
    abstract void complete(long value);

    /** The operation failed. */
    abstract void fail(Throwable cause);

    /** @return what the operation was, e.g. {@code getAndAdd(table[42]) at node 1} */
    String describe() {
        String what =
                array == null ? OpCodec.name(opcode) : OpCodec.name(opcode) + "(" + array.name + "[" + index + "])";
        return what + " at node " + destination;
    }

    /** @return whether the caller is the one to finish this operation */
    final boolean tryFinish() {
        return FINISHED.compareAndSet(this, 0, 1);
    }

    /**
     * A platform or virtual thread blocked until the answer comes. It is its own {@link BooleanSupplier}
     * (done or not), so that polling for it allocates nothing on the blocking path.
     */
    static class Blocking extends Pending implements BooleanSupplier {
        private final Thread waiter = Thread.currentThread();
        private long value;
        private Throwable error;
        private volatile boolean done;

        Blocking(int destination, long deadlineNanos, GlobalStorage array, int opcode, long index) {
            super(destination, deadlineNanos, array, opcode, index);
        }

        @Override
        final void complete(long v) {
            if (tryFinish()) {
                value = v;
                done = true;
                wake();
            }
        }

        @Override
        final void fail(Throwable cause) {
            if (tryFinish()) {
                error = cause;
                done = true;
                wake();
            }
        }

        /** Unparks the waiter, unless it reads its own answer (a direct channel's holder) and is awake. */
        private void wake() {
            if (waiter != Thread.currentThread()) {
                LockSupport.unpark(waiter);
            }
        }

        boolean isDone() {
            return done;
        }

        @Override
        public final boolean getAsBoolean() {
            return done;
        }

        /** @return the value; call after {@link #isDone()} returned true */
        long value() {
            if (error != null) {
                throw rethrow(error);
            }
            return value;
        }
    }

    /** An async operation's future. */
    static final class Future<T> extends Pending {
        final CompletableFuture<T> future;
        private final Converter<T> converter;

        /** Turns the answer's 64 bits into the future's value. */
        @FunctionalInterface
        interface Converter<T> {
            T convert(long value);
        }

        Future(
                int destination,
                long deadlineNanos,
                GlobalStorage array,
                int opcode,
                long index,
                CompletableFuture<T> future,
                Converter<T> c) {
            super(destination, deadlineNanos, array, opcode, index);
            this.future = future;
            this.converter = c;
        }

        @Override
        void complete(long value) {
            if (tryFinish()) {
                future.complete(converter.convert(value));
            }
        }

        @Override
        void fail(Throwable cause) {
            if (tryFinish()) {
                future.completeExceptionally(cause);
            }
        }
    }

    /** Rethrows a failure in the waiting thread, keeping its type and adding this thread's stack. */
    static RuntimeException rethrow(Throwable error) {
        if (error instanceof MeldException m) {
            MeldException copy = copy(m);
            return copy != null ? copy : m;
        }
        if (error instanceof RuntimeException r) {
            return r;
        }
        return new MeldException(error.getMessage(), error);
    }

    private static MeldException copy(MeldException m) {
        if (m instanceof NodeFailedException n) {
            return new NodeFailedException(n.node(), n.getMessage(), n);
        }
        if (m instanceof MeldTimeoutException) {
            MeldTimeoutException t = new MeldTimeoutException(m.getMessage());
            t.initCause(m);
            return t;
        }
        return new MeldException(m.getMessage(), m);
    }
}
