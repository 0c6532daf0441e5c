package io.meld;

import java.util.function.LongBinaryOperator;

/**
 * The built-in operations on {@code long} values, for reductions and for accumulating into global memory.
 * Each is associative and commutative. Any other {@link LongBinaryOperator} works for reductions too;
 * these are recognised by name on the wire, so nodes that pass different ones are told so.
 */
public enum LongOp implements LongBinaryOperator {
    /** {@code a + b}, wrapping on overflow as Java's {@code +} does. */
    SUM {
        @Override
        public long applyAsLong(long a, long b) {
            return a + b;
        }
    },
    /** {@code Math.min(a, b)}. */
    MIN {
        @Override
        public long applyAsLong(long a, long b) {
            return Math.min(a, b);
        }
    },
    /** {@code Math.max(a, b)}. */
    MAX {
        @Override
        public long applyAsLong(long a, long b) {
            return Math.max(a, b);
        }
    },
    /** {@code a & b}. */
    AND {
        @Override
        public long applyAsLong(long a, long b) {
            return a & b;
        }
    },
    /** {@code a | b}. */
    OR {
        @Override
        public long applyAsLong(long a, long b) {
            return a | b;
        }
    },
    /** {@code a ^ b}. */
    XOR {
        @Override
        public long applyAsLong(long a, long b) {
            return a ^ b;
        }
    }
}
