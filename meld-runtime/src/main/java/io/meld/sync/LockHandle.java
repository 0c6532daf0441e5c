package io.meld.sync;

import io.meld.GlobalLock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's handle to a lock: asks the home for it, and remembers which of this node's threads holds it
 * under which request id (only that thread may unlock it).
 *
 * <p><b>Concurrency</b>: any thread; {@link #held} maps a holding thread to its grant.
 */
final class LockHandle implements GlobalLock {
    private final SyncService service;
    private final int id;
    private final String name;
    private final int home;
    private final Map<Thread, Long> held = new ConcurrentHashMap<>();

    LockHandle(SyncService service, int id, String name, int home) {
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
    public void lock() {
        SyncService.Request request = ask();
        try {
            request.future().get();
        } catch (InterruptedException e) {
            cancel(request);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for lock '" + name + "'", e);
        } catch (ExecutionException e) {
            throw SyncService.failure(e.getCause(), "lock '" + name + "'");
        }
        held.put(Thread.currentThread(), request.id());
    }

    @Override
    public boolean tryLock(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        SyncService.Request request = ask();
        try {
            request.future().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            cancel(request);
            return false;
        } catch (InterruptedException e) {
            cancel(request);
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw SyncService.failure(e.getCause(), "lock '" + name + "'");
        }
        held.put(Thread.currentThread(), request.id());
        return true;
    }

    @Override
    public void unlock() {
        Long request = held.remove(Thread.currentThread());
        if (request == null) {
            throw new IllegalStateException("lock '" + name + "' is not held by "
                    + Thread.currentThread().getName() + " of node " + service.rank());
        }
        service.fence();
        service.request(home, SyncCodec.UNLOCK, id, request, 0);
    }

    @Override
    public String toString() {
        return "global lock '" + name + "' (home node " + home + ")";
    }

    private SyncService.Request ask() {
        if (held.containsKey(Thread.currentThread())) {
            throw new IllegalStateException(
                    "lock '" + name + "' is held by the calling thread already (not reentrant)");
        }
        SyncService.Request request = service.newRequest("lock '" + name + "'", home);
        try {
            service.request(home, SyncCodec.LOCK, id, request.id(), 0);
        } catch (RuntimeException e) {
            service.forget(request.id());
            throw e;
        }
        return request;
    }

    private void cancel(SyncService.Request request) {
        service.forget(request.id());
        try {
            service.request(home, SyncCodec.CANCEL, id, request.id(), 0);
        } catch (RuntimeException e) {
            // the home is gone; so is the request
        }
    }
}
