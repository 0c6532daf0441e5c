package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code meld example}: a run through real node processes ends with exactly one result line and its exit
 * status; bad names and options are usage errors before any node starts.
 */
@Tag("slow")
@Timeout(180)
class ExampleCommandTest {
    private static final String[] SMALL_NODES = {"--jvm-opt=-Xmx128m", "--jvm-opt=-XX:TieredStopAtLevel=1"};

    @Test
    void shouldEndWithOneOkLineAndExitZero() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = execute(out, err, "randomaccess", "--nodes", "2", "--table-log2", "12");

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isZero();
        List<String> lines = out.lines();
        assertThat(lines.stream().filter(l -> l.contains("RESULT"))).hasSize(1);
        assertThat(lines.get(lines.size() - 1)).startsWith("RESULT randomaccess OK table=2^12 updates=16384");
    }

    @Test
    void shouldEndWithTheFailLineAndExitOneWhenTheCheckFails() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = execute(out, err, "randomaccess", "--nodes", "2", "--table-log2", "10", "--corrupt");

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isEqualTo(1);
        List<String> lines = out.lines();
        assertThat(lines.stream().filter(l -> l.contains("RESULT"))).hasSize(1);
        assertThat(lines.get(lines.size() - 1)).startsWith("RESULT randomaccess FAIL 1 of 1024 entries wrong");
    }

    @Test
    void shouldNameABadOptionValueBeforeStartingNodes() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = execute(out, err, "randomaccess", "--table-log2", "99");

        assertThat(status).isEqualTo(MeldCli.USAGE);
        assertThat(err.text()).contains("--table-log2 must be from 4 to 34, not 99");
        assertThat(out.text()).isEmpty();
    }

    @Test
    void shouldNameAnUnknownExampleAndListTheOthers() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = execute(out, err, "nosuch");

        assertThat(status).isEqualTo(MeldCli.USAGE);
        assertThat(err.text()).contains("no example 'nosuch': choose one of [randomaccess");
    }

    @Test
    void shouldReportANodeThatDiedWithoutAResultAsFail() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ExampleCommand.ResultFilter filter =
                new ExampleCommand.ResultFilter(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        byte[] output = "[0] RESULT x OK a=1\n[1] log line\n".getBytes(StandardCharsets.UTF_8);
        filter.write(output, 0, output.length);

        assertThat(filter.finalLine("x", 137))
                .isEqualTo("RESULT x FAIL a node exited with status 137 before every"
                        + " node reported (see its output above)");
        assertThat(filter.finalLine("x", 0)).isEqualTo("RESULT x OK a=1");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("[1] log line\n");
    }

    private static int execute(Capture out, Capture err, String... args) {
        String[] all = new String[args.length + SMALL_NODES.length + 1];
        all[0] = "example";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(SMALL_NODES, 0, all, 1 + args.length, SMALL_NODES.length);
        return MeldCli.execute(all, out.printStream(), err.printStream());
    }
}
