package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code meld run} as its own process, stopped from outside as a user or a scheduler would stop it. */
class LauncherProcessTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration GONE = Duration.ofSeconds(10);

    private final Reaper reaper = new Reaper();
    private final Capture out = new Capture();
    private final Capture err = new Capture();
    private final List<Thread> copiers = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        reaper.killAll();
    }

    /** Starts {@code meld run --nodes 2} of the Sleeper and waits until both nodes say they are ready. */
    private Process startLauncher() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                LocalLauncher.javaExecutable(),
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                MeldCli.class.getName(),
                "run",
                "--nodes",
                "2"));
        for (String option : TestPrograms.NODE_JVM_OPTIONS) {
            command.add("--jvm-opt=" + option);
        }
        command.add(TestPrograms.Sleeper.class.getName());
        Process launcher = new ProcessBuilder(command).start();
        reaper.track(launcher.toHandle());
        launcher.getOutputStream().close();
        copiers.add(Thread.ofPlatform().daemon().start(() -> copy(launcher, true)));
        copiers.add(Thread.ofPlatform().daemon().start(() -> copy(launcher, false)));
        out.awaitLines(2, line -> line.matches("\\[\\d] ready"), READY);
        return launcher;
    }

    private List<ProcessHandle> nodesOf(Process launcher) {
        List<ProcessHandle> nodes = launcher.toHandle().children().toList();
        reaper.trackAll(nodes);
        assertThat(nodes).as("the launcher's children").hasSize(2);
        return nodes;
    }

    @Test
    void shouldStopEveryNodeWhenTheLauncherIsKilledWithSigkill() throws Exception {
        Process launcher = startLauncher();
        List<ProcessHandle> nodes = nodesOf(launcher);

        launcher.destroyForcibly(); // SIGKILL: no shutdown hook runs; the nodes must notice by themselves
        assertThat(launcher.waitFor(GONE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(Reaper.awaitGone(nodes, GONE)).as("nodes still running").isEmpty();
    }

    @Test
    void shouldStopEveryNodeBeforeItExitsWhenTheLauncherGetsSigterm() throws Exception {
        Process launcher = startLauncher();
        List<ProcessHandle> nodes = nodesOf(launcher);

        // SIGTERM: the shutdown hook stops the nodes, then the launcher exits. Through the handle, because
        // Process.destroy() also closes our ends of the launcher's pipes, losing what it says last.
        launcher.toHandle().destroy();

        assertThat(launcher.waitFor(GONE.toSeconds() + 10, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).isEqualTo(143);
        assertThat(nodes).as("nodes still running when the launcher had exited").noneMatch(Reaper::running);
        for (Thread t : copiers) {
            t.join(GONE.toMillis());
        }
        assertThat(err.text()).contains("[meld] the launcher is shutting down; stopping 2 nodes");
    }

    @Test
    void shouldKeepTheLaunchersOwnJavaOptionsFromTheNodes() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                LocalLauncher.javaExecutable(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                MeldCli.class.getName(),
                "run",
                "--nodes",
                "1",
                "--jvm-opt=-Xmx64m",
                TestPrograms.Hello.class.getName());
        builder.environment().put(LocalLauncher.LAUNCHER_JAVA_OPTS, "-Xmx64m");
        Process launcher = builder.start();
        reaper.track(launcher.toHandle());
        launcher.getOutputStream().close();
        copiers.add(Thread.ofPlatform().daemon().start(() -> copy(launcher, true)));
        copiers.add(Thread.ofPlatform().daemon().start(() -> copy(launcher, false)));

        assertThat(launcher.waitFor(READY.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (Thread t : copiers) {
            t.join(GONE.toMillis());
        }

        assertThat(launcher.exitValue()).as("stderr:\n%s", err.text()).isZero();
        assertThat(out.lines()).contains("[0] MELD_JAVA_OPTS=null", "[0] MELD_SIZE=1");
        assertThat(err.text()).doesNotContain("MELD_JAVA_OPTS");
    }

    private void copy(Process launcher, boolean stdout) {
        try {
            (stdout ? launcher.getInputStream() : launcher.getErrorStream()).transferTo(stdout ? out : err);
        } catch (IOException e) {
            // the launcher is gone
        }
    }
}
