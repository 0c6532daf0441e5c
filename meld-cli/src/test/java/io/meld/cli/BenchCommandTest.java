package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.GupsResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code meld bench gups}: a verified run and its JSON, and a corrupted table reported and exited 1. */
@Tag("slow")
class BenchCommandTest {
    @Test
    void shouldPrintOnlyOneVerifiedJsonLineOnStdout() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = MeldCli.execute(
                new String[] {"bench", "gups", "--nodes", "2", "--seconds", "0.5", "--table-log2", "16", "--json"},
                out.printStream(),
                err.printStream());

        assertThat(status).as("stderr:\n%s", err.text()).isZero();
        assertThat(out.lines()).hasSize(1);
        String json = out.lines().get(0);
        assertThat(json)
                .matches("\\{\"benchmark\":\"gups\",\"nodes\":2,\"threads_per_node\":1,\"table_log2\":16,"
                        + "\"updates\":[0-9]+,\"seconds\":[0-9.]+,\"updates_per_sec\":[0-9.]+,\"verified\":true}");
        GupsResult result = GupsResult.parse(json);
        assertThat(result.updates()).isPositive();
        assertThat(result.verified()).isTrue();
    }

    @Test
    void shouldExitOneWhenTheTableDoesNotAddUp() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = MeldCli.execute(
                new String[] {"bench", "gups", "--nodes", "2", "--seconds", "0.2", "--table-log2", "12", "--corrupt"},
                out.printStream(),
                err.printStream());

        assertThat(status)
                .as("stdout:\n%s\nstderr:\n%s", out.text(), err.text())
                .isEqualTo(1);
        assertThat(out.text()).contains("NOT VERIFIED");
    }

    @Test
    void shouldNameABadTableSize() {
        Capture out = new Capture();
        Capture err = new Capture();

        int status = MeldCli.execute(
                new String[] {"bench", "gups", "--table-log2", "99"}, out.printStream(), err.printStream());

        assertThat(status).isEqualTo(MeldCli.USAGE);
        assertThat(err.text()).contains("--table-log2 must be from 4 to 34, not 99");
    }
}
