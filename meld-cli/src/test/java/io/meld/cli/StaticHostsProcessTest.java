package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.cluster.ClusterSettings;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.ClusterSecret;
import io.meld.security.SecuritySettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "set of hosts" recipe of {@code docs/deploy.md} on one machine: three plain {@code java} processes
 * (no launcher), each on its own loopback address and the same port, as three machines would be, each
 * given its rank, its address and the list of all by the variables the recipe sets; static discovery
 * (JGroups TCPPING) joins them.
 */
@Timeout(120)
class StaticHostsProcessTest {
    private static final int NODES = 3;
    private static final long RUN_SECONDS = 90;

    private final Reaper reaper = new Reaper();

    @TempDir
    Path dir;

    @AfterEach
    void stopNodes() {
        reaper.killAll();
    }

    @Test
    void shouldFormFromAListOfHostsWithOneAddressPerNodeAndTheSamePort() throws Exception {
        int port = portFreeOnEveryAddress();
        List<String> addresses = new ArrayList<>();
        for (int rank = 0; rank < NODES; rank++) {
            addresses.add("127.0.0." + (rank + 1));
        }
        String hosts = addresses.stream().map(a -> a + ":" + port).collect(Collectors.joining(","));
        String cluster = "static-" + UUID.randomUUID().toString().substring(0, 8);
        // The recipe's secret, the same file for every node (each host would have its copy).
        Path secret = dir.resolve("secret");
        ClusterSecret.generate().writeNew(secret);

        List<Process> nodes = new ArrayList<>();
        for (int rank = 0; rank < NODES; rank++) {
            List<String> command = new ArrayList<>(List.of(LocalLauncher.javaExecutable()));
            command.addAll(LocalLauncher.BASE_JVM_OPTIONS);
            command.addAll(TestPrograms.NODE_JVM_OPTIONS);
            command.addAll(
                    List.of("-cp", System.getProperty("java.class.path"), TestPrograms.Collectives.class.getName()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(k -> k.startsWith("MELD_") || k.startsWith("SLURM_"));
            builder.environment()
                    .putAll(Map.of(
                            RuntimeSettings.SIZE.envName(), Integer.toString(NODES),
                            RuntimeSettings.RANK.envName(), Integer.toString(rank),
                            RuntimeSettings.THREADS.envName(), "1",
                            ClusterSettings.NAME.envName(), cluster,
                            ClusterSettings.BIND_ADDRESS.envName(), addresses.get(rank),
                            ClusterSettings.PORT.envName(), Integer.toString(port),
                            ClusterSettings.HOSTS.envName(), hosts,
                            ClusterSettings.FORMATION_TIMEOUT.envName(), "60s",
                            SecuritySettings.SECRET_FILE.envName(), secret.toString(),
                            // Not part of the recipe: no node outlives this test JVM.
                            RuntimeSettings.LAUNCHER_PID.envName(),
                                    Long.toString(ProcessHandle.current().pid())));
            Path log = dir.resolve("node-" + rank + ".log");
            Process p = builder.redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            reaper.track(p.toHandle());
            nodes.add(p);
        }

        for (int rank = 0; rank < NODES; rank++) {
            Process p = nodes.get(rank);
            boolean ended = p.waitFor(RUN_SECONDS, TimeUnit.SECONDS);
            String output = Files.readString(dir.resolve("node-" + rank + ".log"));
            assertThat(ended).as("node %d ended; it wrote:%n%s", rank, output).isTrue();
            assertThat(p.exitValue())
                    .as("node %d's status; it wrote:%n%s", rank, output)
                    .isZero();
            assertThat(output)
                    .contains("rank " + rank + " of " + NODES + " joined")
                    .contains("rank " + rank + " ok");
        }
    }

    /** @return a port below the ephemeral range that is free on each node's loopback address */
    private static int portFreeOnEveryAddress() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, LoopbackPorts.ephemeralLow());
            boolean free = true;
            for (int a = 1; a <= NODES && free; a++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + a), port), 1);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return port;
            }
        }
        throw new IOException("no port free on 127.0.0.1 to 127.0.0." + NODES);
    }
}
