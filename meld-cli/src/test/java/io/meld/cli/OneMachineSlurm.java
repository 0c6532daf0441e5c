package io.meld.cli;

import io.meld.testing.RealComponents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Slurm on this machine, started by hand as a test needs it (no systemd): {@code munged} with a
 * fresh key, {@code slurmctld} and one {@code slurmd}, all in the foreground, with a generated {@code
 * slurm.conf} in a directory of their own. The node is {@code localhost} at {@code 127.0.0.1} with
 * {@value #CPUS} CPUs whatever the hardware has ({@code SlurmdParameters=config_overrides}), processes
 * tracked by {@code proctrack/linuxproc}, no task plugin, no accounting: what runs without cgroups or
 * root daemons of the system.
 *
 * <p>Every process it starts, and every process Slurm starts for it (job steps, {@code slurmstepd}, the
 * tasks), carries {@code SLURM_CONF=<its directory>/slurm.conf} in its environment; {@link #close()}
 * stops the daemons and then kills every process that carries it, so nothing outlives the test; a
 * shutdown hook does the same when the test JVM ends before {@code close()}.
 *
 * <p>Needs root (slurmd starts tasks as their user) and Debian's {@code slurm-wlm} and {@code munge}.
 * Not thread-safe: one test thread uses it ({@link #close()} and the shutdown hook exclude each other).
 */
final class OneMachineSlurm implements AutoCloseable {
    /** CPUs the node claims: 3 tasks of 1 CPU on a 2-core machine. */
    static final int CPUS = 3;

    private static final Duration READY_WAIT = Duration.ofSeconds(60);

    private final Path dir;
    private final Path conf;
    private final List<Process> daemons = new ArrayList<>();
    /** Stops everything should the test JVM end first (Surefire's timeout, Ctrl-C). */
    private final Thread shutdownHook = new Thread(this::stop, "stop-slurm");

    private boolean stopped;

    private OneMachineSlurm(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("slurm.conf");
    }

    /**
     * Starts munged, slurmctld and slurmd, and waits until the node takes jobs. Skips the test (fails it
     * under {@code CI=true}) when Slurm or munge is missing or this is not root.
     *
     * @return the running Slurm
     */
    static OneMachineSlurm start() throws IOException, InterruptedException {
        Path munged = RealComponents.program("munged", "munge");
        Path slurmctld = RealComponents.program("slurmctld", "slurm-wlm");
        Path slurmd = RealComponents.program("slurmd", "slurm-wlm");
        RealComponents.program("sbatch", "slurm-wlm");
        RealComponents.program("srun", "slurm-wlm");
        RealComponents.requireRoot("starting slurmd");

        Path dir = Files.createTempDirectory("meld-slurm-");
        OneMachineSlurm slurm = new OneMachineSlurm(dir);
        Runtime.getRuntime().addShutdownHook(slurm.shutdownHook);
        try {
            slurm.startDaemons(munged, slurmctld, slurmd);
            return slurm;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            slurm.close();
            throw e;
        }
    }

    /** @return the variables every Slurm command of this test needs ({@code SLURM_CONF}) */
    Map<String, String> environment() {
        return Map.of("SLURM_CONF", conf.toString());
    }

    /** @return the directory of its files; jobs may write their output here */
    Path dir() {
        return dir;
    }

    /**
     * Runs a Slurm command (sbatch, srun, ...) with this Slurm's environment and more, and waits for it.
     *
     * @param command the command
     * @param env more variables
     * @param timeout how long it may take; then it is killed
     * @return its exit status and output
     */
    Result run(List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MELD_") || k.startsWith("SLURM_"));
        builder.environment().putAll(environment());
        builder.environment().putAll(env);
        Path output = Files.createTempFile(dir, "command-", ".out");
        Process p = builder.redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(command + " did not end within " + timeout + "; it wrote:\n"
                    + Files.readString(output) + "\n" + logs());
        }
        return new Result(p.exitValue(), Files.readString(output));
    }

    /**
     * The outcome of a command.
     *
     * @param status its exit status
     * @param output what it wrote, stdout and stderr together
     */
    record Result(int status, String output) {}

    /** @return the daemons' logs, for a failing test's message */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (String log : List.of("munged.log", "slurmctld.log", "slurmd.log")) {
            Path p = dir.resolve("log").resolve(log);
            try {
                List<String> lines = Files.exists(p) ? Files.readAllLines(p) : List.of("(none)");
                sb.append("--- ").append(log).append(" (last lines)\n");
                lines.subList(Math.max(0, lines.size() - 30), lines.size())
                        .forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("--- ").append(log).append(": ").append(e).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Cancels every job, stops the daemons (TERM, then KILL), kills every process that Slurm started for
     * this test, and deletes the directory.
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down, and the hook runs stop() too
        }
        stop();
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (Files.exists(conf)) {
            try {
                Path scancel = RealComponents.find("scancel").orElse(null);
                if (scancel != null && !daemons.isEmpty()) {
                    run(List.of(scancel.toString(), "--full", "--user=root"), Map.of(), Duration.ofSeconds(10));
                }
            } catch (IOException | InterruptedException | AssertionError e) {
                // the daemons go anyway
            }
        }
        for (Process p : daemons.reversed()) {
            p.destroy();
        }
        for (Process p : daemons.reversed()) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        killMarked();
        deleteQuietly(dir);
    }

    private void startDaemons(Path munged, Path slurmctld, Path slurmd) throws IOException, InterruptedException {
        Path mungeDir = directory("munge", "rwx------");
        Path run = directory("run", "rwxr-xr-x");
        Path log = directory("log", "rwxr-xr-x");
        directory("state", "rwxr-xr-x");
        directory("spool", "rwxr-xr-x");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path key = mungeDir.resolve("munge.key");
        byte[] secret = new byte[1024];
        new SecureRandom().nextBytes(secret);
        Files.write(key, secret);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        Path socket = run.resolve("munge.socket");
        daemon(List.of(
                munged.toString(),
                "--foreground",
                "--key-file=" + key,
                "--socket=" + socket,
                "--pid-file=" + run.resolve("munged.pid"),
                "--log-file=" + log.resolve("munged.log"),
                "--seed-file=" + mungeDir.resolve("munged.seed")));
        awaitFile(socket);

        List<Integer> ports = LoopbackPorts.pick(2);
        Files.writeString(conf, slurmConf(socket, ports.get(0), ports.get(1)), StandardCharsets.UTF_8);
        daemon(List.of(slurmctld.toString(), "-D", "-i"));
        daemon(List.of(slurmd.toString(), "-D", "-N", "localhost"));
        awaitIdleNode();
    }

    private String slurmConf(Path mungeSocket, int controllerPort, int nodePort) throws IOException {
        String host =
                Files.readString(Path.of("/proc/sys/kernel/hostname")).trim().split("\\.")[0];
        return String.join(
                "\n",
                "# Generated by " + OneMachineSlurm.class.getName() + ": one machine, no systemd, no cgroups.",
                "ClusterName=meldtest",
                "SlurmctldHost=" + host + "(127.0.0.1)",
                "SlurmctldPort=" + controllerPort,
                "SlurmdPort=" + nodePort,
                "SlurmUser=root",
                "SlurmdUser=root",
                "AuthType=auth/munge",
                "AuthInfo=socket=" + mungeSocket,
                "CredType=cred/munge",
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool"),
                "SlurmctldPidFile=" + dir.resolve("run/slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("run/slurmd.pid"),
                "SlurmctldLogFile=" + dir.resolve("log/slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("log/slurmd.log"),
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "SwitchType=switch/none",
                "MpiDefault=none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "JobCompType=jobcomp/none",
                "SchedulerType=sched/backfill",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_CPU",
                "SlurmdParameters=config_overrides",
                "ReturnToService=2",
                "MailProg=/bin/true",
                // sbatch --wait polls the job after 2 s and then 4 times longer each time, up to 32 s, while
                // the wait stays below MinJobAge/2 (so that a finished job is not purged before it looks):
                // at the default (300 s) a 12 s job was seen done after 42 s. At 4 s it polls every 2 s.
                "MinJobAge=4",
                "NodeName=localhost NodeAddr=127.0.0.1 CPUs=" + CPUS + " State=UNKNOWN",
                "PartitionName=meld Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
                "");
    }

    private void daemon(List<String> command) throws IOException {
        String name = Path.of(command.get(0)).getFileName().toString();
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MELD_") || k.startsWith("SLURM_"));
        builder.environment().putAll(environment());
        daemons.add(builder.redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile())
                .start());
    }

    private void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (!Files.exists(file)) {
            checkDaemons();
            if (System.nanoTime() > deadline) {
                throw new AssertionError(file + " did not appear within " + READY_WAIT + "\n" + logs());
            }
            Thread.sleep(50);
        }
    }

    private void awaitIdleNode() throws IOException, InterruptedException {
        Path sinfo = RealComponents.program("sinfo", "slurm-wlm");
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            checkDaemons();
            Result r = run(List.of(sinfo.toString(), "-h", "-N", "-o", "%T"), Map.of(), Duration.ofSeconds(20));
            state = r.output().strip();
            if (r.status() == 0 && state.equals("idle")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                "the Slurm node is not idle after " + READY_WAIT + " (sinfo: " + state + ")\n" + logs());
    }

    private void checkDaemons() {
        for (Process p : daemons) {
            if (!p.isAlive()) {
                throw new AssertionError(p.info().command().orElse("a daemon") + " ended with status " + p.exitValue()
                        + "\n" + logs() + outputs());
            }
        }
    }

    private String outputs() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir.resolve("log"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".out")).toList()) {
                sb.append("--- ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
        } catch (IOException e) {
            sb.append(e);
        }
        return sb.toString();
    }

    private Path directory(String name, String permissions) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(permissions));
        return d;
    }

    /** Kills every process whose environment holds this Slurm's {@code SLURM_CONF}: ours, and only ours. */
    private void killMarked() {
        byte[] mark = ("SLURM_CONF=" + conf).getBytes(StandardCharsets.UTF_8);
        List<ProcessHandle> marked = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid() && environmentHolds(p.pid(), mark))
                .toList();
        marked.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : marked) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone or going; a zombie waits for its parent
            }
        }
    }

    private static boolean environmentHolds(long pid, byte[] entry) {
        byte[] env;
        try {
            env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start == entry.length && java.util.Arrays.equals(env, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
    }
}
