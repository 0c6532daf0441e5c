package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.runtime.LauncherProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher in this JVM, with real node JVMs. */
class LocalLauncherTest {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration GONE = Duration.ofSeconds(10);

    private final Reaper reaper = new Reaper();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final Capture out = new Capture();
    private final Capture err = new Capture();

    @AfterEach
    void stopEverything() throws InterruptedException {
        executor.shutdownNow();
        reaper.killAll();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private LocalLauncher.Builder launcher(Class<?> program, int nodes) {
        return LocalLauncher.builder(program.getName())
                .nodes(nodes)
                .jvmOptions(TestPrograms.NODE_JVM_OPTIONS)
                .out(out)
                .err(err);
    }

    /** Runs the launcher on another thread, tracking its nodes for the reaper as they start. */
    private Future<Integer> start(LocalLauncher launcher) {
        return executor.submit(launcher::run);
    }

    private List<ProcessHandle> awaitNodes(LocalLauncher launcher, int nodes) throws InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (launcher.children().size() < nodes && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<ProcessHandle> children = launcher.children();
        reaper.trackAll(children);
        assertThat(children).hasSize(nodes);
        return children;
    }

    @Test
    void shouldFormAClusterOfThreeJvmsAndPrefixEveryLineWithItsRank() throws Exception {
        LocalLauncher launcher = launcher(TestPrograms.Collectives.class, 3).build();
        Future<Integer> run = start(launcher);
        awaitNodes(launcher, 3);

        assertThat(run.get(120, TimeUnit.SECONDS))
                .as("exit status; stderr:\n%s", err.text())
                .isZero();

        for (int r = 0; r < 3; r++) {
            assertThat(out.lines()).contains("[" + r + "] rank " + r + " of 3 joined");
            assertThat(out.lines()).contains("[" + r + "] rank " + r + " ok: sum 6, 2 MiB broadcast intact");
        }
        assertThat(out.lines()).allMatch(line -> line.matches("\\[[012]] .*"));
        assertThat(err.lines()).allMatch(line -> line.matches("\\[([012]|meld)] .*"));
    }

    @Test
    void shouldGiveEveryNodeItsRankSizeThreadsAndPeersAndRelayEveryLine() throws Exception {
        LocalLauncher launcher = launcher(TestPrograms.Hello.class, 2)
                .threads(3)
                .args(List.of("--flag", "two words"))
                .build();

        assertThat(launcher.run()).as("exit status; stderr:\n%s", err.text()).isZero();
        reaper.trackAll(launcher.children());

        List<String> lines = out.lines();
        String pid = Long.toString(ProcessHandle.current().pid());
        Set<String> ports = new HashSet<>();
        for (int r = 0; r < 2; r++) {
            String p = "[" + r + "] ";
            assertThat(lines)
                    .contains(
                            p + "args=[--flag, two words]",
                            p + "MELD_RANK=" + r,
                            p + "MELD_SIZE=2",
                            p + "MELD_THREADS=3",
                            p + "MELD_CLUSTER_NAME=" + launcher.clusterName(),
                            p + "MELD_CLUSTER_DISCOVERY=static",
                            p + "MELD_CLUSTER_BIND_ADDRESS=127.0.0.1",
                            p + "MELD_LAUNCHER_PID=" + pid,
                            p + "MELD_SCHEDULER=none",
                            p + "MELD_JAVA_OPTS=null",
                            p + "no newline at the end");
            assertThat(err.lines()).contains(p + "a line on stderr");
            String port = value(lines, p + "MELD_CLUSTER_PORT=");
            String hosts = value(lines, p + "MELD_CLUSTER_HOSTS=");
            assertThat(hosts.split(",")[r]).isEqualTo("127.0.0.1:" + port);
            assertThat(Integer.parseInt(port)).isBetween(1024, LoopbackPorts.ephemeralLow() - 1);
            ports.add(port);
        }
        assertThat(ports).as("cluster ports").hasSize(2);
        assertThat(launcher.clusterName()).matches("meld-run-[0-9a-f]{8}");
    }

    @Test
    void shouldReturnTheFailingNodesStatusAndStopEveryOtherNode() throws Exception {
        LocalLauncher launcher = launcher(TestPrograms.ExitAfterJoin.class, 3)
                .args(List.of("1", "3"))
                .build();
        Future<Integer> run = start(launcher);
        List<ProcessHandle> nodes = awaitNodes(launcher, 3);

        assertThat(run.get(120, TimeUnit.SECONDS))
                .as("exit status; stderr:\n%s", err.text())
                .isEqualTo(3);

        assertThat(nodes).noneMatch(ProcessHandle::isAlive);
        assertThat(err.lines()).contains("[meld] node 1 exited with status 3; stopping the other 2 nodes");
    }

    @Test
    void shouldLetTheOtherNodesGoOnWhenTheRunKeepsGoing() throws Exception {
        // Node 1 fails (its flusher dies: exit status 70); nodes 0 and 2 see it fail in a barrier, and end.
        LocalLauncher launcher = launcher(TestPrograms.DyingThread.class, 3)
                .args(List.of("1"))
                .keepGoing(true)
                .build();
        Future<Integer> run = start(launcher);

        assertThat(run.get(120, TimeUnit.SECONDS))
                .as("exit status; stderr:\n%s", err.text())
                .isEqualTo(70);
        assertThat(out.lines()).contains("[0] FAILED node=1", "[2] FAILED node=1");
        // (the others may end before the launcher hears of node 1's exit: then fewer go on)
        assertThat(err.lines())
                .anyMatch(l -> l.matches(
                        "\\[meld] node 1 exited with status 70; the other [12] nodes? goe?s? on \\(--keep-going\\)"))
                .noneMatch(l -> l.contains("stopping"));
    }

    @Test
    void shouldReturn137AndStopEveryOtherNodeWhenANodeIsKilled() throws Exception {
        LocalLauncher launcher = launcher(TestPrograms.SleepAfterJoin.class, 3).build();
        Future<Integer> run = start(launcher);
        List<ProcessHandle> nodes = awaitNodes(launcher, 3);
        out.awaitLines(3, line -> line.matches("\\[\\d] rank \\d ready"), READY);

        assertThat(nodes.get(1).destroyForcibly()).isTrue(); // SIGKILL

        assertThat(run.get(60, TimeUnit.SECONDS))
                .as("exit status; stderr:\n%s", err.text())
                .isEqualTo(137);
        assertThat(nodes).noneMatch(ProcessHandle::isAlive);
        assertThat(err.lines())
                .contains("[meld] node 1 ended with exit status 137 (signal 9, SIGKILL); stopping the other 2 nodes");
    }

    @Test
    void shouldStopEveryNodeWhenTheLaunchingThreadIsInterrupted() throws Exception {
        LocalLauncher launcher = launcher(TestPrograms.Sleeper.class, 2).build();
        Future<Integer> run = start(launcher);
        List<ProcessHandle> nodes = awaitNodes(launcher, 2);
        out.awaitLines(2, line -> line.matches("\\[\\d] ready"), READY);

        run.cancel(true);

        assertThat(Reaper.awaitGone(nodes, GONE)).isEmpty();
        assertThat(err.lines()).contains("[meld] interrupted; stopping the nodes");
    }

    @Test
    void shouldRefuseSettingsThatTheLauncherGivesEveryNode() {
        LocalLauncher.Builder builder = LocalLauncher.builder("com.example.Main");

        assertThatThrownBy(() -> builder.jvmOptions(List.of("-Xmx64m", "-Dmeld.cluster.port=7800")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dmeld.cluster.port=7800")
                .hasMessageContaining("MELD_CLUSTER_PORT");
        assertThatThrownBy(() -> builder.jvmOptions(List.of("-cp", "x.jar"))).hasMessageContaining("'-cp'");
        assertThatThrownBy(() -> builder.environment("MELD_RANK", "0")).hasMessageContaining("MELD_RANK");
        assertThatThrownBy(() -> builder.nodes(0)).hasMessageContaining("not 0");
        assertThatThrownBy(() -> builder.threads(-1)).hasMessageContaining("not -1");
    }

    @Test
    void shouldRunTheNodesOnTheLaunchersJavaWithTheProgramsClassPathFirst() {
        LocalLauncher launcher = LocalLauncher.builder("com.example.Main")
                .classPath(List.of("app.jar", "lib/*"))
                .jvmOptions(List.of("-Xmx64m"))
                .args(List.of("a", "b"))
                .build();

        List<String> command = launcher.command();

        assertThat(command.get(0)).isEqualTo(LocalLauncher.javaExecutable());
        List<String> expectedTail = new ArrayList<>(List.of("io.meld.runtime.ChildMain", "com.example.Main", "a", "b"));
        assertThat(command.subList(command.size() - 4, command.size())).isEqualTo(expectedTail);
        assertThat(command).contains("-Xmx64m");
        String cp = command.get(command.indexOf("-cp") + 1);
        assertThat(cp)
                .isEqualTo(
                        "app.jar:lib/*:" + String.join(":", ClassPaths.split(System.getProperty("java.class.path"))));
    }

    @Test
    void shouldDrawTheRunsProgressOnTheStatusLineAndNeverShowTheNodesProgressLines() throws Exception {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        StatusLine status = StatusLine.on(new PrintStream(terminal, true, StandardCharsets.UTF_8), 200);
        LocalLauncher launcher = launcher(TestPrograms.Collectives.class, 2)
                .progress(new Progress(status, "collectives"))
                .build();

        assertThat(launcher.run()).as("exit status; stderr:\n%s", err.text()).isZero();

        String drawn = terminal.toString(StandardCharsets.UTF_8);
        assertThat(drawn).as("the first tick, at once").contains("[meld] collectives: started 2 JVMs (0 s)");
        assertThat(drawn).as("erased at the end").endsWith("\r\033[K");
        assertThat(err.text() + out.text()).doesNotContain(LauncherProgress.MARKER.strip());
    }

    @Test
    void shouldGiveAUsersProgramItsEntriesAndMeldsRuntimeOnly() {
        LocalLauncher launcher = LocalLauncher.builder("com.example.Main")
                .classPath(List.of("app.jar", "deps/*"))
                .meldClassPath(List.of("/opt/meld/runtime/*"))
                .build();

        List<String> command = launcher.command();

        assertThat(command.get(command.indexOf("-cp") + 1)).isEqualTo("app.jar:deps/*:/opt/meld/runtime/*");
        assertThat(command.subList(1, 1 + LocalLauncher.BASE_JVM_OPTIONS.size()))
                .isEqualTo(NodeJvmFlags.forThisJdk());
    }

    @Test
    void shouldTakeMeldsRuntimeFromTheFolderBinMeldNames(@TempDir Path dir) {
        String previous = System.getProperty(MeldClassPath.RUNTIME_PROPERTY);
        try {
            System.setProperty(MeldClassPath.RUNTIME_PROPERTY, dir.toString());
            assertThat(MeldClassPath.runtime()).containsExactly(dir + "/*");

            System.setProperty(
                    MeldClassPath.RUNTIME_PROPERTY, dir.resolve("gone").toString());
            assertThatThrownBy(MeldClassPath::runtime)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.resolve("gone").toString());

            System.clearProperty(MeldClassPath.RUNTIME_PROPERTY);
            assertThat(MeldClassPath.runtime()).isEqualTo(MeldClassPath.launcher());
        } finally {
            if (previous == null) {
                System.clearProperty(MeldClassPath.RUNTIME_PROPERTY);
            } else {
                System.setProperty(MeldClassPath.RUNTIME_PROPERTY, previous);
            }
        }
    }

    private static String value(List<String> lines, String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "(.*)");
        for (String line : lines) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no line starts with " + prefix + " in " + lines);
    }
}
