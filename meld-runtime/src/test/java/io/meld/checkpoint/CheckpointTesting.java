package io.meld.checkpoint;

import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import java.util.concurrent.atomic.AtomicLong;

/** Values the checkpoint tests write and check: element {@code i} of an array is a function of {@code i}. */
final class CheckpointTesting {
    /** Chunks of 16 elements, so that every node's share is several chunks, and two threads per node. */
    static final MeldConfig SMALL_CHUNKS =
            MeldConfig.load().with("meld.memory.chunk-size", "16").with("meld.threads", "2");

    private CheckpointTesting() {}

    static long longValue(long i, long salt) {
        return i * 1_000_003L + salt;
    }

    static double doubleValue(long i, long salt) {
        return i * 0.5 + salt + 0.125;
    }

    /** Writes every element's value, through the node's own storage; a collective. */
    static void fill(Meld meld, GlobalArray a, long salt) {
        meld.forallLocal(a, span -> {
            if (a instanceof GlobalDoubleArray d) {
                double[] x = span.of(d);
                for (int j = span.start(); j < span.end(); j++) {
                    x[j] = doubleValue(span.globalIndex(j), salt);
                }
            } else {
                long[] x = span.of((GlobalLongArray) a);
                for (int j = span.start(); j < span.end(); j++) {
                    x[j] = longValue(span.globalIndex(j), salt);
                }
            }
        });
    }

    /** @return how many elements of the array, on every node, differ from their value; a collective */
    static long mismatches(Meld meld, GlobalArray a, long salt) {
        AtomicLong wrong = new AtomicLong();
        meld.forallLocal(a, span -> {
            for (int j = span.start(); j < span.end(); j++) {
                long i = span.globalIndex(j);
                boolean ok = a instanceof GlobalDoubleArray d
                        ? Double.doubleToRawLongBits(span.of(d)[j]) == Double.doubleToRawLongBits(doubleValue(i, salt))
                        : span.of((GlobalLongArray) a)[j] == longValue(i, salt);
                if (!ok) {
                    wrong.incrementAndGet();
                }
            }
        });
        return meld.allReduce(wrong.get(), LongOp.SUM);
    }
}
