package io.meld.bench;

import io.meld.Distribution;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code meld.checkpoint} and {@code meld.restore} of one {@code BLOCK} array of {@code long}, timed on
 * node 0 from before the call to its return (every node's files written, checksummed and forced to disk,
 * and the manifest; or every file checked and loaded). GB/s counts the array's bytes, 8 per element.
 * Before the restore the array is zeroed; after it, every element is checked. One untimed checkpoint and
 * restore come first, as one untimed write comes first in the baseline.
 *
 * <p>{@link #main} is the SPMD program {@code bin/meld bench checkpoint} runs on each node; {@link
 * FileChannelBaseline} is the baseline (one JVM writing and reading the same bytes on the same disk).
 */
public final class CheckpointThroughput {
    private CheckpointThroughput() {}

    static long value(long i) {
        return i * 0x9E3779B97F4A7C15L + 1;
    }

    /**
     * Runs on one node; node 0 prints one JSON line, {@code "benchmark":"checkpoint_meld"}, and deletes the
     * checkpoint at the end.
     *
     * @param args {@code LENGTH DIR}: the array's elements over all nodes, and a directory to write into
     */
    public static void main(String[] args) throws IOException {
        long length = Long.parseLong(args[0]);
        Path dir = Path.of(args[1]);
        boolean verified;
        try (Meld meld = Meld.join();
                GlobalLongArray a = meld.longArray("checkpoint.bench", length, Distribution.BLOCK)) {
            meld.forallLocal(a, span -> {
                long[] x = span.of(a);
                for (int j = span.start(); j < span.end(); j++) {
                    x[j] = value(span.globalIndex(j));
                }
            });
            // An untimed round first, as the baseline does: on a virtual machine the first write of a
            // gigabyte into the page cache costs several times the next (the host backs the pages then).
            meld.checkpoint(dir, a);
            meld.restore(dir, a);
            meld.barrier();
            long start = System.nanoTime();
            meld.checkpoint(dir, a);
            double writeSeconds = (System.nanoTime() - start) / 1e9;
            meld.forallLocal(a, span -> java.util.Arrays.fill(span.of(a), span.start(), span.end(), 0));
            meld.barrier();
            start = System.nanoTime();
            meld.restore(dir, a);
            double restoreSeconds = (System.nanoTime() - start) / 1e9;
            AtomicLong wrong = new AtomicLong();
            meld.forallLocal(a, span -> {
                long[] x = span.of(a);
                for (int j = span.start(); j < span.end(); j++) {
                    if (x[j] != value(span.globalIndex(j))) {
                        wrong.incrementAndGet();
                    }
                }
            });
            verified = meld.allReduce(wrong.get(), LongOp.SUM) == 0;
            writeSeconds = meld.allReduce(writeSeconds, io.meld.DoubleOp.MAX);
            restoreSeconds = meld.allReduce(restoreSeconds, io.meld.DoubleOp.MAX);
            meld.barrier();
            if (meld.rank() == 0) {
                double bytes = 8.0 * length;
                System.out.println(ResultCodec.encode(new Result(
                        meld.size(),
                        length,
                        (long) bytes,
                        writeSeconds,
                        bytes / writeSeconds / 1e9,
                        restoreSeconds,
                        bytes / restoreSeconds / 1e9,
                        verified)));
                deleteTree(dir);
            }
        }
        System.exit(verified ? 0 : 1);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Node 0's line.
     *
     * @param nodes the nodes
     * @param length the array's elements
     * @param bytes its bytes
     * @param writeSeconds the checkpoint's time
     * @param writeGbPerSec GB (1e9 bytes) of the array per second of checkpoint
     * @param restoreSeconds the restore's time
     * @param restoreGbPerSec GB per second of restore
     * @param verified whether every element came back
     */
    record Result(
            int nodes,
            long length,
            long bytes,
            double writeSeconds,
            double writeGbPerSec,
            double restoreSeconds,
            double restoreGbPerSec,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "checkpoint_meld";
        }
    }
}
