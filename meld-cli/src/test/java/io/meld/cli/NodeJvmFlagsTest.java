package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void shouldMatchWhatThisJdkAccepts() {
        assertThat(NodeJvmFlags.forThisJdk())
                .isEqualTo(NodeJvmFlags.forRelease(Runtime.version().feature()));
    }
}
