package io.meld.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.testing.PeerFrames;
import io.meld.transport.FrameType;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Jazzer fuzz test of the TASK frames a peer sends ({@link TaskCodec}), decoded with the reads {@link
 * TaskService#onFrame} makes, in its order, but without running the tasks (their bytes are the object
 * codec's, fuzzed on their own). The input is the peer's byte stream ({@link PeerFrames}); the corpus in
 * {@code TaskFramesFuzzTestInputs} starts from frames of every kind, with failures and stack frames.
 *
 * <p>The contract: each frame decodes or is refused with a {@link ProtocolException}, which closes the
 * connection; a finish report or a failure that decodes encodes to bytes that decode to the same.
 */
class TaskFramesFuzzTest {
    static final int SIZE = 4;

    @FuzzTest
    void shouldDecodeOrRefuseAnyTaskFrame(byte[] stream) {
        for (PeerFrames.Frame f : PeerFrames.of(stream)) {
            if (f.type() != FrameType.TASK) {
                continue; // another service's frame
            }
            try {
                decode(f.payload());
            } catch (ProtocolException e) {
                break; // the connection closes
            }
        }
    }

    /** What {@link TaskService#onFrame} reads of a frame. */
    private static void decode(ByteBuf payload) {
        switch (TaskCodec.kind(payload)) {
            case TaskCodec.SPAWN -> {
                if (TaskCodec.readFinish(payload) == null) {
                    throw new ProtocolException("a task belongs to no finish"); // as TaskService refuses it
                }
                TaskCodec.rest(payload);
            }
            case TaskCodec.CALL -> {
                payload.readLongLE();
                TaskCodec.readFinish(payload);
                TaskCodec.rest(payload);
            }
            case TaskCodec.RESULT -> {
                long request = payload.readLongLE();
                if (payload.readUnsignedByte() == TaskCodec.OK) {
                    TaskCodec.rest(payload);
                } else {
                    TaskCodec.TaskFailure failure = TaskCodec.readFailure(payload);
                    ByteBuf again = Unpooled.buffer();
                    TaskCodec.failure(again, request, failure);
                    assertThat(again.readableBytes()).isEqualTo(TaskCodec.failureLength(failure));
                    checkSameAfterRoundTrip(again);
                }
            }
            case TaskCodec.REPORT -> {
                long seq = payload.readLongLE();
                TaskCodec.Report report = TaskCodec.readReport(payload, SIZE);
                ByteBuf again = Unpooled.buffer();
                TaskCodec.report(again, seq, report);
                assertThat(again.readableBytes()).isEqualTo(TaskCodec.reportLength(report));
                checkSameAfterRoundTrip(again);
            }
            default -> throw new AssertionError("kind() returned an unknown kind");
        }
    }

    /** An encoded RESULT failure or REPORT decodes to values that encode to the same bytes. */
    private static void checkSameAfterRoundTrip(ByteBuf encoded) {
        byte[] first = ByteBufUtil.getBytes(encoded);
        int kind = TaskCodec.kind(encoded);
        ByteBuf again = Unpooled.buffer();
        if (kind == TaskCodec.RESULT) {
            long request = encoded.readLongLE();
            encoded.readUnsignedByte();
            TaskCodec.failure(again, request, TaskCodec.readFailure(encoded));
        } else {
            long seq = encoded.readLongLE();
            TaskCodec.report(again, seq, TaskCodec.readReport(encoded, SIZE));
        }
        assertThat(encoded.isReadable())
                .as("bytes left after decoding an encoding")
                .isFalse();
        assertThat(ByteBufUtil.getBytes(again)).isEqualTo(first);
    }
}
