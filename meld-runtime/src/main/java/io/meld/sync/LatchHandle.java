package io.meld.sync;

import io.meld.GlobalLatch;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's handle to a latch: count-downs and waits are requests to the latch's home.
 *
 * <p><b>Concurrency</b>: any thread; stateless.
 */
final class LatchHandle implements GlobalLatch {
    private final SyncService service;
    private final int id;
    private final String name;
    private final int home;

    LatchHandle(SyncService service, int id, String name, int home) {
        this.service = service;
        this.id = id;
        this.name = name;
        this.home = home;
    }

    /** @return the id every node knows it by */
    int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void countDown() {
        service.fence();
        service.request(home, SyncCodec.DOWN, id, 0, 0);
    }

    @Override
    public void await() {
        SyncService.Request request = send(SyncCodec.AWAIT);
        try {
            request.future().get();
        } catch (InterruptedException e) {
            service.forget(request.id());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for latch '" + name + "'", e);
        } catch (ExecutionException e) {
            throw SyncService.failure(e.getCause(), "latch '" + name + "'");
        }
    }

    @Override
    public boolean await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        SyncService.Request request = send(SyncCodec.AWAIT);
        try {
            request.future().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            service.forget(request.id());
            return false;
        } catch (InterruptedException e) {
            service.forget(request.id());
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw SyncService.failure(e.getCause(), "latch '" + name + "'");
        }
    }

    @Override
    public long count() {
        SyncService.Request request = send(SyncCodec.COUNT);
        try {
            return request.future().get();
        } catch (InterruptedException e) {
            service.forget(request.id());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading latch '" + name + "'", e);
        } catch (ExecutionException e) {
            throw SyncService.failure(e.getCause(), "latch '" + name + "'");
        }
    }

    @Override
    public String toString() {
        return "global latch '" + name + "' (home node " + home + ")";
    }

    private SyncService.Request send(int kind) {
        SyncService.Request request = service.newRequest("latch '" + name + "'", home);
        try {
            service.request(home, kind, id, request.id(), 0);
        } catch (RuntimeException e) {
            service.forget(request.id());
            throw e;
        }
        return request;
    }
}
