package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.config.MeldConfig;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a link promises its users: every frame, intact, in each sender's order, within the size limit. */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class LinkDeliveryTest {

    @Test
    void shouldDeliverFramesInOrderWithTheirPayloadInBothDirectionsOfALink() {
        int count = 300;
        try (TestCluster c = TestCluster.of(2).start()) {
            for (int i = 0; i < count; i++) {
                // Sizes from empty to a few KiB; both nodes send at once on the one connection.
                c.send(0, 1, i % 200, RawPeer.bytes(i * 13 % 3000, i));
                c.send(1, 0, (i + 1) % 200, RawPeer.bytes(i * 7 % 3000, -i));
            }
            List<RecordingFrameHandler.Frame> at1 = c.received(1).awaitFrom(0, count);
            List<RecordingFrameHandler.Frame> at0 = c.received(0).awaitFrom(1, count);
            for (int i = 0; i < count; i++) {
                assertThat(at1.get(i).flags())
                        .as("flags of frame %d from node 0", i)
                        .isEqualTo(i % 200);
                assertThat(at1.get(i).payload())
                        .as("frame %d from node 0", i)
                        .isEqualTo(RawPeer.bytes(i * 13 % 3000, i));
                assertThat(at0.get(i).flags())
                        .as("flags of frame %d from node 1", i)
                        .isEqualTo((i + 1) % 200);
                assertThat(at0.get(i).payload())
                        .as("frame %d from node 1", i)
                        .isEqualTo(RawPeer.bytes(i * 7 % 3000, -i));
            }
            assertThat(c.received(1).frames()).hasSize(count);
            assertThat(c.received(0).frames()).hasSize(count);
        }
    }

    @Test
    void shouldDeliverEveryFrameOfSeveralSendingThreadsInEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 1500;
        try (TestCluster c = TestCluster.of(2).start()) {
            runConcurrently(threads, t -> {
                for (int i = 0; i < perThread; i++) {
                    c.send(0, 1, 0, numbered(t, i, 8 + (i % 64)));
                }
            });
            List<RecordingFrameHandler.Frame> got = c.received(1).awaitFrom(0, threads * perThread);
            assertThat(got).hasSize(threads * perThread);
            assertEachSendersOrder(got, threads, perThread);
        }
    }

    @Test
    void shouldDeliverBetweenEveryPairOfAFourNodeCluster() throws Exception {
        int nodes = 4;
        int perPeer = 100;
        try (TestCluster c = TestCluster.of(nodes).start()) {
            runConcurrently(nodes, from -> {
                for (int i = 0; i < perPeer; i++) {
                    for (int to = 0; to < nodes; to++) {
                        if (to != from) {
                            c.send(from, to, 0, numbered(from, i, 24));
                        }
                    }
                }
            });
            for (int to = 0; to < nodes; to++) {
                for (int from = 0; from < nodes; from++) {
                    if (from != to) {
                        List<RecordingFrameHandler.Frame> got = c.received(to).awaitFrom(from, perPeer);
                        assertThat(got)
                                .as("frames from node %d at node %d", from, to)
                                .hasSize(perPeer);
                        for (int i = 0; i < perPeer; i++) {
                            assertThat(got.get(i).payload()).isEqualTo(numbered(from, i, 24));
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldMakeSendersWaitForASlowReceiverAndLoseNothing() throws Exception {
        int threads = 2;
        int perThread = 600;
        int frameSize = 16 << 10; // enough in all to fill the socket buffers behind a stalled reader
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            CountDownLatch stalled = c.received(1).stall();
            AtomicLong sent = new AtomicLong();
            AtomicLong mostQueued = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    senders.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            c.send(0, 1, 0, numbered(thread, i, frameSize - 64));
                            sent.incrementAndGet();
                            mostQueued.accumulateAndGet(
                                    ((ChannelLink) link).channel().unsafe().outboundBuffer() == null
                                            ? 0
                                            : ((ChannelLink) link)
                                                    .channel()
                                                    .unsafe()
                                                    .outboundBuffer()
                                                    .totalPendingWriteBytes(),
                                    Math::max);
                        }
                    }));
                }
                // The receiver reads nothing: once the kernel's buffers are full, the link's queue passes the
                // 64 KiB send buffer and the senders must wait instead of queueing everything.
                long heldAt = TestCluster.awaitSendersHeldBack(link, sent::get);
                assertThat(heldAt).as("frames sent when held back").isLessThan((long) threads * perThread);
                // Netty counts ~100 bytes of bookkeeping per queued frame on top of the frame itself.
                assertThat(mostQueued.get())
                        .as("bytes queued on the link, at most the send buffer and a frame per thread")
                        .isLessThanOrEqualTo((64 << 10) + (long) threads * frameSize + 4096);
                c.received(1).delay(Duration.ofNanos(20_000));
                stalled.countDown();
                for (Future<?> f : senders) {
                    f.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                stalled.countDown();
                pool.shutdownNow();
            }
            List<RecordingFrameHandler.Frame> got = c.received(1).awaitFrom(0, threads * perThread);
            assertThat(got).hasSize(threads * perThread);
            assertEachSendersOrder(got, threads, perThread);
        }
    }

    @Test
    void shouldCarryAFrameOfExactlyTheMaximumFrameSize() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            assertThat(link.maxFrameSize()).isEqualTo(64 << 10);
            assertThat(link.maxPayload()).isEqualTo((64 << 10) - FrameDescriptor.HEADER_LENGTH);
            byte[] payload = RawPeer.bytes(link.maxPayload(), 7);
            ByteBuf frame = link.newFrame(TestCluster.TEST_TYPE, 3, link.maxPayload());
            frame.writeBytes(payload);
            assertThat(frame.readableBytes()).isEqualTo(64 << 10);
            link.send(frame);
            c.send(0, 1, 4, new byte[0]);
            List<RecordingFrameHandler.Frame> got = c.received(1).awaitFrom(0, 2);
            assertThat(got.get(0).payload()).isEqualTo(payload);
            assertThat(got.get(1).payload()).isEmpty();
        }
    }

    @Test
    void shouldDeliverFramesLargerThanOneReadIntactAmongSmallOnesInBothDirections() {
        // Frames of up to 1 MiB span many socket reads: the decoder reads their rest into buffers of their own.
        MeldConfig config = MeldConfig.defaults().with("meld.transport.send-buffer", "2MiB");
        int count = 40;
        try (TestCluster c = TestCluster.of(2).config(config).start()) {
            int max = c.link(0, 1).maxPayload();
            for (int i = 0; i < count; i++) {
                c.send(0, 1, 1, RawPeer.bytes(sizeOf(i, max), i));
                c.send(1, 0, 2, RawPeer.bytes(sizeOf(i + 1, max), -i));
            }
            List<RecordingFrameHandler.Frame> at1 = c.received(1).awaitFrom(0, count);
            List<RecordingFrameHandler.Frame> at0 = c.received(0).awaitFrom(1, count);
            for (int i = 0; i < count; i++) {
                assertThat(at1.get(i).payload())
                        .as("frame %d from node 0", i)
                        .isEqualTo(RawPeer.bytes(sizeOf(i, max), i));
                assertThat(at0.get(i).payload())
                        .as("frame %d from node 1", i)
                        .isEqualTo(RawPeer.bytes(sizeOf(i + 1, max), -i));
            }
        }
    }

    /** Every third frame small, the others from 100 KiB to the largest payload. */
    private static int sizeOf(int i, int maxPayload) {
        return i % 3 == 0 ? i * 37 % 2000 : maxPayload - (i * 7919 % (maxPayload - (100 << 10)));
    }

    @Test
    void shouldRefuseANewFrameBeyondTheMaximumNamingTheLimit() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            assertThatThrownBy(() -> link.newFrame(TestCluster.TEST_TYPE, 0, link.maxPayload() + 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf(link.maxPayload() + 1))
                    .hasMessageContaining(String.valueOf(link.maxPayload()))
                    .hasMessageContaining("65536")
                    .hasMessageContaining("meld.transport.max-frame-size");
            assertThatThrownBy(() -> link.newFrame(TestCluster.TEST_TYPE, 0, -1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldRefuseAndReleaseAFrameThatGrewBeyondTheMaximum() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            ByteBuf frame = link.newFrame(TestCluster.TEST_TYPE, 0, 16);
            frame.writeZero(link.maxPayload() + 1);
            assertThatThrownBy(() -> link.send(frame))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf((64 << 10) + 1))
                    .hasMessageContaining("65536");
            assertThat(frame.refCnt()).as("the refused frame was released").isZero();
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldRefuseANewFrameOfAHandshakeType() {
        try (TestCluster c = TestCluster.of(2).start()) {
            Link link = c.link(0, 1);
            for (int type : new int[] {FrameType.HELLO, FrameType.WELCOME, FrameType.REJECT, 0, 256, -1}) {
                assertThatThrownBy(() -> link.newFrame(type, 0, 8))
                        .as("type %d", type)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("frame type");
            }
            assertThatThrownBy(() -> link.newFrame(TestCluster.TEST_TYPE, 256, 8))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("flags 256");
            c.assertLinkWorks(0, 1);
        }
    }

    @Test
    void shouldWriteEveryFrameSentBeforeCloseBeforeClosing() {
        int count = 2000;
        try (TestCluster c = TestCluster.of(2).start()) {
            for (int i = 0; i < count; i++) {
                c.send(0, 1, 0, numbered(0, i, 512));
            }
            c.node(0).close();
            List<RecordingFrameHandler.Frame> got = c.received(1).awaitFrom(0, count);
            assertEachSendersOrder(got, 1, count);
        }
    }

    /** A payload that says which thread sent it and when: thread, then index, then filler. */
    static byte[] numbered(int thread, int index, int length) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(length, 8));
        b.putInt(thread).putInt(index);
        while (b.hasRemaining()) {
            b.put((byte) (index + b.position()));
        }
        return b.array();
    }

    /** Checks that each thread's frames are all there, in the order it sent them, intact. */
    static void assertEachSendersOrder(List<RecordingFrameHandler.Frame> got, int threads, int perThread) {
        int[] next = new int[threads];
        for (RecordingFrameHandler.Frame f : got) {
            ByteBuffer b = ByteBuffer.wrap(f.payload());
            int thread = b.getInt();
            int index = b.getInt();
            assertThat(index).as("next frame of thread %d", thread).isEqualTo(next[thread]);
            assertThat(f.payload()).isEqualTo(numbered(thread, index, f.payload().length));
            next[thread]++;
        }
        assertThat(next).as("frames per thread").containsOnly(perThread);
    }

    /** A task of one numbered thread. */
    @FunctionalInterface
    interface ThreadTask {
        void run(int thread) throws Exception;
    }

    /** Runs {@code task} on {@code threads} threads at once and waits for all of them. */
    static void runConcurrently(int threads, ThreadTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    task.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
