package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.cluster.ClusterSettings;
import io.meld.runtime.ChildMain;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.SecuritySettings;
import io.meld.security.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of node JVMs started by a test directly, without the launcher (which stops every node as soon
 * as one dies: a test that kills one on purpose must keep the others). Each runs {@link ChildMain} with
 * the variables the launcher would set, on loopback, with this JVM as its launcher, so that no node
 * outlives the test JVM. {@link #close()} kills whatever still runs.
 *
 * <p>Every line a node prints lands in {@link #out} as {@code [rank] line}.
 *
 * <p><b>Concurrency</b>: one test thread starts and closes; two pump threads per node append to {@link
 * #out}, which is thread-safe.
 */
final class NodeProcesses implements AutoCloseable {
    final Capture out = new Capture();

    private final List<String> command = new ArrayList<>();
    private final List<Map<String, String>> envs = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Reaper reaper = new Reaper();
    /** The cluster's secret, which {@link #close()} deletes. */
    private final Path secret = TestSecrets.newSecretFile();

    /**
     * Starts the nodes.
     *
     * @param nodes how many
     * @param main the program's main class
     * @param args its arguments
     * @param settings more {@code MELD_*} variables of every node
     */
    NodeProcesses(int nodes, Class<?> main, List<String> args, Map<String, String> settings) {
        List<Integer> ports = LoopbackPorts.pick(nodes);
        String hosts = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String cluster = "meld-test-" + UUID.randomUUID().toString().substring(0, 8);
        command.add(LocalLauncher.javaExecutable());
        command.addAll(LocalLauncher.BASE_JVM_OPTIONS);
        command.addAll(TestPrograms.NODE_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildMain.class.getName()));
        command.add(main.getName());
        command.addAll(args);
        for (int rank = 0; rank < nodes; rank++) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put(RuntimeSettings.RANK.envName(), Integer.toString(rank));
            env.put(RuntimeSettings.SIZE.envName(), Integer.toString(nodes));
            env.put(RuntimeSettings.THREADS.envName(), "1");
            env.put(RuntimeSettings.SCHEDULER.envName(), "none");
            env.put(
                    RuntimeSettings.LAUNCHER_PID.envName(),
                    Long.toString(ProcessHandle.current().pid()));
            env.put(ClusterSettings.NAME.envName(), cluster);
            env.put(ClusterSettings.DISCOVERY.envName(), "static");
            env.put(ClusterSettings.BIND_ADDRESS.envName(), "127.0.0.1");
            env.put(ClusterSettings.PORT.envName(), Integer.toString(ports.get(rank)));
            env.put(ClusterSettings.HOSTS.envName(), hosts);
            env.put(SecuritySettings.SECRET_FILE.envName(), secret.toString());
            env.putAll(settings);
            envs.add(env);
            processes.add(start(rank, "[" + rank + "] "));
        }
    }

    /**
     * Starts node {@code rank} again, as a new process with the same settings (the same cluster, rank and
     * port): what a scheduler that restarts a failed node does. Its lines land in {@link #out} as {@code
     * [rank'] line}; {@link #process(int)} then returns it.
     *
     * @return the new process
     */
    Process restart(int rank) {
        Process p = start(rank, "[" + rank + "'] ");
        processes.set(rank, p);
        return p;
    }

    private Process start(int rank, String prefix) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("MELD_"));
        builder.environment().putAll(envs.get(rank));
        try {
            Process p = builder.start();
            reaper.track(p.toHandle());
            pump(rank, prefix, p.getInputStream());
            pump(rank, prefix, p.getErrorStream());
            return p;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot start node " + rank + ": " + command, e);
        }
    }

    /** @return node {@code rank}'s process */
    Process process(int rank) {
        return processes.get(rank);
    }

    /**
     * Asserts that every node but {@code victim} ends within 30 s, with status 0.
     *
     * @param victim the node a test killed or froze
     */
    void assertSurvivorsEnded(int victim) throws InterruptedException {
        for (int r = 0; r < processes.size(); r++) {
            if (r != victim) {
                assertThat(processes.get(r).waitFor(30, TimeUnit.SECONDS))
                        .as("survivor %d ended", r)
                        .isTrue();
                assertThat(processes.get(r).exitValue())
                        .as("survivor %d's exit status:%n%s", r, out.text())
                        .isZero();
            }
        }
    }

    /** Kills every node still running, and waits for them. */
    @Override
    public void close() {
        reaper.killAll();
        TestSecrets.delete(secret);
    }

    private void pump(int rank, String label, InputStream stream) {
        byte[] prefix = label.getBytes(StandardCharsets.UTF_8);
        Thread t = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
                            synchronized (out) {
                                out.write(prefix, 0, prefix.length);
                                out.write(bytes, 0, bytes.length);
                            }
                        }
                    } catch (IOException e) {
                        // the node ended
                    }
                },
                "node-" + rank + "-pump");
        t.setDaemon(true);
        t.start();
    }
}
