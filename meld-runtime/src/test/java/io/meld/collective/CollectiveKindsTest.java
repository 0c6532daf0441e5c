package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.collective.CollectiveCodec.Kind;
import org.junit.jupiter.api.Test;

/**
 * The kinds of collective frames and their element types, without a cluster: the codes and element sizes on
 * the wire, and the names in messages. The element types' own copies to and from a frame are {@code
 * io.meld.wire.ElementsTest}'s.
 */
class CollectiveKindsTest {
    @Test
    void shouldKeepEveryKindsCodeAndElementSizeOnTheWire() {
        // Code and element size of every kind, as peers running other builds expect them.
        int[][] wire = {
            {1, 0}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {6, 1}, {7, 0}, {8, 1}, {9, 1}, {10, 8}, {11, 8}, {12, 1}, {13, 8},
            {14, 8}, {15, 1}, {16, 8}, {17, 8}, {18, 1}, {19, 8}, {20, 8}, {21, 8}, {22, 8}, {23, 8}, {24, 8}, {25, 8},
            {26, 8}, {27, 8}, {28, 8}, {29, 8}, {30, 8}, {31, 8}, {32, 8}
        };

        assertThat(Kind.values()).hasSize(wire.length);
        for (int[] kind : wire) {
            assertThat(Kind.of(kind[0]).elementSize).as("kind %d", kind[0]).isEqualTo(kind[1]);
            assertThat(Kind.of(kind[0]).code).isEqualTo(kind[0]);
        }
    }

    @Test
    void shouldNameEachKindsElementTypeInItsArgument() {
        for (Kind kind : Kind.values()) {
            if (kind.elements != null && kind.argument != null) {
                assertThat(kind.argument).as(kind.name()).startsWith(kind.elements.name());
            }
        }
    }

    @Test
    void shouldDescribeCallsAsTheProgramWroteThem() {
        assertThat(new Signature(Kind.BARRIER, 0, -1).describe()).isEqualTo("barrier()");
        assertThat(new Signature(Kind.CLOSE, 0, -1).describe()).isEqualTo("close()");
        assertThat(new Signature(Kind.REDUCE_LONG, LongOp.SUM.ordinal() + 1, -1).describe())
                .isEqualTo("allReduce(long, SUM)");
        assertThat(new Signature(Kind.REDUCE_DOUBLES, CollectiveCodec.OP_CUSTOM, 2).describe())
                .isEqualTo("reduce(double[], a custom operator, root 2)");
        assertThat(new Signature(Kind.EXCLUSIVE_SCAN_DOUBLE, DoubleOp.values().length + 1, -1).describe())
                .isEqualTo("exclusiveScan(double, operation " + (DoubleOp.values().length + 1) + ")");
        assertThat(new Signature(Kind.GATHER_BYTES, 0, 1).describe()).isEqualTo("gather(byte[], root 1)");
        assertThat(new Signature(Kind.ALL_TO_ALL_LONGS, 0, -1).describe()).isEqualTo("allToAll(long[][])");
    }
}
