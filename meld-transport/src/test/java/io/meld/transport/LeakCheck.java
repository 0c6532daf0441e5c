package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Netty reports a leak only when the
 * garbage collector has found the lost buffer and a later allocation polls the detector's queue, so
 * {@link #assertNoLeaks()} collects garbage and allocates a few times first.
 *
 * <p>Used with {@code @ExtendWith(LeakCheck.class)}; checks after all tests of the class, when every
 * transport of the class is closed.
 */
final class LeakCheck implements AfterAllCallback {
    static final String PROPERTY = "io.netty.customResourceLeakDetector";

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks();
    }

    /** Collects garbage, lets the detector look, and fails on any leak it reported. */
    static void assertNoLeaks() {
        List<String> leaks = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Await.sleep(20);
            poll();
            leaks.addAll(RecordingLeakDetector.drain());
        }
        if (System.getProperty(PROPERTY) != null) {
            assertThat(RecordingLeakDetector.installed())
                    .as("Netty uses %s (%s)", RecordingLeakDetector.class.getSimpleName(), PROPERTY)
                    .isTrue();
        }
        assertThat(leaks).as("buffers Netty reported as leaked").isEmpty();
    }

    /** Every tracked allocation makes the detector report what the collector found lost. */
    static void poll() {
        for (int i = 0; i < 4; i++) {
            ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(8);
            probe.release();
            probe = ByteBufAllocator.DEFAULT.heapBuffer(8);
            probe.release();
        }
    }
}
