package io.meld.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** An output stream the tests read from while it is written: what a launcher or its nodes printed. */
final class Capture extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
        notifyAll();
    }

    /** @return a print stream onto this capture */
    PrintStream printStream() {
        return new PrintStream(this, true, StandardCharsets.UTF_8);
    }

    /** @return everything written so far */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** @return the complete lines written so far */
    List<String> lines() {
        String text = text();
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : text.substring(0, end).lines().toList();
    }

    /**
     * Waits until {@code count} lines match.
     *
     * @param count how many
     * @param line what a line must satisfy
     * @param timeout how long to wait
     * @throws AssertionError after the timeout, with what was written
     */
    synchronized void awaitLines(int count, Predicate<String> line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lines().stream().filter(line).count() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("waited " + timeout + " for " + count + " lines; got:\n" + text());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
