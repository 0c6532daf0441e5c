package io.meld.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The test frame type's handler: keeps a copy of every frame it is given, in arrival order.
 *
 * <p>A frame with the flags {@link #POISON_FLAGS} is refused with a {@link ProtocolException}, as a
 * handler refuses a payload it cannot decode. A test can make the handler slow ({@link #delay}) or stall
 * it until it lets go ({@link #stall()}), to fill the sender's queue.
 *
 * <p><b>Concurrency</b>: called on the I/O threads of the links, read by the test thread; the list is
 * copy-on-write (few reads), the settings volatile.
 */
final class RecordingFrameHandler implements FrameHandler {
    /** Flags that make this handler refuse the frame. */
    static final int POISON_FLAGS = 0xEE;

    /** One frame as the handler saw it, with the lane it came on and the thread that handled it. */
    record Frame(int from, int flags, byte[] payload, int lane, Thread thread) {}

    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private volatile long delayNanos;
    private volatile CountDownLatch gate;
    private volatile Error error;
    private volatile int echoType = -1;
    private volatile boolean keepSlices;
    private final List<ByteBuf> kept = new CopyOnWriteArrayList<>();

    /** @param e what the handler throws for every frame from now on, as a handler that cannot allocate */
    void throwForEveryFrame(Error e) {
        this.error = e;
    }

    @Override
    public void onFrame(Link link, int flags, ByteBuf payload) {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                // Bounded, so that a failed test cannot keep an I/O thread forever.
                g.await(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (delayNanos > 0) {
            LockSupport.parkNanos(delayNanos);
        }
        Error e = error;
        if (e != null) {
            throw e;
        }
        if (flags == POISON_FLAGS) {
            throw new ProtocolException("the test handler refuses a payload of " + payload.readableBytes() + " bytes");
        }
        if (keepSlices) {
            kept.add(payload.retainedSlice()); // as the contract allows: the transport must not reuse its bytes
        }
        byte[] bytes = ByteBufUtil.getBytes(payload);
        frames.add(new Frame(link.rank(), flags, bytes, link.lane(), Thread.currentThread()));
        int echo = echoType;
        if (echo >= 0) {
            ByteBuf answer = link.newFrame(echo, flags, bytes.length);
            answer.writeBytes(bytes);
            link.send(answer);
        }
    }

    /** Forgets the frames seen so far: for a fuzz test, whose inputs would otherwise pile up. */
    void clear() {
        frames.clear();
    }

    /** Makes the handler keep a retained slice of every payload ({@link #kept()}), which the test releases. */
    void keepSlices() {
        keepSlices = true;
    }

    /** @return the slices kept so far, in arrival order */
    List<ByteBuf> kept() {
        return List.copyOf(kept);
    }

    /** Makes the handler send every frame back on the link it came on, as a frame of {@code type} (-1: none). */
    void echo(int type) {
        echoType = type;
    }

    /** Makes every frame wait {@code delay} before it is recorded. */
    void delay(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /**
     * Stalls the handler: the next frame blocks its I/O thread until the returned latch is counted down.
     */
    CountDownLatch stall() {
        CountDownLatch g = new CountDownLatch(1);
        gate = g;
        return g;
    }

    /** @return every frame so far */
    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** @return the frames from one peer */
    List<Frame> from(int rank) {
        return frames.stream().filter(f -> f.from() == rank).toList();
    }

    /** Waits until at least {@code count} frames have arrived from {@code rank}, and returns them. */
    List<Frame> awaitFrom(int rank, int count) {
        Await.until(
                count + " frames from node " + rank,
                Await.TIMEOUT,
                () -> from(rank).size() >= count,
                () -> "(" + from(rank).size() + " arrived)");
        return from(rank);
    }
}
