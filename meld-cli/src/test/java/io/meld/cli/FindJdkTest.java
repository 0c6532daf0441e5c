package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/find-jdk: a JDK 21+ is found past an older default, and its absence is explained. */
class FindJdkTest {
    private static final Path SCRIPT =
            Path.of("..", "bin", "find-jdk").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private record Outcome(int status, String out, String err) {}

    private Outcome run(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", SCRIPT.toString());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), out, err);
    }

    /** A fake JDK: bin/java and bin/javac that exist, and a release file with its version. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("jdks").resolve(name));
        Files.createDirectories(home.resolve("bin"));
        for (String tool : List.of("java", "javac")) {
            Path t = Files.writeString(home.resolve("bin").resolve(tool), "#!/bin/sh\nexit 0\n");
            t.toFile().setExecutable(true);
        }
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    /** A PATH with the tools the script uses and no java or javac. */
    private String toolsOnly() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("tools"));
        for (String tool : List.of("sed", "head", "dirname", "readlink", "tr", "cat")) {
            Path target = Path.of("/usr/bin", tool);
            if (!Files.exists(target)) {
                target = Path.of("/bin", tool);
            }
            Files.createSymbolicLink(bin.resolve(tool), target);
        }
        return bin.toString();
    }

    @Test
    void shouldPassOverAnOlderJavaHomeAndTakeTheNewestJdkOfTheInstallFolders() throws Exception {
        Path old = fakeJdk("jdk-17", "17.0.15");
        fakeJdk("jdk-21", "21.0.4");
        Path newest = fakeJdk("jdk-25", "25.0.1");

        Outcome o = run(Map.of(
                "JAVA_HOME", old.toString(),
                "PATH", toolsOnly(),
                "FIND_JDK_ROOTS", tmp.resolve("jdks").toString()));

        assertThat(o.status()).isZero();
        assertThat(o.out()).isEqualTo(newest.toString());
        assertThat(o.err()).contains("JAVA_HOME=" + old + " is not a JDK 21+; looking further");
    }

    @Test
    void shouldSayWhatToInstallWhenThereIsNoJdk21() throws Exception {
        Path old = fakeJdk("jdk-17", "17.0.15");

        Outcome o = run(Map.of(
                "JAVA_HOME", old.toString(),
                "PATH", toolsOnly(),
                "FIND_JDK_ROOTS", tmp.resolve("jdks").toString()));

        assertThat(o.status()).isEqualTo(1);
        assertThat(o.out()).isEmpty();
        assertThat(o.err())
                .contains("Meld needs a JDK 21 or newer")
                .contains(old + " (Java 17, from JAVA_HOME)")
                .contains("apt-get install openjdk-21-jdk")
                .contains("export JAVA_HOME");
    }
}
