package io.meld.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CongestionControlTest {

    private static MeldConfig with(String name) {
        return TestCluster.smallConfig().with("meld.transport.congestion-control", name);
    }

    @Test
    void shouldRejectANameNoAlgorithmCanHaveNamingIt() {
        for (String bad : List.of("cu bic", "cubic;reno", "a-name-longer-than-15")) {
            assertThatThrownBy(() -> CongestionControl.of(with(bad), true))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("meld.transport.congestion-control=" + bad);
        }
    }

    @Test
    void shouldKeepTheSystemsDefaultWhenAskedOrWhenItCannotSetOne() {
        assertThat(CongestionControl.of(with("system"), true)).isNull();
        assertThat(CongestionControl.of(with("cubic"), false)).as("Java NIO").isNull();
        // Where the kernel lists what it allows (Linux), a name it does not list is not set.
        assumeThat(Files.isReadable(Path.of("/proc/sys/net/ipv4/tcp_allowed_congestion_control")))
                .isTrue();
        assertThat(CongestionControl.of(with("nosuchcc"), true))
                .as("an algorithm this kernel does not allow")
                .isNull();
    }

    @Test
    void shouldSetTheConfiguredAlgorithmOnBothEndsOfEveryConnection() throws IOException {
        assumeThat(Epoll.isAvailable()).as("Linux epoll").isTrue();
        Path allowed = Path.of("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
        assumeThat(Files.isReadable(allowed)).isTrue();
        List<String> names = Arrays.asList(Files.readString(allowed).trim().split("\\s+"));
        // One the system does not use by default, so the test sees the setting and not the default.
        String system = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_congestion_control"))
                .trim();
        String chosen =
                names.stream().filter(n -> !n.equals(system)).findFirst().orElse(null);
        assumeThat(chosen)
                .as("an allowed algorithm other than the default %s", system)
                .isNotNull();
        // Three nodes: each listening node accepts more than one connection, and every one must get it.
        int nodes = 3;
        CongestionControl cc = CongestionControl.of(with(chosen), true);
        try (TestCluster c = TestCluster.of(nodes).config(with(chosen)).start()) {
            for (int a = 0; a < nodes; a++) {
                for (int b = 0; b < nodes; b++) {
                    if (a != b) {
                        ByteBuffer read =
                                ((ChannelLink) c.link(a, b)).channel().config().getOption(cc.option());
                        assertThat(StandardCharsets.US_ASCII.decode(read).toString())
                                .as("congestion control of node %d's link to node %d", a, b)
                                .isEqualTo(chosen);
                        c.assertLinkWorks(a, b);
                    }
                }
            }
        }
    }
}
