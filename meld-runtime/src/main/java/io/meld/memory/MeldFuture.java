package io.meld.memory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of an async remote operation. Waiting on it ({@link #get()}, {@link #join()}) first sends
 * the combining buffer the operation sits in, so a thread that waits for its own async operation does
 * not also wait out the flush delay. Waiting on it on the I/O thread that must read its answer (in a
 * callback of another async operation) throws {@link IllegalStateException} instead of stalling that
 * thread until the timeout. Futures derived from it ({@code thenApply} ...) are plain ones.
 */
final class MeldFuture<T> extends CompletableFuture<T> {
    private final MemoryService service;
    private final Sender sender;
    private final int destination;

    MeldFuture(MemoryService service, Sender sender, int destination) {
        this.service = service;
        this.sender = sender;
        this.destination = destination;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        hurry();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        hurry();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        hurry();
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    /**
     * Sends the operation's buffer; refuses, when the operation is still under way, to let the I/O
     * thread that must read its answer wait for it.
     */
    private void hurry() {
        if (!isDone()) {
            service.checkMayWaitFor(destination, sender.lane, "waiting for an async operation");
            service.flushFor(sender, destination);
        }
    }
}
