package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.runtime.LauncherProgress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixingPumpTest {
    private static String pump(byte[] input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrefixingPump(new ByteArrayInputStream(input), bytes("[7] "), new LineSink(out)).run();
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrefixEveryLineIncludingEmptyOnes() {
        assertThat(pump(bytes("one\n\nthree\n"))).isEqualTo("[7] one\n[7] \n[7] three\n");
    }

    @Test
    void shouldHandProgressLinesToTheListenerAndWriteEveryOtherLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<LauncherProgress.Event> events = new ArrayList<>();
        String marker = LauncherProgress.MARKER;
        byte[] input = bytes("before\n" + marker + "view 0,1\n" + marker + "ready\n" + marker + "bogus\nafter\n");

        new PrefixingPump(new ByteArrayInputStream(input), bytes("[1] "), new LineSink(out), events::add).run();

        assertThat(events)
                .extracting(LauncherProgress.Event::kind)
                .containsExactly(LauncherProgress.Event.Kind.VIEW, LauncherProgress.Event.Kind.READY);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .as("a malformed progress line is shown, not lost")
                .isEqualTo("[1] before\n[1] " + marker + "bogus\n[1] after\n");
    }

    @Test
    void shouldWriteALastLineWithoutNewlineWhenTheStreamEnds() {
        assertThat(pump(bytes("done\nno newline"))).isEqualTo("[7] done\n[7] no newline\n");
    }

    @Test
    void shouldJoinALineThatArrivesInPieces() {
        InputStream trickle = new InputStream() {
            private final byte[] data = bytes("héllo wörld\nbye\n");
            private int next;

            @Override
            public int read() {
                return next < data.length ? data[next++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (next == data.length) {
                    return -1;
                }
                b[off] = data[next++]; // one byte at a time, splitting the UTF-8 characters too
                return 1;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        new PrefixingPump(trickle, bytes("[0] "), new LineSink(out)).run();

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("[0] héllo wörld\n[0] bye\n");
    }

    @Test
    void shouldCutALineLongerThanTheLimitIntoPrefixedLines() {
        int length = PrefixingPump.MAX_LINE * 2 + 10;
        String text = pump(bytes("x".repeat(length) + "\n"));

        List<String> lines = text.lines().toList();
        assertThat(lines).hasSize(3).allMatch(line -> line.startsWith("[7] x"));
        assertThat(lines.stream().mapToInt(line -> line.length() - 4).sum()).isEqualTo(length);
    }

    @Test
    void shouldNeverInterleaveTheLinesOfConcurrentPumps() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineSink sink = new LineSink(out);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            StringBuilder input = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                input.append(String.valueOf((char) ('a' + t)).repeat(50 + i % 200))
                        .append('\n');
            }
            byte[] prefix = bytes("[" + t + "] ");
            byte[] data = bytes(input.toString());
            threads.add(Thread.ofPlatform().start(new PrefixingPump(new ByteArrayInputStream(data), prefix, sink)));
        }
        for (Thread t : threads) {
            t.join();
        }

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(8000).allMatch(line -> line.matches("\\[([0-3])] (?:a+|b+|c+|d+)"));
        assertThat(lines)
                .allMatch(
                        line -> line.charAt(4) == (char) ('a' + line.charAt(1) - '0'), "a line holds one pump's text");
    }
}
