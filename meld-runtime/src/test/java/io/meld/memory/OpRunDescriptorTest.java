package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The layout of {@code MEMORY_OPS} payloads, checked field by field through the descriptor's offsets. */
class OpRunDescriptorTest {

    @Test
    void shouldWriteAFenceAsOneRunOfOneFenceElementAfterWhatTheBufferHolds() {
        ByteBuf b = Unpooled.buffer(1).writeByte(0x7f);
        try {
            OpRunDescriptor.writeFence(b, 42);

            assertThat(b.readableBytes()).isEqualTo(1 + OpRunDescriptor.FENCE_LENGTH);
            int run = 1;
            assertThat(b.getUnsignedByte(0)).isEqualTo((short) 0x7f);
            assertThat(b.getUnsignedByte(run + OpRunDescriptor.OPCODE_OFFSET)).isEqualTo((short) OpCodec.FENCE);
            assertThat(b.getUnsignedByte(run + OpRunDescriptor.FLAGS_OFFSET)).isZero();
            assertThat(b.getUnsignedByte(run + OpRunDescriptor.OPERATION_OFFSET))
                    .isZero();
            assertThat(b.getUnsignedByte(run + OpRunDescriptor.RESERVED_OFFSET)).isZero();
            assertThat(b.getIntLE(run + OpRunDescriptor.ARRAY_ID_OFFSET)).isZero();
            assertThat(b.getIntLE(run + OpRunDescriptor.COUNT_OFFSET)).isEqualTo(1);
            assertThat(b.getIntLE(run + OpRunDescriptor.headerLength(0))).isEqualTo(42);
            assertThat(OpRunDescriptor.elementLength(OpCodec.FENCE, 0)).isEqualTo(OpRunDescriptor.FENCE_ELEMENT_LENGTH);
        } finally {
            b.release();
        }
    }

    @Test
    void shouldSizeElementsByTheirFieldsAsTheLayoutDrawsThem() {
        int id = OpRunDescriptor.REQUEST_ID_LENGTH;
        int narrow = OpRunDescriptor.NARROW_SLOT_LENGTH;
        int wide = OpRunDescriptor.WIDE_SLOT_LENGTH;
        int operand = OpRunDescriptor.OPERAND_LENGTH;

        assertThat(OpRunDescriptor.elementLength(OpCodec.ADD, 0)).isEqualTo(narrow + operand);
        assertThat(OpRunDescriptor.elementLength(OpCodec.ADD, OpCodec.SHARED)).isEqualTo(narrow);
        assertThat(OpRunDescriptor.elementLength(OpCodec.GET, OpCodec.WIDE)).isEqualTo(id + wide);
        assertThat(OpRunDescriptor.elementLength(OpCodec.GET_AND_ADD, OpCodec.SHARED | OpCodec.WIDE))
                .isEqualTo(id + wide);
        assertThat(OpRunDescriptor.elementLength(OpCodec.CAS, 0)).isEqualTo(id + narrow + 2 * operand);
        assertThat(OpRunDescriptor.elementLength(OpCodec.BULK_GET, 0))
                .isEqualTo(OpRunDescriptor.BULK_GET_ELEMENT_LENGTH)
                .isEqualTo(OpRunDescriptor.BULK_GET_COUNT_OFFSET + Integer.BYTES);
        assertThat(OpRunDescriptor.headerLength(0)).isEqualTo(OpRunDescriptor.HEADER_LENGTH);
        assertThat(OpRunDescriptor.headerLength(OpCodec.SHARED))
                .isEqualTo(OpRunDescriptor.SHARED_OPERAND_OFFSET + OpRunDescriptor.SHARED_OPERAND_LENGTH);
    }
}
