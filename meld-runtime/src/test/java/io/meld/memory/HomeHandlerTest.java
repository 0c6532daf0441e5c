package io.meld.memory;

import static io.meld.memory.MemoryTesting.config;
import static io.meld.memory.MemoryTesting.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The home's side of the wire format: runs of operations written byte by byte as {@link OpRunDescriptor}
 * lays them out, applied by {@link HomeHandler#applyLocal} on one node (whose slots are its indices). Runs the
 * loops of random-access streams (additions of doubles, accumulations with an operand each) and the
 * checks a malformed run must fail, naming what is wrong.
 */
@Timeout(60)
class HomeHandlerTest {

    /** One run: the header, the shared operand when {@code shared} is not null, then the elements. */
    private static byte[] run(
            int opcode, int flags, int operation, int array, Long shared, long[] slots, long[] operands) {
        int count = slots.length;
        ByteBuffer b = ByteBuffer.allocate(OpRunDescriptor.HEADER_LENGTH
                        + OpRunDescriptor.SHARED_OPERAND_LENGTH
                        + count * (OpRunDescriptor.NARROW_SLOT_LENGTH + OpRunDescriptor.OPERAND_LENGTH))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(OpRunDescriptor.OPCODE_OFFSET, (byte) opcode);
        b.put(OpRunDescriptor.FLAGS_OFFSET, (byte) flags);
        b.put(OpRunDescriptor.OPERATION_OFFSET, (byte) operation);
        b.put(OpRunDescriptor.RESERVED_OFFSET, (byte) 0);
        b.putInt(OpRunDescriptor.ARRAY_ID_OFFSET, array);
        b.putInt(OpRunDescriptor.COUNT_OFFSET, count);
        b.position(OpRunDescriptor.HEADER_LENGTH);
        if (shared != null) {
            b.putLong(OpRunDescriptor.SHARED_OPERAND_OFFSET, shared);
            b.position(OpRunDescriptor.SHARED_OPERAND_OFFSET + OpRunDescriptor.SHARED_OPERAND_LENGTH);
        }
        for (int k = 0; k < count; k++) {
            b.putInt((int) slots[k]);
            if (operands != null) {
                b.putLong(operands[k]);
            }
        }
        byte[] bytes = new byte[b.position()];
        b.flip().get(bytes);
        return bytes;
    }

    private static void apply(HomeHandler home, byte[] run) {
        home.applyLocal(run, run.length);
    }

    @Test
    void shouldApplyRunsOfAccumulationsAndAdditionsWithOperandsOrSharedAsTheirElementsSay() {
        Meld.local(1, config(), meld -> {
            GlobalLongArray longs = meld.longArray("longs", 100);
            GlobalDoubleArray doubles = meld.doubleArray("doubles", 100);
            HomeHandler home = new HomeHandler(service(longs));
            int l = ((ArrayHandle) longs).storage.id;
            int d = ((ArrayHandle) doubles).storage.id;
            longs.set(9, 50);
            // XOR with an operand each, an element named twice.
            long[] xors = {0b101, 0b11, 0b110};
            apply(home, run(OpCodec.ACCUMULATE, 0, LongOp.XOR.ordinal(), l, null, new long[] {3, 7, 3}, xors));
            // MIN: one no-op, one change.
            long[] mins = {70, 20};
            apply(home, run(OpCodec.ACCUMULATE, 0, LongOp.MIN.ordinal(), l, null, new long[] {9, 9}, mins));
            // Longs added with a different value each.
            apply(home, run(OpCodec.ADD, 0, 0, l, null, new long[] {1, 2, 1}, new long[] {5, -4, 6}));
            // Doubles added, one shared value, and a double accumulation with an operand each.
            apply(
                    home,
                    run(
                            OpCodec.ADD,
                            OpCodec.SHARED | OpCodec.DOUBLE,
                            0,
                            d,
                            Double.doubleToRawLongBits(0.25),
                            new long[] {4, 5, 5},
                            null));
            apply(
                    home,
                    run(
                            OpCodec.ACCUMULATE,
                            OpCodec.DOUBLE,
                            DoubleOp.MAX.ordinal(),
                            d,
                            null,
                            new long[] {4, 6},
                            new long[] {Double.doubleToRawLongBits(-1.0), Double.doubleToRawLongBits(2.5)}));
            assertThat(longs.get(3)).isEqualTo(0b101 ^ 0b110);
            assertThat(longs.get(7)).isEqualTo(0b11);
            assertThat(longs.get(9)).isEqualTo(20);
            assertThat(longs.get(1)).isEqualTo(11);
            assertThat(longs.get(2)).isEqualTo(-4);
            assertThat(doubles.get(4)).isEqualTo(0.25);
            assertThat(doubles.get(5)).isEqualTo(0.5);
            assertThat(doubles.get(6)).isEqualTo(2.5);
        });
    }

    @Test
    void shouldFailARunThatIsMalformedNamingWhatIsWrong() {
        Meld.local(1, config(), meld -> {
            GlobalLongArray longs = meld.longArray("checked", 100);
            HomeHandler home = new HomeHandler(service(longs));
            int l = ((ArrayHandle) longs).storage.id;
            long outside = (3L << 20) + 1;
            for (byte[] bad : new byte[][] {
                run(OpCodec.ADD, OpCodec.SHARED, 0, l, 1L, new long[] {1, outside}, null),
                run(OpCodec.ACCUMULATE, 0, LongOp.XOR.ordinal(), l, null, new long[] {2, outside}, new long[] {1, 1}),
                run(OpCodec.ADD, 0, 0, l, null, new long[] {outside}, new long[] {1})
            }) {
                assertThatThrownBy(() -> apply(home, bad))
                        .isInstanceOf(ProtocolException.class)
                        .hasMessageContaining("slot " + outside)
                        .hasMessageContaining("'checked'")
                        .hasMessageContaining("node 0");
            }
            // Slot 100 is in this node's chunk but past the array's end.
            assertThatThrownBy(() -> apply(home, run(OpCodec.ADD, OpCodec.SHARED, 0, l, 1L, new long[] {100}, null)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("slot 100");
            assertThatThrownBy(() -> apply(home, run(77, 0, 0, l, null, new long[0], null)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("opcode 77");
            assertThatThrownBy(
                            () -> apply(home, run(OpCodec.ACCUMULATE, 0, 99, l, null, new long[] {1}, new long[] {1})))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("operation 99");
            assertThatThrownBy(() -> apply(
                            home, run(OpCodec.ADD, OpCodec.SHARED | OpCodec.DOUBLE, 0, l, 1L, new long[] {1}, null)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("'checked' is long");
            byte[] overrun =
                    run(OpCodec.ACCUMULATE, 0, LongOp.XOR.ordinal(), l, null, new long[] {1, 2}, new long[] {1, 1});
            assertThatThrownBy(() -> home.applyLocal(overrun, overrun.length - 1))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("overruns the frame");
        });
    }

    /** A BULK_PUT frame's payload with a signal: the header, the signal, the values. */
    private static ByteBuf putWithSignal(
            int array, long slot, int flags, int signalOp, long flagSlot, long value, long... values) {
        int header = BulkDescriptor.putHeaderLength(BulkDescriptor.SIGNAL);
        ByteBuf b = Unpooled.buffer().writeZero(header + values.length * BulkDescriptor.VALUE_LENGTH);
        b.setIntLE(BulkDescriptor.PUT_REQUEST_ID_OFFSET, 0);
        b.setIntLE(BulkDescriptor.PUT_ARRAY_ID_OFFSET, array);
        b.setLongLE(BulkDescriptor.PUT_SLOT_OFFSET, slot);
        b.setIntLE(BulkDescriptor.SIGNAL_OFFSET + BulkDescriptor.SIGNAL_ARRAY_ID_OFFSET, flags);
        b.setIntLE(BulkDescriptor.SIGNAL_OFFSET + BulkDescriptor.SIGNAL_OPCODE_OFFSET, signalOp);
        b.setLongLE(BulkDescriptor.SIGNAL_OFFSET + BulkDescriptor.SIGNAL_SLOT_OFFSET, flagSlot);
        b.setLongLE(BulkDescriptor.SIGNAL_OFFSET + BulkDescriptor.SIGNAL_VALUE_OFFSET, value);
        for (int k = 0; k < values.length; k++) {
            b.setLongLE(header + k * BulkDescriptor.VALUE_LENGTH, values[k]);
        }
        return b;
    }

    @Test
    void shouldApplyAPutsSignalAfterItsDataAndRefuseAMalformedOneNamingWhatIsWrong() {
        Meld.local(1, config(), meld -> {
            GlobalLongArray data = meld.longArray("data", 10);
            GlobalLongArray flags = meld.longArray("flags", 2);
            GlobalDoubleArray doubles = meld.doubleArray("doubles", 2);
            HomeHandler home = new HomeHandler(service(data));
            int d = ((ArrayHandle) data).storage.id;
            int f = ((ArrayHandle) flags).storage.id;
            int x = ((ArrayHandle) doubles).storage.id;
            home.onBulkPut(null, BulkDescriptor.SIGNAL, putWithSignal(d, 3, f, OpCodec.ADD, 1, 5, 30, 40));
            assertThat(data.get(3)).isEqualTo(30);
            assertThat(data.get(4)).isEqualTo(40);
            assertThat(flags.get(1)).isEqualTo(5);
            assertThatThrownBy(() ->
                            home.onBulkPut(null, BulkDescriptor.SIGNAL, putWithSignal(d, 0, f, OpCodec.CAS, 0, 1)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("signal opcode " + OpCodec.CAS);
            assertThatThrownBy(() ->
                            home.onBulkPut(null, BulkDescriptor.SIGNAL, putWithSignal(d, 0, x, OpCodec.PUT, 0, 1)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("array #" + x)
                    .hasMessageContaining("not a long array");
            assertThatThrownBy(() ->
                            home.onBulkPut(null, BulkDescriptor.SIGNAL, putWithSignal(d, 0, f, OpCodec.PUT, 7, 1)))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("slot 7 of array 'flags'");
            ByteBuf truncated = Unpooled.buffer().writeZero(BulkDescriptor.PUT_HEADER_LENGTH);
            truncated.setIntLE(BulkDescriptor.PUT_ARRAY_ID_OFFSET, d);
            assertThatThrownBy(() -> home.onBulkPut(null, BulkDescriptor.SIGNAL, truncated))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("with a signal");
        });
    }
}
