package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "A malformed, truncated, oversize or unknown-type frame closes that connection with a logged reason;
 * the node keeps serving everyone else." Each case throws bad bytes from a {@link RawPeer} at node 2 of
 * a cluster of 3 whose nodes 1 and 2 are real, then checks that node 2 closed that connection, logged a
 * warning naming the reason and the connection, and still carries frames to and from node 1.
 */
@Timeout(30)
@ExtendWith(LeakCheck.class)
class MalformedInputTest {
    private static final int MAX = 64 << 10;
    private static final int T = TestCluster.TEST_TYPE;

    /** What a case does to its connection. */
    @FunctionalInterface
    interface Attack {
        void run(RawPeer raw) throws IOException;
    }

    static Stream<Arguments> attacks() {
        return Stream.of(
                attack(
                        "an HTTP request",
                        raw -> raw.write("GET / HTTP/1.1\r\nHost: meld\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                        false,
                        "frame length 542393671 is outside 16..65536",
                        "not a Meld peer"),
                attack(
                        "a length below the header's",
                        raw -> raw.write(RawPeer.frame(15, FrameType.HELLO, 0, 0, new byte[0])),
                        false,
                        "frame length 15 is outside 16..65536"),
                attack(
                        "a length above the maximum",
                        raw -> raw.write(RawPeer.frame(MAX + 1, FrameType.HELLO, 0, 0, new byte[0])),
                        false,
                        "frame length 65537 is outside 16..65536 (meld.transport.max-frame-size)"),
                attack(
                        "a negative length",
                        raw -> raw.write(RawPeer.frame(-1, FrameType.HELLO, 0, 0, new byte[0])),
                        false,
                        "frame length 4294967295 is outside"),
                attack(
                        "an oversize frame after the handshake",
                        raw -> handshake(raw).write(RawPeer.frame(MAX + 1, T, 0, 1, new byte[100])),
                        true,
                        "frame length 65537 is outside"),
                attack(
                        "an unknown type",
                        raw -> raw.write(RawPeer.frame(77, 0, 0, new byte[8])),
                        false,
                        "unknown frame type 77"),
                attack(
                        "an unknown type after the handshake",
                        raw -> handshake(raw).write(RawPeer.frame(0, 0, 1, new byte[0])),
                        true,
                        "unknown frame type 0"),
                attack(
                        "a frame cut short by the end of the stream",
                        raw -> {
                            byte[] frame = RawPeer.frame(T, 0, 1, new byte[1000]);
                            handshake(raw).write(Arrays.copyOf(frame, 500));
                            raw.shutdownOutput();
                        },
                        true,
                        "truncated frame: the connection closed after 500 of 1016 bytes"),
                attack(
                        "a header cut short by the end of the stream",
                        raw -> {
                            handshake(raw).write(Arrays.copyOf(RawPeer.frame(T, 0, 1, new byte[50]), 10));
                            raw.shutdownOutput();
                        },
                        true,
                        "truncated frame: the connection closed after 10 of 66 bytes"),
                attack(
                        "a HELLO cut short by the end of the stream",
                        raw -> {
                            raw.write(
                                    Arrays.copyOf(RawPeer.frame(FrameType.HELLO, 0, 0, RawPeer.handshake(0, 2, 3)), 3));
                            raw.shutdownOutput();
                        },
                        false,
                        "truncated frame: the connection closed after 3 bytes"),
                attack(
                        "a gap in the sequence numbers",
                        raw -> handshake(raw).write(RawPeer.frame(T, 0, 2, new byte[4])),
                        true,
                        "frame sequence number 2 where 1 was due"),
                attack(
                        "a repeated sequence number",
                        raw -> handshake(raw).write(RawPeer.frame(T, 0, 0, new byte[4])),
                        true,
                        "frame sequence number 0 where 1 was due"),
                attack(
                        "a HELLO whose sequence number is not 0",
                        raw -> raw.write(RawPeer.frame(FrameType.HELLO, 0, 7, RawPeer.handshake(0, 2, 3))),
                        false,
                        "frame sequence number 7 where 0 was due"),
                attack(
                        "a data frame before the handshake",
                        raw -> raw.write(RawPeer.frame(T, 0, 0, new byte[40])),
                        false,
                        "not a Meld peer: the first frame is " + FrameType.name(T) + ", not HELLO"),
                attack(
                        "a WELCOME to the accepting node",
                        raw -> raw.write(RawPeer.frame(FrameType.WELCOME, 0, 0, RawPeer.handshake(0, 2, 3))),
                        false,
                        "the first frame is WELCOME, not HELLO"),
                attack(
                        "a HELLO whose payload is too short",
                        raw -> raw.write(
                                RawPeer.frame(FrameType.HELLO, 0, 0, Arrays.copyOf(RawPeer.handshake(0, 2, 3), 20))),
                        false,
                        "handshake payload of 20 bytes, expected 40"),
                attack(
                        "a HELLO whose payload is empty",
                        raw -> raw.write(RawPeer.frame(FrameType.HELLO, 0, 0, new byte[0])),
                        false,
                        "the first frame carries no Meld handshake"),
                attack(
                        "a HELLO after the handshake",
                        raw -> handshake(raw).write(RawPeer.frame(FrameType.HELLO, 0, 1, RawPeer.handshake(0, 2, 3))),
                        true,
                        "HELLO frame after the handshake"),
                attack(
                        "a REJECT after the handshake",
                        raw -> handshake(raw).write(RawPeer.frame(FrameType.REJECT, 0, 1, new byte[3])),
                        true,
                        "REJECT frame after the handshake"),
                attack(
                        "a payload the handler refuses",
                        raw -> handshake(raw)
                                .write(RawPeer.frame(T, RecordingFrameHandler.POISON_FLAGS, 1, new byte[33])),
                        true,
                        "the test handler refuses a payload of 33 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void shouldCloseTheConnectionLogTheReasonAndKeepServingTheOthers(
            Attack attack, boolean handshaken, String reason, String[] moreReason) throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            int mark = LogCapture.mark();
            attack.run(raw);
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT))
                    .as("node 2 closed the connection")
                    .isTrue();
            String line = LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), reason);
            for (String more : moreReason) {
                assertThat(line).contains(more);
            }
            assertThat(c.received(2).from(0))
                    .as("frames node 2 handed to its handler")
                    .isEmpty();
            if (handshaken) {
                Await.until(
                        "node 2 to drop the link to node 0",
                        () -> !c.linkDowns(2).isEmpty());
                assertThat(c.linkDowns(2)).hasSize(1);
                assertThat(c.linkDowns(2).get(0).cause())
                        .isInstanceOf(ProtocolException.class)
                        .hasMessageContaining(reason);
            }
            assertThat(c.node(2).link(0)).isNull();
            c.assertLinkWorks(1, 2);
            // and node 2 still accepts node 0 when it comes back speaking the protocol.
            try (RawPeer again = RawPeer.connect(c.address(2))) {
                assertThat(again.hello(0, 2, 3).type()).isEqualTo(FrameType.WELCOME);
                again.write(RawPeer.frame(T, 5, 1, new byte[] {42}));
                assertThat(c.received(2).awaitFrom(0, 1).get(0).payload()).containsExactly(42);
            }
            assertThat(LogCapture.linesSince(mark))
                    .as("exactly one warning for the connection")
                    .filteredOn(l -> l.contains("WARN") && l.contains("127.0.0.1:" + raw.localPort()))
                    .hasSize(1);
        }
    }

    @Test
    void shouldHandNothingToAHandlerAfterAProtocolErrorEvenFromTheSameRead() throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            int mark = LogCapture.mark();
            // One write, so that the node reads all three frames at once: the first breaks the protocol.
            handshake(raw)
                    .write(
                            RawPeer.frame(T, RecordingFrameHandler.POISON_FLAGS, 1, new byte[1]),
                            RawPeer.frame(T, 0, 2, new byte[2]),
                            RawPeer.frame(T, 0, 3, new byte[3]));
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), "the test handler refuses");
            Await.until(
                    "node 2 to drop the link to node 0", () -> !c.linkDowns(2).isEmpty());
            c.assertLinkWorks(1, 2);
            assertThat(c.received(2).from(0)).as("frames after the refused one").isEmpty();
        }
    }

    @Test
    void shouldHandNothingToAHandlerAfterASequenceGapEvenFromTheSameRead() throws IOException {
        try (TestCluster c = TestCluster.of(3).ranks(1, 2).start();
                RawPeer raw = RawPeer.connect(c.address(2))) {
            int mark = LogCapture.mark();
            handshake(raw).write(RawPeer.frame(T, 0, 5, new byte[1]), RawPeer.frame(T, 0, 1, new byte[2]));
            assertThat(raw.awaitClosedByNode(Await.TIMEOUT)).isTrue();
            LogCapture.awaitLine(mark, "WARN", "127.0.0.1:" + raw.localPort(), "frame sequence number 5 where 1");
            Await.until(
                    "node 2 to drop the link to node 0", () -> !c.linkDowns(2).isEmpty());
            c.assertLinkWorks(1, 2);
            assertThat(c.received(2).from(0)).as("frames after the gap").isEmpty();
        }
    }

    private static RawPeer handshake(RawPeer raw) throws IOException {
        RawPeer.RawFrame welcome = raw.hello(0, 2, 3);
        assertThat(welcome.type()).as("the answer to HELLO").isEqualTo(FrameType.WELCOME);
        return raw;
    }

    private static Arguments attack(String name, Attack attack, boolean handshaken, String reason, String... more) {
        return Arguments.of(Named.of(name, attack), handshaken, reason, more);
    }
}
