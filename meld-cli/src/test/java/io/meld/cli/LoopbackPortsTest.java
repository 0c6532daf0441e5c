package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
    @Test
    void shouldPickDistinctFreePortsBelowTheEphemeralRange() throws IOException {
        List<Integer> ports = LoopbackPorts.pick(16);

        assertThat(ports).hasSize(16).doesNotHaveDuplicates();
        assertThat(ports).allMatch(p -> p >= 1024 && p < LoopbackPorts.ephemeralLow());
        for (int p : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), p)); // still free
            }
        }
    }

    @Test
    void shouldNotHandOutAPortTwiceInOneJvm() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            for (int p : LoopbackPorts.pick(5)) {
                assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
            }
        }
    }
}
