package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Meld;
import io.meld.MeldException;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The requester's side of the answers: {@code MEMORY_REPLIES} records written field by field at {@link
 * ReplyDescriptor}'s offsets, read by {@link ReplyHandler#onReplies} into the waiting operations.
 */
@Timeout(60)
class ReplyHandlerTest {

    /** Appends a VALUES record of {@code ids[k]} answered with {@code values[k]}. */
    private static void values(ByteBuf b, int[] ids, long[] values) {
        int at = b.writerIndex();
        b.writeZero(ReplyDescriptor.VALUES_HEADER_LENGTH + ids.length * ReplyDescriptor.ENTRY_LENGTH);
        b.setByte(at + ReplyDescriptor.KIND_OFFSET, ReplyDescriptor.VALUES);
        b.setIntLE(at + ReplyDescriptor.VALUES_COUNT_OFFSET, ids.length);
        for (int k = 0; k < ids.length; k++) {
            int entry = at + ReplyDescriptor.VALUES_HEADER_LENGTH + k * ReplyDescriptor.ENTRY_LENGTH;
            b.setIntLE(entry + ReplyDescriptor.ENTRY_REQUEST_ID_OFFSET, ids[k]);
            b.setLongLE(entry + ReplyDescriptor.ENTRY_VALUE_OFFSET, values[k]);
        }
    }

    /** Appends an ERROR record for {@code id}. */
    private static void error(ByteBuf b, int id, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int at = b.writerIndex();
        b.writeZero(ReplyDescriptor.ERROR_HEADER_LENGTH + text.length);
        b.setByte(at + ReplyDescriptor.KIND_OFFSET, ReplyDescriptor.ERROR);
        b.setIntLE(at + ReplyDescriptor.ERROR_REQUEST_ID_OFFSET, id);
        b.setIntLE(at + ReplyDescriptor.ERROR_MESSAGE_LENGTH_OFFSET, text.length);
        b.setBytes(at + ReplyDescriptor.ERROR_HEADER_LENGTH, text);
    }

    private static Pending.Blocking waiting() {
        return new Pending.Blocking(0, Long.MAX_VALUE, null, OpCodec.FENCE, 0);
    }

    @Test
    void shouldCompleteEachWaitingOperationWithItsValueOrItsErrorInRecordOrder() {
        Meld.local(1, config(), meld -> {
            MemoryService service = service(meld.longArray("a", 1));
            Pending.Blocking first = waiting();
            Pending.Blocking second = waiting();
            Pending.Blocking failed = waiting();
            Pending.Blocking last = waiting();
            int a = service.pending.register(first);
            int b = service.pending.register(second);
            int c = service.pending.register(failed);
            int d = service.pending.register(last);
            ByteBuf frame = Unpooled.buffer();
            values(frame, new int[] {a, b}, new long[] {-1, 1L << 40});
            error(frame, c, "array #7 is gone");
            values(frame, new int[] {d}, new long[] {42});

            new ReplyHandler(service).onReplies(null, 0, frame);

            assertThat(frame.isReadable()).isFalse();
            assertThat(first.value()).isEqualTo(-1);
            assertThat(second.value()).isEqualTo(1L << 40);
            assertThat(last.value()).isEqualTo(42);
            assertThat(failed.isDone()).isTrue();
            assertThatThrownBy(failed::value)
                    .isInstanceOf(MeldException.class)
                    .hasMessageContaining("array #7 is gone");
            frame.release();
        });
    }

    @Test
    void shouldRefuseRecordsThatOverrunTheFrameOrAreOfAnUnknownKind() {
        Meld.local(1, config(), meld -> {
            ReplyHandler handler = new ReplyHandler(service(meld.longArray("a", 1)));
            ByteBuf truncated = Unpooled.buffer();
            values(truncated, new int[] {1}, new long[] {1});
            truncated.writerIndex(ReplyDescriptor.VALUES_HEADER_LENGTH - 1);
            assertThatThrownBy(() -> handler.onReplies(null, 0, truncated))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("truncated reply record");

            ByteBuf overrun = Unpooled.buffer();
            values(overrun, new int[] {1}, new long[] {1});
            overrun.writerIndex(overrun.writerIndex() - 1);
            assertThatThrownBy(() -> handler.onReplies(null, 0, overrun))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("reply record of 1 values overruns the frame");

            ByteBuf longMessage = Unpooled.buffer();
            error(longMessage, 1, "gone");
            longMessage.writerIndex(longMessage.writerIndex() - 1);
            assertThatThrownBy(() -> handler.onReplies(null, 0, longMessage))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("error record of 4 bytes overruns the frame");

            ByteBuf unknown = Unpooled.buffer().writeByte(ReplyDescriptor.ERROR + 1);
            assertThatThrownBy(() -> handler.onReplies(null, 0, unknown))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("unknown reply record kind " + (ReplyDescriptor.ERROR + 1));
        });
    }

    @Test
    void shouldRefuseBulkDataThatIsNotAHeaderAndWholeValues() {
        Meld.local(1, config(), meld -> {
            ReplyHandler handler = new ReplyHandler(service(meld.longArray("a", 1)));
            ByteBuf torn =
                    Unpooled.buffer().writeZero(BulkDescriptor.DATA_HEADER_LENGTH + BulkDescriptor.VALUE_LENGTH - 1);
            assertThatThrownBy(() -> handler.onBulkData(null, 0, torn))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("bulk data frame of " + torn.readableBytes() + " bytes");

            ByteBuf unknown =
                    Unpooled.buffer().writeZero(BulkDescriptor.DATA_HEADER_LENGTH + BulkDescriptor.VALUE_LENGTH);
            unknown.setIntLE(BulkDescriptor.DATA_REQUEST_ID_OFFSET, 12345);
            handler.onBulkData(null, 0, unknown); // nobody waits for it: dropped
        });
    }
}
