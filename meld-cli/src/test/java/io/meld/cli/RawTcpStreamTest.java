package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.RawTcpStream;
import io.meld.bench.ResultCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The raw TCP stream baselines on two JVMs at a tiny size: every mode moves the data it should and checks
 * it (an array of 1 MiB and 24 bytes, so the last chunk is a short one), and a bad mode is refused by
 * name. Smoke runs: the rates are not checked.
 */
@Tag("slow")
class RawTcpStreamTest {
    private static final String BYTES = Long.toString((1 << 20) + 24);

    @Test
    void shouldStreamAndVerifyInEveryMode() throws InterruptedException {
        assertThat(stream()).containsEntry("mode", "wire").containsEntry("verified", true);
        assertThat(stream(BYTES)).containsEntry("mode", "array").containsEntry("verified", true);
        assertThat(stream(BYTES, "both")).containsEntry("mode", "array").containsEntry("verified", true);
        assertThat(stream(BYTES, "sender"))
                .containsEntry("mode", "array_sender_copies")
                .containsEntry("verified", true)
                .containsEntry("wrong_values", 0L);
        assertThat(stream(BYTES, "receiver"))
                .containsEntry("mode", "array_receiver_copies")
                .containsEntry("verified", true)
                .containsEntry("wrong_values", 0L);
    }

    @Test
    void shouldRefuseAnUnknownCopiesModeNamingIt() throws InterruptedException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = launch(new ByteArrayOutputStream(), err, BYTES, "neither");

        assertThat(status).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("COPIES 'neither' is not one of both, sender, receiver");
    }

    @Test
    void shouldRefuseAnArrayTooLargeForOneDirectBufferWhenOneSideKeepsItOffTheHeap() throws InterruptedException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = launch(new ByteArrayOutputStream(), err, "4294967296", "sender");

        assertThat(status).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("array of 4294967296 bytes: with COPIES sender one side keeps it in one direct buffer");
    }

    private static Map<String, Object> stream(String... more) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = launch(out, err, more);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        return ResultCodec.find(text, "bandwidth_raw_tcp");
    }

    private static int launch(ByteArrayOutputStream out, ByteArrayOutputStream err, String... more)
            throws InterruptedException {
        List<String> args =
                new ArrayList<>(List.of(Integer.toString(LoopbackPorts.pick(1).get(0)), "0.1"));
        args.addAll(List.of(more));
        return LocalLauncher.builder(RawTcpStream.class.getName())
                .nodes(2)
                .threads(1)
                .jvmOptions(List.of("-Xmx128m"))
                .args(args)
                .out(out)
                .err(err)
                .build()
                .run();
    }
}
