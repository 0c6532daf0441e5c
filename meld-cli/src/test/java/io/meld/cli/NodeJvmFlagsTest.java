package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeJvmFlagsTest {
    @Test
    void shouldEnableNativeAccessOnEveryJdkAndAllowUnsafeMemoryAccessWhereTheOptionExists() {
        assertThat(NodeJvmFlags.forRelease(21)).containsExactly("--enable-native-access=ALL-UNNAMED");
        assertThat(NodeJvmFlags.forRelease(22)).containsExactly("--enable-native-access=ALL-UNNAMED");
        for (int release = 23; release <= 26; release++) {
            assertThat(NodeJvmFlags.forRelease(release))
                    .as("JDK %d", release)
                    .containsExactly("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
        }
    }

    @Test
    void shouldRefuseAJdkOlderThan21NamingIt() {
        assertThatThrownBy(() -> NodeJvmFlags.forRelease(17))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JDK 17");
    }

    @Test
    void shouldGiveOptionsThisJdkAcceptsWithoutAWord() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(LocalLauncher.javaExecutable());
        command.addAll(NodeJvmFlags.forThisJdk());
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue())
                .as("java %s -version:%n%s", NodeJvmFlags.forThisJdk(), output)
                .isZero();
        assertThat(output).doesNotContain("Unrecognized", "WARNING");
    }
}
