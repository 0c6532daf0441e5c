package io.meld.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.ClassNotAllowedException;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.MeldException;
import io.meld.MeldTimeoutException;
import io.meld.Message;
import io.meld.NodeFailedException;
import io.meld.codec.CodecSettings;
import io.meld.config.MeldConfig;
import io.meld.transport.TransportSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Message passing on in-JVM clusters: order per sender and tag under load from several threads, receives
 * from any node, messages larger than a frame and than the window, objects through the allow-list,
 * timeouts and interruption, failed and closed nodes, and a cluster of one node.
 */
@Timeout(60)
class MessagingTest {
    private static final int NODES = 3;
    /** The smallest frame, so that a few hundred KiB take several frames. */
    private static final MeldConfig SMALL_FRAMES =
            MeldConfig.defaults().with(TransportSettings.MAX_FRAME_SIZE, 64L << 10);

    /** An object payload. */
    record Reading(String sensor, long time, double[] values) {}

    /** A class no node allows. */
    record Unregistered(int x) {}

    @Test
    void shouldKeepEachSendersOrderPerTagWhileSeveralThreadsOfEveryNodeSendAtOnce() {
        int threads = 4;
        int tags = 2;
        int perThread = 300;
        MeldConfig twoLanes =
                MeldConfig.defaults().with(TransportSettings.LANES, 2).with(MessagingSettings.WINDOW, 64L << 10);

        List<String> results = Meld.localResults(NODES, twoLanes, meld -> {
            int me = meld.rank();
            List<Thread> senders = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                senders.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            for (int d = 1; d < NODES; d++) {
                                int dest = (me + d) % NODES;
                                meld.send(dest, thread % tags, new long[] {me, thread, i});
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            // Tag 0 is received from each sender by name, tag 1 from any sender, each on its own thread:
            // the senders interleave the tags, and a program that took all of one tag before the other
            // would need more buffering than the window gives (see MessagingService).
            StringBuilder problems = new StringBuilder();
            int expectedPerSenderAndTag = perThread * (threads / tags);
            Thread byName = Thread.ofPlatform().start(() -> {
                Map<String, Long> last = new HashMap<>();
                StringBuilder mine = new StringBuilder();
                for (int d = 1; d < NODES; d++) {
                    int from = (me + d) % NODES;
                    for (int k = 0; k < expectedPerSenderAndTag; k++) {
                        check(meld.receive(from, 0), from, last, mine);
                    }
                }
                synchronized (problems) {
                    problems.append(mine);
                }
            });
            Map<String, Long> last = new HashMap<>();
            StringBuilder mine = new StringBuilder();
            for (int k = 0; k < expectedPerSenderAndTag * (NODES - 1); k++) {
                check(meld.receive(1), -1, last, mine);
            }
            byName.join(30_000);
            synchronized (problems) {
                problems.append(mine);
            }
            for (Thread s : senders) {
                s.join(30_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a sender failed", failure.get());
            }
            // Nothing was delivered twice. The barriers keep every node open meanwhile: a receive from any
            // node fails at once, not by timeout, once every other node has closed.
            meld.barrier();
            for (int tag = 0; tag < tags; tag++) {
                int t = tag;
                assertThatThrownBy(() -> meld.receive(t, Duration.ofMillis(20)))
                        .isInstanceOf(MeldTimeoutException.class);
            }
            meld.barrier();
            return problems.toString();
        });

        assertThat(results).containsOnly("");
    }

    /** Records that each (sender, thread) sequence arrives rising, with nothing lost or repeated. */
    private static void check(Message m, int expectedSource, Map<String, Long> last, StringBuilder problems) {
        long[] v = m.longs();
        if (expectedSource >= 0 && m.source() != expectedSource) {
            problems.append("from ")
                    .append(m.source())
                    .append(" instead of ")
                    .append(expectedSource)
                    .append("; ");
        }
        if (v[0] != m.source()) {
            problems.append("payload of node ")
                    .append(v[0])
                    .append(" from node ")
                    .append(m.source())
                    .append("; ");
        }
        String key = v[0] + "/" + v[1];
        long previous = last.getOrDefault(key, -1L);
        if (v[2] != previous + 1) {
            problems.append("sender ")
                    .append(key)
                    .append(": ")
                    .append(v[2])
                    .append(" after ")
                    .append(previous);
            problems.append("; ");
        }
        last.put(key, v[2]);
    }

    @Test
    void shouldReceiveFromAnyNodeInArrivalOrderAndFromANamedNodeSkippingOthers() {
        List<String> results = Meld.localResults(NODES, MeldConfig.defaults(), meld -> {
            if (meld.rank() != 0) {
                meld.send(0, 7, new byte[] {(byte) meld.rank()});
                meld.barrier();
                return "";
            }
            meld.barrier(); // every message has been sent (not necessarily arrived)
            Message fromTwo = meld.receive(2, 7);
            Message any = meld.receive(7);
            return fromTwo.source() + "" + fromTwo.bytes()[0] + " " + any.source() + "" + any.bytes()[0];
        });

        assertThat(results.get(0)).isEqualTo("22 11");
    }

    @Test
    void shouldStreamMessagesLargerThanAFrameBitForBitWithOddLengths() {
        int longs = (40 << 10) + 3;
        int doubles = (20 << 10) + 1;
        int bytes = (300 << 10) + 5;

        List<String> results = Meld.localResults(
                NODES, SMALL_FRAMES.with(CodecSettings.CLASSES, List.of(Reading.class.getName())), meld -> {
                    int next = (meld.rank() + 1) % NODES;
                    int prev = (meld.rank() + NODES - 1) % NODES;
                    meld.send(next, 1, longs(meld.rank(), longs));
                    meld.send(next, 2, doubles(meld.rank(), doubles));
                    meld.send(next, 3, bytes(meld.rank(), bytes));
                    meld.send(next, 4, new Reading("s" + meld.rank(), 5, doubles(meld.rank(), 20_000)));
                    meld.send(next, 5, new long[0]);
                    StringBuilder problems = new StringBuilder();
                    if (!Arrays.equals(meld.receive(prev, 1).longs(), longs(prev, longs))) {
                        problems.append("longs; ");
                    }
                    double[] d = meld.receive(prev, 2).doubles();
                    double[] expected = doubles(prev, doubles);
                    for (int i = 0; i < expected.length; i++) {
                        if (Double.doubleToRawLongBits(d[i]) != Double.doubleToRawLongBits(expected[i])) {
                            problems.append("double ").append(i).append("; ");
                            break;
                        }
                    }
                    if (!Arrays.equals(meld.receive(prev, 3).bytes(), bytes(prev, bytes))) {
                        problems.append("bytes; ");
                    }
                    Reading r = meld.receive(prev, 4).object(Reading.class);
                    if (!r.sensor().equals("s" + prev) || !Arrays.equals(r.values(), doubles(prev, 20_000))) {
                        problems.append("object; ");
                    }
                    if (meld.receive(prev, 5).longs().length != 0) {
                        problems.append("empty; ");
                    }
                    return problems.toString();
                });

        assertThat(results).containsOnly("");
    }

    @Test
    void shouldMakeASenderWaitForTheReceiverOnceItsWindowIsFullAndThenDeliverEverything() {
        int messages = 40;
        int length = 4096; // 32 KiB each, so the 64 KiB window holds two

        List<Long> results =
                Meld.localResults(2, MeldConfig.defaults().with(MessagingSettings.WINDOW, 64L << 10), meld -> {
                    if (meld.rank() == 0) {
                        for (int i = 0; i < messages; i++) {
                            long[] m = new long[length];
                            Arrays.fill(m, i);
                            meld.send(1, 0, m);
                        }
                        meld.send(1, 1, new long[1 << 16]); // 512 KiB: larger than the whole window
                        return 0L;
                    }
                    Thread.sleep(200); // the sender fills its window and waits
                    long sum = 0;
                    for (int i = 0; i < messages; i++) {
                        long[] m = meld.receive(0, 0).longs();
                        assertThat(m).hasSize(length).containsOnly(i);
                        sum += m[0];
                    }
                    assertThat(meld.receive(0, 1).longs()).hasSize(1 << 16);
                    return sum;
                });

        assertThat(results.get(1)).isEqualTo((long) messages * (messages - 1) / 2);
    }

    @Test
    void shouldBoundTheUnreceivedMessagesAReceiverHoldsByTheWindow() throws Exception {
        long window = 64L << 10;
        CountDownLatch sent = new CountDownLatch(1);
        AtomicReference<Integer> queuedAtMost = new AtomicReference<>();

        Meld.local(2, MeldConfig.defaults().with(MessagingSettings.WINDOW, window), meld -> {
            if (meld.rank() == 0) {
                Thread sender = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 100; i++) {
                        meld.send(1, 0, new byte[1000]);
                    }
                    sent.countDown();
                });
                meld.barrier();
                sender.join(30_000);
            } else {
                Thread.sleep(300);
                queuedAtMost.set(service(meld).queued());
                assertThat(sent.getCount()).as("the sender is still waiting").isEqualTo(1);
                meld.barrier();
                for (int i = 0; i < 100; i++) {
                    meld.receive(0, 0);
                }
                assertThat(sent.await(10, TimeUnit.SECONDS)).isTrue();
            }
        });

        assertThat(queuedAtMost.get()).isLessThanOrEqualTo((int) (window / (1000 + MessagingService.MESSAGE_OVERHEAD)));
    }

    @Test
    void shouldDeliverAllowedObjectsAndRefuseAClassNotAllowedAtTheSenderNamingIt() {
        List<String> results = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            meld.register(Reading.class);
            meld.barrier();
            if (meld.rank() == 0) {
                assertThatThrownBy(() -> meld.send(1, 0, new Unregistered(1)))
                        .isInstanceOf(ClassNotAllowedException.class)
                        .hasMessageContaining("class " + Unregistered.class.getName() + " may not cross the wire");
                meld.send(1, 0, new Reading("t", 1, new double[] {0.5}));
                meld.send(1, 0, List.of(1L, "two", Map.of("three", 3.0)));
                return "";
            }
            Message first = meld.receive(0, 0);
            Message second = meld.receive(0, 0);
            return first.object(Reading.class).sensor() + " " + second.object(List.class);
        });

        assertThat(results.get(1)).isEqualTo("t [1, two, {three=3.0}]");
    }

    @Test
    void shouldRefuseAtTheReceiverAnObjectWhoseClassOnlyTheSenderAllowedAndGoOn() {
        List<String> results = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            if (meld.rank() == 0) {
                meld.register(Unregistered.class);
                meld.send(1, 3, new Unregistered(5));
                meld.send(1, 3, "after");
                return "";
            }
            Throwable refused = null;
            try {
                meld.receive(0, 3);
            } catch (ClassNotAllowedException e) {
                refused = e;
            }
            assertThat(refused)
                    .isInstanceOf(ClassNotAllowedException.class)
                    .hasMessageStartingWith("node 1 refused the message from node 0 with tag 3")
                    .hasMessageContaining(Unregistered.class.getName());
            return meld.receive(0, 3).object(String.class);
        });

        assertThat(results.get(1)).isEqualTo("after");
    }

    @Test
    void shouldTimeOutAReceiveNamingTheTagAndTheSender() {
        Meld.local(2, MeldConfig.defaults(), meld -> {
            assertThatThrownBy(() -> meld.receive(1 - meld.rank(), 9, Duration.ofMillis(100)))
                    .isInstanceOf(MeldTimeoutException.class)
                    .hasMessage("node " + meld.rank() + " waited 100ms for a message with tag 9 from node "
                            + (1 - meld.rank()) + " and none came");
            assertThatThrownBy(() -> meld.receive(9, Duration.ofMillis(20)))
                    .isInstanceOf(MeldTimeoutException.class)
                    .hasMessageContaining("tag 9 from any node");
            meld.barrier();
        });
    }

    @Test
    void shouldStopAWaitingReceiveWhenItsThreadIsInterrupted() {
        Meld.local(2, MeldConfig.defaults(), meld -> {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    meld.receive(5);
                } catch (Throwable e) {
                    outcome.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            Thread.sleep(100);
            receiver.interrupt();
            receiver.join(10_000);
            assertThat(outcome.get())
                    .isInstanceOf(MeldException.class)
                    .hasMessageContaining("interrupted while waiting for a message with tag 5")
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(flag.get()).isTrue();
            meld.barrier();
        });
    }

    @Test
    void shouldFailWaitingReceivesWithNodeFailedWhenTheSenderDiesButDeliverWhatItSentBefore() {
        List<String> results =
                Meld.localResults(NODES, MeldConfig.defaults().with("meld.shutdown.timeout", "200ms"), meld -> {
                    meld.barrier();
                    if (meld.rank() == 1) {
                        meld.send(0, 4, new long[] {41});
                        meld.send(2, 4, new long[] {42});
                        meld.send(2, 8, new long[] {43});
                        Thread.sleep(200);
                        MessagingTesting.crash(meld);
                        return "crashed";
                    }
                    StringBuilder got = new StringBuilder();
                    if (meld.rank() == 0) {
                        got.append(meld.receive(1, 4).longs()[0]);
                        Throwable t = catchReceive(() -> meld.receive(1, 4));
                        assertThat(t)
                                .isInstanceOf(NodeFailedException.class)
                                .hasMessageContaining(
                                        "node 1 failed while node 0 waited for a message with tag 4 from node 1");
                        assertThat(((NodeFailedException) t).node()).isEqualTo(1);
                    } else {
                        got.append(meld.receive(4).longs()[0])
                                .append(meld.receive(8).longs()[0]);
                        Throwable t = catchReceive(() -> meld.receive(4));
                        assertThat(t)
                                .isInstanceOf(NodeFailedException.class)
                                .hasMessageContaining("which it might have sent");
                        assertThatThrownBy(() -> meld.send(1, 0, new byte[1])).isInstanceOf(NodeFailedException.class);
                    }
                    return got.toString();
                });

        assertThat(results).containsExactly("41", "crashed", "4243");
    }

    @Test
    void shouldFailAReceiveFromANodeThatClosedSayingSo() {
        List<String> results =
                Meld.localResults(2, MeldConfig.defaults().with("meld.shutdown.timeout", "300ms"), meld -> {
                    if (meld.rank() == 1) {
                        meld.send(0, 1, new byte[] {1});
                        return "closed"; // Meld.local closes the node: BYE, then the closing handshake
                    }
                    byte got = meld.receive(1, 1).bytes()[0];
                    Throwable fromOne = catchReceive(() -> meld.receive(1, 1));
                    Throwable fromAny = catchReceive(() -> meld.receive(1));
                    assertThat(fromOne)
                            .isExactlyInstanceOf(MeldException.class)
                            .hasMessage(
                                    "node 1 has closed, so node 0 waits in vain for a message with tag 1 from node 1");
                    assertThat(fromAny)
                            .isExactlyInstanceOf(MeldException.class)
                            .hasMessageStartingWith("every other node has closed");
                    return "got " + got;
                });

        assertThat(results).containsExactly("got 1", "closed");
    }

    @Test
    void shouldFailAReceiveWaitingWhileItsOwnNodeCloses() {
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Meld.local(1, MeldConfig.defaults(), meld -> {
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    meld.receive(0, 2);
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            Thread.sleep(100);
            meld.close();
            receiver.join(10_000);
        });

        assertThat(outcome.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("node 0 was closed while waiting for a message with tag 2 from node 0");
    }

    @Test
    void shouldFailASendWaitingForWindowAndAReceiveWaitingForAPeerWhenTheirOwnNodeCloses() {
        long window = 64L << 10;
        int length = 1000;
        int fits = (int) (window / (length + MessagingService.MESSAGE_OVERHEAD));
        MeldConfig config =
                MeldConfig.defaults().with(MessagingSettings.WINDOW, window).with("meld.shutdown.timeout", "500ms");

        List<String> results = Meld.localResults(2, config, meld -> {
            if (meld.rank() == 1) {
                // Takes nothing of tag 0, so node 0's window fills; waits until node 0 has closed.
                return catchReceive(() -> meld.receive(0, 99)).getMessage();
            }
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> sendOutcome = new AtomicReference<>();
            AtomicReference<Throwable> receiveOutcome = new AtomicReference<>();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 10 * fits; i++) {
                        meld.send(1, 0, new byte[length]);
                        sent.incrementAndGet();
                    }
                } catch (Throwable e) {
                    sendOutcome.set(e);
                }
            });
            Thread receiver =
                    Thread.ofPlatform().start(() -> receiveOutcome.set(catchReceive(() -> meld.receive(1, 5))));
            while (sent.get() < fits || sender.getState() != Thread.State.WAITING) {
                Thread.sleep(1);
            }
            awaitWaiting(receiver);
            meld.close();
            sender.join(10_000);
            receiver.join(10_000);
            assertThat(sent.get()).isEqualTo(fits);
            assertThat(sendOutcome.get())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("node 0 was closed while a message with tag 0 to node 1 waited to be sent");
            assertThat(receiveOutcome.get())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("node 0 was closed while waiting for a message with tag 5 from node 1");
            return "closed";
        });

        assertThat(results.get(0)).isEqualTo("closed");
        assertThat(results.get(1))
                .isEqualTo("node 0 has closed, so node 1 waits in vain for a message with tag 99 from node 0");
    }

    @Test
    void shouldAllowARegisteredClassInRemoteTasksAndMessagesAlike() {
        List<String> results = Meld.localResults(2, MeldConfig.defaults(), meld -> {
            meld.register(MessagingTest.class, Reading.class); // the test class writes the task's lambda
            meld.barrier();
            if (meld.rank() == 0) {
                Reading made = meld.at(1, here -> new Reading("made on " + here.rank(), 7, new double[] {0.5}));
                meld.send(1, 2, made);
                return made.sensor();
            }
            Reading got = meld.receive(0, 2).object(Reading.class);
            return got.sensor() + " " + got.time() + " " + got.values()[0];
        });

        assertThat(results).containsExactly("made on 1", "made on 1 7 0.5");
    }

    @Test
    void shouldPassMessagesToItselfOnASingleNodeClusterAsCopies() {
        Meld.local(1, MeldConfig.defaults(), meld -> {
            long[] sent = {1, 2, 3};
            meld.send(0, 0, sent);
            meld.send(0, 0, "second");
            sent[0] = 99;
            Message m = meld.receive(0);
            assertThat(m.source()).isZero();
            assertThat(m.longs()).containsExactly(1, 2, 3);
            assertThat(meld.receive(0, 0).object(String.class)).isEqualTo("second");
            assertThatThrownBy(m::bytes)
                    .isInstanceOf(ClassCastException.class)
                    .hasMessage("the message from node 0 with tag 0 carries a long[3], not a byte[]");
            assertThat(meld.allReduce(1L, LongOp.SUM)).isEqualTo(1);
        });
    }

    @Test
    void shouldRejectBadArgumentsNamingThem() {
        Meld.local(2, MeldConfig.defaults(), meld -> {
            assertThatThrownBy(() -> meld.send(2, 0, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node 2 is not a rank of this cluster of 2 nodes (0..1)");
            assertThatThrownBy(() -> meld.send(0, -1, new long[1]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("message tag -1 is negative: tags are 0 or more");
            assertThatThrownBy(() -> meld.send(0, 0, (Object) null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> meld.receive(-2, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("node -2 is not a rank");
            assertThatThrownBy(() -> meld.receive(-3)).isInstanceOf(IllegalArgumentException.class);
            meld.barrier();
        });
    }

    /** Waits (bounded by the test's timeout) until the thread parks: a receive or send that waits. */
    private static void awaitWaiting(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
    }

    private static Throwable catchReceive(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    static MessagingService service(Meld meld) throws ReflectiveOperationException {
        java.lang.reflect.Field f = meld.getClass().getDeclaredField("messaging");
        f.setAccessible(true);
        return (MessagingService) f.get(meld);
    }

    private static long[] longs(int seed, int n) {
        return new SplittableRandom(seed).longs(n).toArray();
    }

    private static double[] doubles(int seed, int n) {
        return new SplittableRandom(seed + 100).doubles(n, -1e300, 1e300).toArray();
    }

    private static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed + 200).nextBytes(b);
        return b;
    }
}
