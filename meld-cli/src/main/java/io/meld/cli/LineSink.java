package io.meld.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One of the launcher's output streams (its stdout or its stderr), written a whole line at a time so that
 * lines of different nodes never interleave.
 *
 * <p>A stream that fails (stdout piped into {@code head}, which has exited) is given up on quietly:
 * further lines are dropped, so that the pumps keep draining the nodes' pipes and no node blocks on a
 * full pipe.
 *
 * <p><b>Concurrency</b>: any number of threads write; each line is one {@code write} and one {@code
 * flush} of the underlying stream under this sink's lock, taken inside the status line's.
 */
final class LineSink {
    private static final byte NEWLINE = '\n';

    private final OutputStream out;
    private final StatusLine status;
    private boolean broken;

    /** @param out where the lines go; not closed by this sink */
    LineSink(OutputStream out) {
        this(out, StatusLine.OFF);
    }

    /**
     * @param out where the lines go; not closed by this sink
     * @param status the terminal's status line, erased and drawn again around every line
     */
    LineSink(OutputStream out, StatusLine status) {
        this.out = out;
        this.status = status;
    }

    /**
     * Writes {@code prefix}, {@code length} bytes of {@code line} from {@code offset}, and a newline.
     *
     * @param prefix bytes written before the line, e.g. {@code [2] }
     * @param line holds the line, without its newline
     * @param offset where the line starts in {@code line}
     * @param length how many bytes it has
     */
    void writeLine(byte[] prefix, byte[] line, int offset, int length) {
        byte[] whole = new byte[prefix.length + length + 1];
        System.arraycopy(prefix, 0, whole, 0, prefix.length);
        System.arraycopy(line, offset, whole, prefix.length, length);
        whole[whole.length - 1] = NEWLINE;
        write(whole);
    }

    /**
     * Writes a line of text, UTF-8 encoded, followed by a newline.
     *
     * @param text the line, without its newline
     */
    void writeLine(String text) {
        write((text + '\n').getBytes(StandardCharsets.UTF_8));
    }

    private void write(byte[] bytes) {
        status.print(() -> writeNow(bytes));
    }

    private synchronized void writeNow(byte[] bytes) {
        if (broken) {
            return;
        }
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            broken = true;
        }
    }
}
