package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusLineTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream terminal = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8).replace("\r\033[K", "<erase>");
    }

    @Test
    void shouldEraseTheStatusBeforeAnotherLineAndDrawItAgainAfter() {
        StatusLine status = StatusLine.on(terminal, 80);

        status.show("[meld] forming the cluster");
        status.print(() -> terminal.println("[0] hello"));
        status.clear();

        assertThat(written())
                .isEqualTo(
                        "<erase>[meld] forming the cluster<erase>[0] hello\n<erase>[meld] forming the cluster<erase>");
    }

    @Test
    void shouldCutTheStatusToTheTerminalsWidth() {
        StatusLine status = StatusLine.on(terminal, 24);

        status.show("[meld] 4 nodes: forming the cluster: 3 of 4 nodes");

        assertThat(written()).isEqualTo("<erase>[meld] 4 nodes: form...");
    }

    @Test
    void shouldDrawNothingWhenOff() {
        StatusLine.OFF.show("[meld] running");
        StatusLine.OFF.print(() -> terminal.println("[0] hello"));
        StatusLine.OFF.clear();

        assertThat(written()).isEqualTo("[0] hello\n");
    }
}
