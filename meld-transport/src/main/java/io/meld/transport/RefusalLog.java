package io.meld.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs refused connections at most once per interval: the first refusal of an interval is logged with
 * its reason, and the ones that follow within it are counted and reported with the next line. A flood of
 * strangers costs one line per interval, not one per connection.
 *
 * <p>Used by the data path and by the cluster layer's TLS sockets.
 *
 * <p><b>Concurrency</b>: thread-safe; refusals come from every I/O thread and handshake.
 */
public final class RefusalLog {
    /** At most one line per this long. */
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String verb;
    private final String counted;
    private final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    /** @param log where the lines go: {@code refused <who>: <why>} */
    public RefusalLog(Logger log) {
        this(log, "refused", "refused connections");
    }

    /**
     * @param log where the lines go
     * @param verb what happened to a connection, first in each line ({@code closing})
     * @param counted what the count of the lines left out counts ({@code connections closed for bad frames})
     */
    public RefusalLog(Logger log, String verb, String counted) {
        this.log = log;
        this.verb = verb;
        this.counted = counted;
    }

    /**
     * @param who the refused connection, e.g. its address
     * @param why the reason, which names nothing of the cluster
     */
    public void refused(String who, String why) {
        long now = System.nanoTime();
        long due = nextLineAt.get();
        if (now - due >= 0 && nextLineAt.compareAndSet(due, now + INTERVAL_NANOS)) {
            long more = suppressed.getAndSet(0);
            log.warn(
                    "{} {}: {}{}",
                    verb,
                    who,
                    why,
                    more > 0
                            ? " (and " + more + " more " + counted + " in the last "
                                    + TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS) + " s)"
                            : "");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
