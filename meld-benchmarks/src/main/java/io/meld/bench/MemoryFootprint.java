package io.meld.bench;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The memory a node needs for its share of a global array: every node allocates one {@code long} array
 * of {@code 2^LENGTH_LOG2} elements (block-distributed, no backups), writes every element it holds, and
 * checks the array's sum through bulk reads; then each reports its peak resident memory ({@code VmHWM} of
 * {@code /proc/self/status}) and the check is that it stays under {@code 1.3 x share + overhead}, where
 * {@code share} is the node's part of the data in bytes and {@code overhead} a fixed allowance for the JVM
 * and the runtime (see {@code docs/performance.md}).
 *
 * <p>Run by {@code bin/meld bench memory}; node 0 prints one JSON line, {@code "benchmark":"memory"}.
 */
public final class MemoryFootprint {
    /** The allowed peak is this times the node's share of the data, plus the overhead. */
    public static final double FACTOR = 1.3;

    private static final int PIECE = 1 << 20;

    private MemoryFootprint() {}

    /**
     * @param args {@code LENGTH_LOG2 OVERHEAD_BYTES}
     */
    public static void main(String[] args) {
        int lengthLog2 = Integer.parseInt(args[0]);
        long overhead = Long.parseLong(args[1]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            verified = run(meld, lengthLog2, overhead);
        }
        System.exit(verified ? 0 : 1);
    }

    private static boolean run(Meld meld, int lengthLog2, long overhead) {
        long length = 1L << lengthLog2;
        long before = status("VmHWM");
        long began = System.nanoTime();
        long sum = 0;
        long share;
        try (GlobalLongArray a = meld.longArray("memory", length)) {
            share = a.localLength() * 8;
            long[] piece = new long[(int) Math.min(PIECE, Math.max(1, a.localLength()))];
            for (long j = 0; j < a.localLength(); j += piece.length) {
                int n = (int) Math.min(piece.length, a.localLength() - j);
                long g = a.globalIndex(j);
                for (int k = 0; k < n; k++) {
                    piece[k] = g + k;
                }
                a.put(g, piece, 0, n);
            }
            meld.barrier();
            for (long j = 0; j < a.localLength(); j += piece.length) {
                int n = (int) Math.min(piece.length, a.localLength() - j);
                a.get(a.globalIndex(j), piece, 0, n);
                for (int k = 0; k < n; k++) {
                    sum += piece[k];
                }
            }
            meld.barrier();
        }
        long total = meld.allReduce(sum, LongOp.SUM);
        double seconds = meld.allReduce((System.nanoTime() - began) / 1e9, (double x, double y) -> Math.max(x, y));
        boolean sumOk = total == length / 2 * (length - 1);
        long hwm = status("VmHWM");
        long limit = (long) (FACTOR * share) + overhead;
        long[] hwms = new long[meld.size()];
        long[] befores = new long[meld.size()];
        for (int r = 0; r < meld.size(); r++) {
            hwms[r] = meld.broadcast(new long[] {hwm}, r)[0];
            befores[r] = meld.broadcast(new long[] {before}, r)[0];
        }
        boolean under = true;
        for (long h : hwms) {
            under &= h > 0 && h <= limit;
        }
        if (meld.rank() == 0) {
            double[] peak = new double[hwms.length];
            double[] start = new double[hwms.length];
            for (int r = 0; r < hwms.length; r++) {
                peak[r] = hwms[r];
                start[r] = befores[r];
            }
            System.out.println(ResultCodec.encode(new Result(
                    meld.size(),
                    lengthLog2,
                    seconds,
                    share,
                    overhead,
                    FACTOR,
                    limit,
                    peak,
                    start,
                    max(hwms),
                    max(hwms) / (double) Math.max(1, share),
                    sumOk,
                    under,
                    sumOk && under)));
        }
        return sumOk && under;
    }

    private static long max(long[] a) {
        long m = Long.MIN_VALUE;
        for (long v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * @param field a field of {@code /proc/self/status} in kB, such as {@code VmHWM}
     * @return its value in bytes, or -1 where there is no such file (not Linux)
     */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Node 0's line, {@code "benchmark":"memory"}; also the fields of {@code bin/meld bench memory}'s line.
     *
     * @param nodes the nodes
     * @param lengthLog2 log2 of the array's length
     * @param seconds how long writing and summing the array took
     * @param shareBytes a node's part of the data
     * @param overheadBytes the fixed allowance of each node
     * @param factor the allowed peak is this times the share, plus the overhead
     * @param limitBytes the allowed peak
     * @param vmHwmBytes each node's peak resident memory at the end
     * @param vmHwmBeforeBytes each node's peak resident memory before it allocated the array
     * @param maxVmHwmBytes the largest of {@code vmHwmBytes}
     * @param peakOverShare {@code maxVmHwmBytes / shareBytes}
     * @param sumVerified whether the array's sum is the one written
     * @param underLimit whether every node's peak is under the limit
     * @param verified both
     */
    public record Result(
            int nodes,
            int lengthLog2,
            double seconds,
            long shareBytes,
            long overheadBytes,
            double factor,
            long limitBytes,
            double[] vmHwmBytes,
            double[] vmHwmBeforeBytes,
            double maxVmHwmBytes,
            double peakOverShare,
            boolean sumVerified,
            boolean underLimit,
            boolean verified)
            implements BenchmarkResult {
        /**
         * Reads a result back from its line's fields.
         *
         * @param f the fields
         * @return the result; a number that is absent is NaN, or 0 where the field is whole
         */
        public static Result of(Map<String, ?> f) {
            return new Result(
                    (int) ResultCodec.number(f, "nodes"),
                    (int) ResultCodec.number(f, "length_log2"),
                    ResultCodec.number(f, "seconds"),
                    (long) ResultCodec.number(f, "share_bytes"),
                    (long) ResultCodec.number(f, "overhead_bytes"),
                    ResultCodec.number(f, "factor"),
                    (long) ResultCodec.number(f, "limit_bytes"),
                    ResultCodec.numbers(f, "vm_hwm_bytes"),
                    ResultCodec.numbers(f, "vm_hwm_before_bytes"),
                    ResultCodec.number(f, "max_vm_hwm_bytes"),
                    ResultCodec.number(f, "peak_over_share"),
                    Boolean.TRUE.equals(f.get("sum_verified")),
                    Boolean.TRUE.equals(f.get("under_limit")),
                    Boolean.TRUE.equals(f.get("verified")));
        }

        /** @return the same result, marked not verified (its run failed) */
        public Result unverified() {
            return new Result(
                    nodes,
                    lengthLog2,
                    seconds,
                    shareBytes,
                    overheadBytes,
                    factor,
                    limitBytes,
                    vmHwmBytes,
                    vmHwmBeforeBytes,
                    maxVmHwmBytes,
                    peakOverShare,
                    sumVerified,
                    underLimit,
                    false);
        }

        @Override
        public String benchmark() {
            return "memory";
        }
    }
}
