package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.bench.Gups;
import io.meld.bench.GupsResult;
import io.meld.security.ClusterSecret;
import io.meld.security.SecuritySettings;
import io.meld.testing.RealComponents;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Meld under a real Slurm ({@link OneMachineSlurm}: munged, slurmctld and slurmd on this machine): the
 * example batch script {@code deploy/slurm/meld.sbatch} runs a verified GUPS job of 3 tasks, which take
 * rank, size, hosts and a port each from srun's environment; with {@code SLURM_KILL_BAD_EXIT=0} the other
 * tasks go on when one fails; and a task whose port is taken says so.
 */
@Tag(RealComponents.TAG)
@Timeout(180)
class SlurmJobTest {
    private static final Duration JOB_WAIT = Duration.ofSeconds(120);
    private static final int TASKS = 3;

    private static OneMachineSlurm slurm;

    @BeforeAll
    static void startSlurm() throws Exception {
        long start = System.nanoTime();
        slurm = OneMachineSlurm.start();
        System.out.printf("Slurm took jobs %d ms after the test started it%n", (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    static void stopSlurm() {
        if (slurm != null) {
            slurm.close();
        }
    }

    @Test
    void shouldRunAVerifiedGupsJobOfThreeTasksWithTheExampleBatchScript() throws Exception {
        int port = freeRun(TASKS);
        List<String> command = batchJob("gups-", Gups.class.getName(), "16", "1");

        long start = System.nanoTime();
        OneMachineSlurm.Result result = slurm.run(command, environment(port), JOB_WAIT);
        System.out.printf("sbatch --wait returned after %d ms%n", (System.nanoTime() - start) / 1_000_000);

        String output = jobOutput("gups-");
        assertThat(result.status())
                .as("sbatch --wait's status; it wrote:%n%s%njob output:%n%s%n%s", result.output(), output, slurm.logs())
                .isZero();
        String json = output.lines()
                .filter(l -> l.contains("{\"benchmark\":\"gups\""))
                .map(l -> l.substring(l.indexOf('{')))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no GUPS result in the job's output:\n" + output));
        GupsResult gups = GupsResult.parse(json);
        assertThat(gups.nodes()).isEqualTo(TASKS);
        assertThat(gups.threadsPerNode()).as("threads, from --cpus-per-task").isEqualTo(1);
        assertThat(gups.verified()).as(json).isTrue();
        System.out.println("Slurm GUPS job of " + TASKS + " tasks: " + json);
    }

    @Test
    void shouldLetTheOtherTasksGoOnWhenTheJobKeepsGoing() throws Exception {
        int port = freeRun(TASKS);
        // Task 1 fails (its flusher dies: exit status 70); tasks 0 and 2 see it fail in a barrier, and end.
        List<String> command = batchJob("keep-going-", TestPrograms.DyingThread.class.getName(), "1");
        Map<String, String> env = new HashMap<>(environment(port));
        env.put("SLURM_KILL_BAD_EXIT", "0");

        OneMachineSlurm.Result result = slurm.run(command, env, JOB_WAIT);

        String output = jobOutput("keep-going-");
        assertThat(result.status())
                .as("sbatch --wait's status; job output:%n%s", output)
                .isNotZero();
        assertThat(output.lines().filter(l -> l.equals("FAILED node=1")))
                .as("the other tasks went on and saw task 1 fail; job output:%n%s", output)
                .hasSize(2);
    }

    @Test
    void shouldNameTheAddressAndTheSettingWhenATasksPortIsTaken() throws Exception {
        int port = freeRun(TASKS);
        List<String> command = new ArrayList<>(List.of(
                RealComponents.program("srun", "slurm-wlm").toString(),
                "--ntasks=" + TASKS,
                "--cpus-per-task=1",
                "--kill-on-bad-exit=1",
                "--time=5",
                LocalLauncher.javaExecutable()));
        command.addAll(javaArguments());
        command.addAll(List.of(Gups.class.getName(), "16", "1"));

        // The second task of the node (SLURM_LOCALID 1) listens on the port after the first's.
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port + 1), 1);
            long start = System.nanoTime();
            // srun without the batch script: the tasks are given a secret as the script would give them.
            Path secret = slurm.dir().resolve("secret-" + port);
            ClusterSecret.generate().writeNew(secret);
            Map<String, String> env = new HashMap<>(environment(port));
            env.put(SecuritySettings.SECRET_FILE.envName(), secret.toString());
            OneMachineSlurm.Result result = slurm.run(command, env, JOB_WAIT);
            System.out.printf("srun returned after %d ms%n", (System.nanoTime() - start) / 1_000_000);

            assertThat(result.status())
                    .as("srun's status; it wrote:%n%s", result.output())
                    .isNotZero();
            assertThat(result.output())
                    .containsPattern("node-1 cannot join cluster 'slurm-\\d+\\.\\d+' on localhost:" + (port + 1)
                            + ": .*\\(meld\\.cluster\\.bind-address, meld\\.cluster\\.port\\)");
        }
    }

    /**
     * @return {@code sbatch --wait} of the example batch script with {@value #TASKS} tasks on this machine's
     *     one node, its output in {@code <prefix><job>.out}, running {@code mainAndArgs} on every task
     */
    private static List<String> batchJob(String outputPrefix, String... mainAndArgs) {
        List<String> command = new ArrayList<>(List.of(
                RealComponents.program("sbatch", "slurm-wlm").toString(),
                "--wait",
                "--nodes=1",
                "--ntasks=" + TASKS,
                "--ntasks-per-node=" + TASKS,
                "--cpus-per-task=1",
                "--time=5",
                "--output=" + slurm.dir().resolve(outputPrefix + "%j.out"),
                Path.of("..", "deploy", "slurm", "meld.sbatch")
                        .toAbsolutePath()
                        .normalize()
                        .toString()));
        command.addAll(javaArguments());
        command.addAll(List.of(mainAndArgs));
        return command;
    }

    /** The JVM options and class path of every task: small JVMs, this test's class path (which has Meld). */
    private static List<String> javaArguments() {
        List<String> args = new ArrayList<>(TestPrograms.NODE_JVM_OPTIONS);
        args.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return args;
    }

    private static Map<String, String> environment(int port) {
        return Map.of(
                "JAVA", LocalLauncher.javaExecutable(),
                "MELD_CLUSTER_PORT", Integer.toString(port),
                "MELD_CLUSTER_FORMATION_TIMEOUT", "60s");
    }

    private static String jobOutput(String prefix) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(slurm.dir())) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(prefix))
                    .toList()) {
                sb.append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    /** @return the first of {@code n} consecutive ports free on 127.0.0.1, below the ephemeral range */
    private static int freeRun(int n) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(20_000, LoopbackPorts.ephemeralLow() - n);
            boolean free = true;
            for (int p = first; p < first + n && free; p++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), p), 1);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no " + n + " consecutive free ports on 127.0.0.1");
    }
}
