package io.meld;

import java.util.function.DoubleBinaryOperator;

/**
 * The built-in operations on {@code double} values, for reductions and for accumulating into global
 * memory. Any other {@link DoubleBinaryOperator} works for reductions too; these are recognised by name
 * on the wire, so nodes that pass different ones are told so.
 */
public enum DoubleOp implements DoubleBinaryOperator {
    /** {@code a + b}. Floating-point addition is not associative: see each operation for its order. */
    SUM {
        @Override
        public double applyAsDouble(double a, double b) {
            return a + b;
        }
    },
    /** {@code Math.min(a, b)} (so {@code NaN} wins, and {@code -0.0 < 0.0}). */
    MIN {
        @Override
        public double applyAsDouble(double a, double b) {
            return Math.min(a, b);
        }
    },
    /** {@code Math.max(a, b)} (so {@code NaN} wins, and {@code -0.0 < 0.0}). */
    MAX {
        @Override
        public double applyAsDouble(double a, double b) {
            return Math.max(a, b);
        }
    }
}
