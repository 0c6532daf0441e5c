package io.meld.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The baseline of {@code bin/meld bench checkpoint}: one JVM, one thread, writes the same number of bytes
 * into one file of the same directory with a {@link FileChannel} from an 8 MiB direct buffer (filled once:
 * no copy, no checksum), forces it to disk, then reads it back into the buffer; an untimed write of the
 * same file comes first. This is what the disk and
 * the kernel allow a plain Java program; the checkpoint's ratio to it is the cost of Meld's format,
 * checksums and agreement.
 *
 * <p>Prints one JSON line, {@code "benchmark":"checkpoint_filechannel"}, and deletes the file.
 */
public final class FileChannelBaseline {
    private static final int BUFFER = 8 << 20;

    private FileChannelBaseline() {}

    /** @param args {@code BYTES DIR} */
    public static void main(String[] args) throws IOException {
        long bytes = Long.parseLong(args[0]);
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
        Path file = dir.resolve("filechannel-baseline.bin");
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < BUFFER / 8; i++) {
            buf.putLong(i * 8, CheckpointThroughput.value(i));
        }
        boolean same = true;
        double writeSeconds;
        double readSeconds;
        try {
            write(file, buf, bytes); // untimed, as Meld's first checkpoint is
            long start = System.nanoTime();
            write(file, buf, bytes);
            writeSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (long at = 0; at < bytes; ) {
                    buf.clear().limit((int) Math.min(BUFFER, bytes - at));
                    while (buf.hasRemaining()) {
                        int n = ch.read(buf, at);
                        if (n < 0) {
                            throw new IOException(file + " ends at " + at + " of " + bytes + " bytes");
                        }
                        at += n;
                    }
                    same &= buf.getLong(0) == CheckpointThroughput.value(0);
                }
            }
            readSeconds = (System.nanoTime() - start) / 1e9;
        } finally {
            Files.deleteIfExists(file);
        }
        System.out.println(ResultCodec.encode(new Result(
                bytes, writeSeconds, bytes / writeSeconds / 1e9, readSeconds, bytes / readSeconds / 1e9, same)));
    }

    private static void write(Path file, ByteBuffer buf, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < bytes; ) {
                buf.clear().limit((int) Math.min(BUFFER, bytes - at));
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
            }
            ch.force(true);
        }
    }

    /**
     * The line.
     *
     * @param bytes the bytes written and read
     * @param writeSeconds writing and forcing them
     * @param writeGbPerSec GB per second of that
     * @param readSeconds reading them back
     * @param readGbPerSec GB per second of that
     * @param verified whether what was read is what was written (its first words)
     */
    record Result(
            long bytes,
            double writeSeconds,
            double writeGbPerSec,
            double readSeconds,
            double readGbPerSec,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "checkpoint_filechannel";
        }
    }
}
