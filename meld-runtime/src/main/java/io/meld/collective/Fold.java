package io.meld.collective;

import io.meld.DoubleOp;
import io.meld.LongOp;
import io.meld.wire.Elements;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * An operator applied element by element to the arrays of ranks {@code 0..upTo-1}, in rank order; what the
 * reductions and scans compute. Also the one place where an operator becomes its code on the wire
 * ({@link #longOpCode}, {@link #doubleOpCode}) and a code becomes a name in messages ({@link #opName}):
 * the element types themselves ({@link Elements}) know nothing of operations.
 *
 * <p>Concurrency: the folds are immutable if their operator is.
 *
 * @param <A> the array type
 */
interface Fold<A> {
    /**
     * @return the operation code sent on the wire ({@link CollectiveCodec#OP_CUSTOM} for the program's own)
     * @throws NullPointerException when the operator is {@code null}
     */
    int code();

    /**
     * @param byRank each rank's array, all of {@code length} elements
     * @param upTo how many ranks to fold, from rank 0; none gives an array of the identity
     * @param length the length of every array
     * @return a new array of the folds
     */
    A fold(A[] byRank, int upTo, int length);

    /** @return the operation code of {@code op} */
    static int longOpCode(LongBinaryOperator op) {
        Objects.requireNonNull(op, "op");
        return op instanceof LongOp l ? l.ordinal() + 1 : CollectiveCodec.OP_CUSTOM;
    }

    /** @return the operation code of {@code op} */
    static int doubleOpCode(DoubleBinaryOperator op) {
        Objects.requireNonNull(op, "op");
        return op instanceof DoubleOp d ? d.ordinal() + 1 : CollectiveCodec.OP_CUSTOM;
    }

    /** @return what operation code {@code code} of a collective on {@code type} means, for messages */
    static String opName(Elements<?> type, int code) {
        if (code == CollectiveCodec.OP_CUSTOM) {
            return "a custom operator";
        }
        Enum<?>[] ops = switch (type) {
            case Elements.Longs l -> LongOp.values();
            case Elements.Doubles d -> DoubleOp.values();
            case Elements.Bytes b -> new Enum<?>[0];
        };
        return code >= 1 && code <= ops.length ? ops[code - 1].name() : "operation " + code;
    }

    /** @return the fold of {@code op}, whose empty fold is {@code identity}; {@code op} is checked by {@link #code()} */
    static Fold<long[]> longs(LongBinaryOperator op, long identity) {
        return new Fold<>() {
            @Override
            public int code() {
                return longOpCode(op);
            }

            @Override
            public long[] fold(long[][] byRank, int upTo, int length) {
                long[] acc = new long[length];
                if (upTo == 0) {
                    Arrays.fill(acc, identity);
                    return acc;
                }
                System.arraycopy(byRank[0], 0, acc, 0, length);
                for (int r = 1; r < upTo; r++) {
                    long[] v = byRank[r];
                    for (int i = 0; i < length; i++) {
                        acc[i] = op.applyAsLong(acc[i], v[i]);
                    }
                }
                return acc;
            }
        };
    }

    /** @return the fold of {@code op}, whose empty fold is {@code identity}; {@code op} is checked by {@link #code()} */
    static Fold<double[]> doubles(DoubleBinaryOperator op, double identity) {
        return new Fold<>() {
            @Override
            public int code() {
                return doubleOpCode(op);
            }

            @Override
            public double[] fold(double[][] byRank, int upTo, int length) {
                double[] acc = new double[length];
                if (upTo == 0) {
                    Arrays.fill(acc, identity);
                    return acc;
                }
                System.arraycopy(byRank[0], 0, acc, 0, length);
                for (int r = 1; r < upTo; r++) {
                    double[] v = byRank[r];
                    for (int i = 0; i < length; i++) {
                        acc[i] = op.applyAsDouble(acc[i], v[i]);
                    }
                }
                return acc;
            }
        };
    }
}
