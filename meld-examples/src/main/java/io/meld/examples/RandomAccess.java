package io.meld.examples;

import io.meld.GlobalLongArray;
import io.meld.LocalSpan;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * HPCC RandomAccess: {@code 4 * 2^k} XOR updates to a global table of {@code 2^k} longs, at indices and
 * with values drawn from HPCC's pseudo-random stream, then HPCC's check.
 *
 * <p>The table starts as {@code T[i] = i}. The stream is HPCC's: {@code x <- (x << 1) XOR (x < 0 ? POLY :
 * 0)} with {@code POLY = 7}, a shift register over GF(2) whose period is {@link #PERIOD}; update {@code u}
 * uses the {@code (u+1)}-th value {@code x} and does {@code T[x & (2^k - 1)] ^= x}. The stream is cut into
 * {@link #PIECES} pieces, run by an owner-computes {@code forall} over all threads of all nodes; each
 * piece starts at its own place in the stream with {@link #starts(long)} (HPCC_starts, which jumps {@code
 * n} steps ahead in {@code O(log n)} by squaring in GF(2)), so the updates are the same whatever the node
 * and thread counts. The updates go out {@value #LOOK_AHEAD} at a time (the look-ahead HPCC allows) as one
 * fire-and-forget {@code accumulate(indices, XOR, values, ...)}: the elements of this node are updated at
 * once, the others shipped to their homes and combined with others bound there.
 *
 * <p>The check is HPCC's: run the same updates again. XOR is its own inverse, so the table must be back
 * at {@code T[i] = i}; count the entries that are not. HPCC accepts up to 1% wrong entries (it lets an
 * implementation drop racing updates); Meld's updates are atomic at their home, so this example accepts
 * none. A second check catches what the first cannot (updates that are never applied pass a replay): after
 * the first pass, the XOR of all entries must equal the XOR of all indices and all update values.
 */
final class RandomAccess implements Example {
    /** The stream's feedback polynomial. */
    static final long POLY = 0x7L;

    /** The period of the stream. */
    static final long PERIOD = 1317624576693539401L;

    /** Pieces of the stream, fixed so that the work does not depend on the cluster. */
    static final int PIECES = 1024;

    /** How many updates a thread makes per call: HPCC RandomAccess lets an update wait for 1,023 others. */
    static final int LOOK_AHEAD = 1024;

    @Override
    public String name() {
        return "randomaccess";
    }

    @Override
    public String description() {
        return "HPCC RandomAccess: 4 x 2^K XOR updates from HPCC's random stream to a global table;"
                + " checked by replaying them (HPCC's rule) and by a checksum";
    }

    @Override
    public List<ExampleOption> options() {
        return List.of(
                ExampleOption.number("table-log2", "K", 20, 4, 34, "the table has 2^K longs"),
                ExampleOption.flag("corrupt", "flip one table entry after the updates, to show the check failing")
                        .hide());
    }

    @Override
    public ExampleResult run(Meld meld, ExampleOptions options, Log log) {
        int log2 = options.getInt("table-log2");
        long size = 1L << log2;
        long mask = size - 1;
        long updates = 4 * size;
        GlobalLongArray table = meld.longArray("randomaccess.table", size);
        try {
            // Every node fills its own entries in place: T[i] = i.
            meld.forallLocal(table, span -> {
                long[] t = span.of(table);
                for (int j = span.start(); j < span.end(); j++) {
                    t[j] = span.globalIndex(j);
                }
            });

            long[] pieceXor = new long[PIECES];
            long start = System.nanoTime();
            meld.forall(0, PIECES, p -> pieceXor[(int) p] = update(table, mask, updates, (int) p));
            double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, Math::max);
            long streamXor = 0; // pieces of other nodes stay 0
            for (long x : pieceXor) {
                streamXor ^= x;
            }

            // The XOR of all entries after the first pass: every index once, every update value once.
            long tableXor = meld.allReduce(localXor(table), LongOp.XOR);
            long expectedXor = meld.allReduce(streamXor, LongOp.XOR) ^ xorOfIndices(size);

            // After the checksum, so that the replay check is the one to catch it.
            if (options.isSet("corrupt") && meld.rank() == 0) {
                table.accumulate(size / 2, LongOp.XOR, 1L << 40); // one wrong entry, as a lost update would leave
            }
            meld.barrier();

            meld.forall(0, PIECES, p -> update(table, mask, updates, (int) p));
            LongAdder wrong = new LongAdder();
            meld.forallLocal(table, span -> {
                long[] t = span.of(table);
                int bad = 0;
                for (int j = span.start(); j < span.end(); j++) {
                    bad += t[j] != span.globalIndex(j) ? 1 : 0;
                }
                wrong.add(bad);
            });
            long errors = meld.allReduce(wrong.sum(), LongOp.SUM);

            String figures = String.format(
                    Locale.ROOT,
                    "table=2^%d updates=%d seconds=%.3f GUPS=%.6f errors=%d nodes=%d threads=%d",
                    log2,
                    updates,
                    seconds,
                    updates / seconds / 1e9,
                    errors,
                    meld.size(),
                    meld.threads());
            log.println(String.format(
                    Locale.ROOT,
                    "randomaccess: %,d XOR updates to 2^%d longs on %d nodes x %d thread(s) in %.3f s: %.4f GUP/s;"
                            + " replay left %d of %,d entries wrong (HPCC allows 1%%; Meld's atomic updates should"
                            + " leave none)",
                    updates,
                    log2,
                    meld.size(),
                    meld.threads(),
                    seconds,
                    updates / seconds / 1e9,
                    errors,
                    size));
            if (tableXor != expectedXor) {
                return ExampleResult.fail(String.format(
                        Locale.ROOT,
                        "the table's XOR after the updates is %016x, expected %016x (updates lost or doubled); %s",
                        tableXor,
                        expectedXor,
                        figures));
            }
            if (errors != 0) {
                return ExampleResult.fail(errors + " of " + size + " entries wrong after the replay; " + figures);
            }
            return ExampleResult.ok(figures);
        } finally {
            table.close();
        }
    }

    /**
     * Applies piece {@code p} of the stream.
     *
     * @return the XOR of the piece's values
     */
    static long update(GlobalLongArray table, long mask, long updates, int p) {
        long from = updates / PIECES * p + Math.min(p, updates % PIECES);
        long to = from + updates / PIECES + (p < updates % PIECES ? 1 : 0);
        long ran = starts(from);
        long xor = 0;
        long[] indices = new long[LOOK_AHEAD];
        long[] values = new long[LOOK_AHEAD];
        for (long u = from; u < to; ) {
            int n = (int) Math.min(LOOK_AHEAD, to - u);
            for (int k = 0; k < n; k++) {
                ran = next(ran);
                indices[k] = ran & mask;
                values[k] = ran;
                xor ^= ran;
            }
            table.accumulate(indices, LongOp.XOR, values, 0, n);
            u += n;
        }
        return xor;
    }

    /**
     * @param ran a value of the stream
     * @return the next value
     */
    static long next(long ran) {
        return (ran << 1) ^ (ran < 0 ? POLY : 0);
    }

    /**
     * HPCC_starts: the {@code n}-th value of the stream that starts at 1, in {@code O(log n)} steps: {@code
     * m2[j]} is the value {@code 2j} steps after {@code 2^j}'s position, so squaring the current value in
     * GF(2) doubles how far the stream has gone; each bit of {@code n} then adds one more step.
     *
     * @param n how many steps from the start; taken modulo {@link #PERIOD}
     * @return the value after {@code n} steps ({@code 1} for {@code n = 0})
     */
    static long starts(long n) {
        while (n < 0) {
            n += PERIOD;
        }
        while (n > PERIOD) {
            n -= PERIOD;
        }
        if (n == 0) {
            return 0x1;
        }
        long[] m2 = new long[64];
        long temp = 0x1;
        for (int i = 0; i < 64; i++) {
            m2[i] = temp;
            temp = next(next(temp));
        }
        int i = 62;
        while (i >= 0 && ((n >> i) & 1) == 0) {
            i--;
        }
        long ran = 0x2;
        while (i > 0) {
            temp = 0;
            for (int j = 0; j < 64; j++) {
                if (((ran >>> j) & 1) != 0) {
                    temp ^= m2[j];
                }
            }
            ran = temp;
            i--;
            if (((n >> i) & 1) != 0) {
                ran = next(ran);
            }
        }
        return ran;
    }

    /** @return the XOR of this node's entries, read locally (no message) */
    private static long localXor(GlobalLongArray table) {
        long xor = 0;
        for (LocalSpan span : table.local().spans()) {
            long[] t = span.of(table);
            for (int j = span.start(); j < span.end(); j++) {
                xor ^= t[j];
            }
        }
        return xor;
    }

    /** @return {@code 0 ^ 1 ^ ... ^ (n - 1)} */
    static long xorOfIndices(long n) {
        long last = n - 1;
        return switch ((int) (last & 3)) {
            case 0 -> last;
            case 1 -> 1;
            case 2 -> last + 1;
            default -> 0;
        };
    }
}
