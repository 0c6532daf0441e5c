package io.meld.transport;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's leak detector, remembering every leak it reports so that {@link LeakCheck} can fail a test
 * instead of leaving a line in a log nobody reads. Netty instantiates it because the module's Surefire
 * configuration sets {@code -Dio.netty.customResourceLeakDetector} to this class (it must therefore be
 * public, with this public constructor).
 *
 * @param <T> the tracked resource type
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * Called by Netty's {@code ResourceLeakDetectorFactory} through reflection.
     *
     * @param resourceType the tracked type
     * @param samplingInterval how often to sample, ignored at the paranoid level
     */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        INSTANCES.incrementAndGet();
    }

    /**
     * The constructor Netty looks for first; without it, it logs an error before it falls back to the
     * other one.
     *
     * @param resourceType the tracked type
     * @param samplingInterval how often to sample, ignored at the paranoid level
     * @param maxActive unused by Netty since 4.1
     */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + " leaked:" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType + " leaked (no records)");
        super.reportUntracedLeak(resourceType);
    }

    /** @return whether Netty is using this detector */
    static boolean installed() {
        return INSTANCES.get() > 0;
    }

    /** @return the leaks reported so far, which are forgotten */
    static List<String> drain() {
        List<String> leaks = List.copyOf(LEAKS);
        LEAKS.removeAll(leaks);
        return leaks;
    }
}
