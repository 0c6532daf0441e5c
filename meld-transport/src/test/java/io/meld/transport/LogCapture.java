package io.meld.transport;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what the transport logs. slf4j-simple writes to whatever {@link System#err} is at each line
 * ({@code simplelogger.properties}), so this class puts a tee in front of it that keeps every line and
 * still passes it on.
 *
 * <p>Tests take a {@link #mark()} before they provoke a warning and look for it after the mark, so lines
 * of earlier tests never match. Lines carrying the local port of a test's own socket are unambiguous.
 *
 * <p><b>Concurrency</b>: I/O threads log while tests read; the line list is guarded by its own monitor.
 */
final class LogCapture {
    private static final int MAX_LINES = 200_000;
    private static final List<String> LINES = new ArrayList<>();
    private static boolean installed;

    private LogCapture() {}

    /** Installs the tee once per JVM. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original), true, StandardCharsets.UTF_8));
        installed = true;
    }

    /** @return the position after the last line logged so far */
    static int mark() {
        install();
        synchronized (LINES) {
            return LINES.size();
        }
    }

    /** @return the lines logged after {@code mark} */
    static List<String> linesSince(int mark) {
        synchronized (LINES) {
            return List.copyOf(LINES.subList(Math.min(mark, LINES.size()), LINES.size()));
        }
    }

    /**
     * Waits for a line logged after {@code mark} that contains every fragment.
     *
     * @return the line
     * @throws AssertionError when none appears within {@link Await#TIMEOUT}, listing the lines seen
     */
    static String awaitLine(int mark, String... fragments) {
        String[] found = new String[1];
        Await.until(
                "a log line containing " + Arrays.toString(fragments),
                Await.TIMEOUT,
                () -> (found[0] = find(mark, fragments)) != null,
                () -> "; logged since the mark:\n" + String.join("\n", linesSince(mark)));
        return found[0];
    }

    /** @return the first line after {@code mark} containing every fragment, or {@code null} */
    static String find(int mark, String... fragments) {
        for (String line : linesSince(mark)) {
            if (Arrays.stream(fragments).allMatch(line::contains)) {
                return line;
            }
        }
        return null;
    }

    private static void add(String line) {
        synchronized (LINES) {
            if (LINES.size() < MAX_LINES) {
                LINES.add(line);
            }
        }
    }

    /** Passes every byte on and cuts a copy into lines. */
    private static final class Tee extends OutputStream {
        private final OutputStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Tee(OutputStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    add(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b[i]);
                }
            }
            synchronized (out) {
                try {
                    out.write(b, off, len);
                } catch (java.io.IOException e) {
                    // the original stream is best effort; the copy is what tests read
                }
            }
        }

        @Override
        public void flush() {
            try {
                out.flush();
            } catch (java.io.IOException e) {
                // best effort, as above
            }
        }
    }
}
