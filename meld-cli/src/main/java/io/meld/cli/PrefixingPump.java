package io.meld.cli;

import io.meld.runtime.LauncherProgress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Copies one output stream of a node (its stdout or its stderr) to a {@link LineSink}, a line at a time,
 * each line prefixed with the node's rank: {@code [2] }.
 *
 * <p>Bytes are copied as they are (no charset decoding), split at {@code '\n'}. A last line without a
 * newline is written, with one, when the stream ends. A line longer than {@value #MAX_LINE} bytes is cut
 * into lines of that length, so that a node writing without newlines cannot make the launcher hold an
 * unbounded buffer.
 *
 * <p>A node's {@linkplain LauncherProgress progress lines} go to a {@link ProgressListener} instead, when
 * there is one: they are for the launcher, not for the user.
 *
 * <p><b>Concurrency</b>: {@link #run()} runs on one thread per stream; the buffers are that thread's own.
 */
final class PrefixingPump implements Runnable {
    /** The longest line written whole; longer ones are cut. */
    static final int MAX_LINE = 64 * 1024;

    private static final byte[] MARKER = LauncherProgress.MARKER.getBytes(StandardCharsets.UTF_8);

    private final InputStream in;
    private final byte[] prefix;
    private final LineSink sink;
    private final ProgressListener progress;
    private byte[] pending = new byte[256];
    private int pendingLength;

    /**
     * @param in the node's stream; read until it ends, then closed
     * @param prefix written before every line
     * @param sink where the lines go
     */
    PrefixingPump(InputStream in, byte[] prefix, LineSink sink) {
        this(in, prefix, sink, null);
    }

    /**
     * @param in the node's stream; read until it ends, then closed
     * @param prefix written before every line
     * @param sink where the lines go
     * @param progress told of every {@linkplain LauncherProgress progress line}, which is not written; or
     *     {@code null} to write every line
     */
    PrefixingPump(InputStream in, byte[] prefix, LineSink sink, ProgressListener progress) {
        this.in = in;
        this.prefix = prefix.clone();
        this.sink = sink;
        this.progress = progress;
    }

    /** Told of the progress lines a node writes. */
    interface ProgressListener {
        /** @param event what the node reported */
        void report(LauncherProgress.Event event);
    }

    @Override
    public void run() {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                accept(buffer, n);
            }
        } catch (IOException e) {
            // The pipe was closed under us (the node was killed): write what arrived.
        }
        if (pendingLength > 0) {
            line(pending, 0, pendingLength);
            pendingLength = 0;
        }
    }

    private void accept(byte[] buffer, int length) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (buffer[i] == '\n') {
                emit(buffer, start, i - start);
                start = i + 1;
            }
        }
        int rest = length - start;
        while (rest > 0) {
            int take = Math.min(rest, MAX_LINE - pendingLength);
            append(buffer, start, take);
            start += take;
            rest -= take;
            if (pendingLength == MAX_LINE) {
                line(pending, 0, pendingLength);
                pendingLength = 0;
            }
        }
    }

    /** Writes the pending bytes and then {@code length} bytes from {@code buffer} as one line. */
    private void emit(byte[] buffer, int offset, int length) {
        if (pendingLength == 0) {
            line(buffer, offset, length);
            return;
        }
        while (length > 0) {
            int take = Math.min(length, MAX_LINE - pendingLength);
            append(buffer, offset, take);
            offset += take;
            length -= take;
            if (length > 0) {
                line(pending, 0, pendingLength);
                pendingLength = 0;
            }
        }
        line(pending, 0, pendingLength);
        pendingLength = 0;
    }

    private void line(byte[] bytes, int offset, int length) {
        if (progress != null && startsWith(bytes, offset, length, MARKER)) {
            LauncherProgress.Event event =
                    LauncherProgress.Event.parse(new String(bytes, offset, length, StandardCharsets.UTF_8));
            if (event != null) {
                progress.report(event);
                return;
            }
        }
        sink.writeLine(prefix, bytes, offset, length);
    }

    private static boolean startsWith(byte[] bytes, int offset, int length, byte[] start) {
        if (length < start.length) {
            return false;
        }
        for (int i = 0; i < start.length; i++) {
            if (bytes[offset + i] != start[i]) {
                return false;
            }
        }
        return true;
    }

    private void append(byte[] buffer, int offset, int length) {
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.min(MAX_LINE, Math.max(pending.length * 2, pendingLength + length)));
        }
        System.arraycopy(buffer, offset, pending, pendingLength, length);
        pendingLength += length;
    }
}
