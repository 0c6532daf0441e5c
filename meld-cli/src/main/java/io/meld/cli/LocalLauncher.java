package io.meld.cli;

import io.meld.cluster.ClusterSettings;
import io.meld.config.Setting;
import io.meld.runtime.ChildMain;
import io.meld.runtime.RuntimeSettings;
import io.meld.security.ClusterSecret;
import io.meld.security.SecuritySettings;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs a Meld program on a cluster of {@code N} nodes on this machine, one JVM per node, and waits for
 * them: what {@code bin/meld run} does, and what the demo, the benchmarks and the tests call in-process.
 *
 * <pre>{@code
 * int exit = LocalLauncher.builder("com.example.Main").nodes(3).args(List.of("--size", "1M")).build().run();
 * }</pre>
 *
 * <h2>The nodes</h2>
 *
 * Node {@code r} runs {@code JAVA JVM_OPTIONS -cp CP:MELD_CP io.meld.runtime.ChildMain MAIN_CLASS ARGS...},
 * where {@code JAVA} is the launcher's own {@code java}, {@code JVM_OPTIONS} the {@link #BASE_JVM_OPTIONS}
 * ({@link NodeJvmFlags}) and then the caller's, {@code CP} the program's class path and {@code MELD_CP}
 * the {@linkplain Builder#meldClassPath entries that hold Meld}, in the launcher's working directory, with
 * the launcher's environment (less {@code MELD_JAVA_OPTS}, which is the launcher's own) plus:
 *
 * <table>
 *   <caption>What every node finds in its environment</caption>
 *   <tr><th>variable</th><th>value</th><th>setting</th></tr>
 *   <tr><td>{@code MELD_RANK}</td><td>{@code r}, from 0 to N - 1</td><td>{@code meld.rank}</td></tr>
 *   <tr><td>{@code MELD_SIZE}</td><td>{@code N}</td><td>{@code meld.size}</td></tr>
 *   <tr><td>{@code MELD_THREADS}</td><td>the threads per node; by default max(1, cores / N)</td>
 *       <td>{@code meld.threads}</td></tr>
 *   <tr><td>{@code MELD_CLUSTER_NAME}</td><td>{@code meld-run-} and 8 random hex digits, new for every
 *       run</td><td>{@code meld.cluster.name}</td></tr>
 *   <tr><td>{@code MELD_CLUSTER_DISCOVERY}</td><td>{@code static}</td><td>{@code meld.cluster.discovery}</td></tr>
 *   <tr><td>{@code MELD_CLUSTER_BIND_ADDRESS}</td><td>{@code 127.0.0.1}</td>
 *       <td>{@code meld.cluster.bind-address}</td></tr>
 *   <tr><td>{@code MELD_CLUSTER_PORT}</td><td>node {@code r}'s cluster port {@code p_r}</td>
 *       <td>{@code meld.cluster.port}</td></tr>
 *   <tr><td>{@code MELD_CLUSTER_HOSTS}</td><td>{@code 127.0.0.1:p_0,...,127.0.0.1:p_N-1}</td>
 *       <td>{@code meld.cluster.hosts}</td></tr>
 *   <tr><td>{@code MELD_SECURITY_SECRET_FILE}</td><td>a file of a secret new for every run, readable only by
 *       this user and deleted when the run ends; not set when the caller gives the nodes a secret or
 *       certificates of its own</td><td>{@code meld.security.secret-file}</td></tr>
 *   <tr><td>{@code MELD_LAUNCHER_PID}</td><td>the launcher's process id</td><td>{@code meld.launcher.pid}</td></tr>
 *   <tr><td>{@code MELD_SCHEDULER}</td><td>{@code none}: a run inside a Slurm job or a pod is the
 *       launcher's, not Slurm's or Kubernetes'</td><td>{@code meld.scheduler}</td></tr>
 * </table>
 *
 * <p>These are the variables every launcher fills (Slurm and Kubernetes ones too); a program reads them
 * through {@code Meld.join()}. The launcher sets them, so a {@code -Dmeld.*} JVM option for one of them
 * is refused: it would override the launcher's value on every node. Other {@code MELD_*} variables of
 * the launcher's environment reach the nodes unchanged, as configuration. The cluster ports are free
 * ports below the kernel's ephemeral range (see {@link LoopbackPorts}); the data path takes any free port.
 * A node's standard input is empty.
 *
 * <h2>Output</h2>
 *
 * Every line a node writes to its stdout (stderr) appears on the launcher's {@linkplain Builder#out out}
 * ({@linkplain Builder#err err}) prefixed with its rank, {@code [2] }, whole (see {@link PrefixingPump}).
 * The launcher's own messages go to {@code err}, prefixed {@code [meld] }. Lines a node writes for the
 * launcher ({@link io.meld.runtime.LauncherProgress}) are taken out; with a {@linkplain
 * Builder#progress status line}, they and the elapsed time are drawn on it, below the other output.
 *
 * <h2>Exit and stopping</h2>
 *
 * {@link #run()} returns when every node has ended: {@code 0} when all exited with {@code 0}, otherwise
 * the first non-zero exit status in time ({@code 128 + n} for a node killed by signal {@code n}). As soon
 * as one node fails, the others are stopped: {@code SIGTERM} to each node and its descendants, then,
 * after the {@linkplain Builder#stopGrace grace}, {@code SIGKILL} to whatever still runs; unless the run
 * {@linkplain Builder#keepGoing keeps going}, for a program whose nodes go on without a failed one (they
 * see its failure as a {@code NodeFailedException}), and then only the launcher's own stopping stops them. The nodes are
 * stopped the same way when the launcher's thread is interrupted and when the launcher's JVM shuts down
 * ({@code SIGINT}, {@code SIGTERM}: a shutdown hook). When the launcher is killed with {@code SIGKILL}
 * nothing in it runs any more: then every node stops itself, through {@link ChildMain}'s watch on
 * {@code MELD_LAUNCHER_PID}.
 *
 * <p><b>Concurrency</b>: one thread calls {@link #run()}, once. Two pump threads per node copy output;
 * process-exit callbacks (on the JDK's process reaper threads) queue each node's exit for the running
 * thread, which alone decides when to stop the nodes; the shutdown hook may stop them at any time. The
 * list of processes is append-only, and a process is started and added under {@link #startLock} so that a
 * shutdown hook either sees it or prevents it from starting.
 */
final class LocalLauncher {
    /** The most nodes one machine runs. */
    static final int MAX_NODES = 1024;

    /** The most threads per node ({@code meld.threads}). */
    static final int MAX_THREADS = 4096;

    /** How long nodes have after {@code SIGTERM} before {@code SIGKILL}. */
    static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

    /** The environment variable that holds the launcher JVM's own options; the nodes do not get it. */
    static final String LAUNCHER_JAVA_OPTS = "MELD_JAVA_OPTS";

    /** JVM options every node gets before the caller's: those its JDK needs to run Meld quietly. */
    static final List<String> BASE_JVM_OPTIONS = NodeJvmFlags.forThisJdk();

    private static final String LOOPBACK = "127.0.0.1";
    private static final byte[] MESSAGE_PREFIX = "[meld] ".getBytes(StandardCharsets.UTF_8);
    private static final long PUMP_DRAIN_MILLIS = 2000;
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final long TICK_MILLIS = 250;

    /** Settings the launcher gives every node, which a {@code -D} JVM option must not override. */
    private static final List<Setting<?>> LAUNCHER_SETTINGS = List.of(
            RuntimeSettings.RANK,
            RuntimeSettings.SIZE,
            RuntimeSettings.THREADS,
            RuntimeSettings.LAUNCHER_PID,
            RuntimeSettings.SCHEDULER,
            ClusterSettings.NAME,
            ClusterSettings.DISCOVERY,
            ClusterSettings.BIND_ADDRESS,
            ClusterSettings.PORT,
            ClusterSettings.HOSTS);

    private final String mainClass;
    private final List<String> args;
    private final int nodes;
    private final int threads;
    private final List<String> classPath;
    private final List<String> meldClassPath;
    private final List<String> jvmOptions;
    private final Map<String, String> environment;
    private final LineSink out;
    private final LineSink err;
    private final StatusLine status;
    private final String label;
    private final Duration stopGrace;
    /** Whether the other nodes keep running when one fails. */
    private final boolean keepGoing;

    private final String clusterName;

    private final AtomicBoolean ran = new AtomicBoolean();
    /** The file of this run's secret, while it runs; {@code null} when the nodes are given one already. */
    private volatile Path secretFile;

    private final Object startLock = new Object();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Set<ProcessHandle> descendants = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    private LocalLauncher(Builder b) {
        this.mainClass = b.mainClass;
        this.args = List.copyOf(b.args);
        this.nodes = b.nodes;
        this.threads = b.threads > 0 ? b.threads : defaultThreads(b.nodes);
        this.classPath = List.copyOf(b.classPath);
        this.meldClassPath = List.copyOf(b.meldClassPath);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.environment = Map.copyOf(b.environment);
        this.status = b.status;
        this.label = b.label;
        this.out = new LineSink(b.out, status);
        this.err = new LineSink(b.err, status);
        this.stopGrace = b.stopGrace;
        this.keepGoing = b.keepGoing;
        this.clusterName = "meld-run-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * @param mainClass the program's main class, run on every node
     * @return a builder for a run of it
     */
    static Builder builder(String mainClass) {
        return new Builder(mainClass);
    }

    /**
     * @param nodes nodes on this machine
     * @return the threads each node gets when none are asked for: this machine's cores divided among the
     *     nodes, at least 1
     */
    static int defaultThreads(int nodes) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / nodes);
    }

    /**
     * Starts every node and waits until all have ended.
     *
     * @return {@code 0} when every node exited with {@code 0}, otherwise the first non-zero exit status
     * @throws InterruptedException when this thread is interrupted; every node has been stopped then
     * @throws UncheckedIOException when a node cannot be started; the nodes already started are stopped
     * @throws IllegalStateException when this launcher has run already, or no free ports were found
     */
    int run() throws InterruptedException {
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a LocalLauncher runs once; build another");
        }
        List<Integer> ports = LoopbackPorts.pick(nodes);
        String hosts = ports.stream().map(p -> LOOPBACK + ":" + p).collect(Collectors.joining(","));
        Path secretDirectory = givesOwnCredentials() ? null : writeSecret();
        Thread hook = new Thread(this::stopOnShutdown, "meld-launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        List<Thread> pumps = new ArrayList<>();
        BlockingQueue<NodeExit> exits = new LinkedBlockingQueue<>();
        LaunchProgress progress = new LaunchProgress(label, nodes, System.nanoTime());
        ScheduledExecutorService ticker = status.enabled() ? ticker(progress) : null;
        try {
            for (int rank = 0; rank < nodes; rank++) {
                Process process = start(rank, ports.get(rank), hosts);
                if (process == null) {
                    break; // the JVM is shutting down
                }
                int r = rank;
                byte[] prefix = ("[" + rank + "] ").getBytes(StandardCharsets.UTF_8);
                pumps.add(pump(new PrefixingPump(process.getInputStream(), prefix, out), "meld-out-" + rank));
                pumps.add(pump(
                        new PrefixingPump(
                                process.getErrorStream(),
                                prefix,
                                err,
                                event -> progress.report(r, event, System.nanoTime())),
                        "meld-err-" + rank));
                process.onExit().thenAccept(p -> exits.add(new NodeExit(r, p.exitValue())));
            }
            return await(exits, processes.size());
        } catch (InterruptedException e) {
            message("interrupted; stopping the nodes");
            stopAll();
            throw e;
        } finally {
            stopAll();
            deleteSecret(secretDirectory);
            drain(pumps);
            if (ticker != null) {
                stop(ticker);
            }
            status.clear();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs, and finds nothing left to stop
            }
        }
    }

    /**
     * @return whether the nodes are given a secret or certificates already, by this launcher's
     *     environment or the caller's: then the run uses those
     */
    private boolean givesOwnCredentials() {
        for (Setting<?> s : List.of(SecuritySettings.SECRET_FILE, SecuritySettings.CERT_FILE)) {
            String v = environment.containsKey(s.envName()) ? environment.get(s.envName()) : System.getenv(s.envName());
            if (v != null && !v.isBlank()) {
                return true;
            }
            for (String option : jvmOptions) {
                if (option.startsWith("-D" + s.name() + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Makes this run's secret, in a new directory only this user may enter, for the nodes to read.
     *
     * @return the directory, which {@link #deleteSecret} removes when the run ends
     */
    private Path writeSecret() {
        try {
            Path dir = Files.createTempDirectory(
                    "meld-run-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("secret");
            ClusterSecret.generate().writeNew(file);
            secretFile = file;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's secret: " + e.getMessage(), e);
        }
    }

    private void deleteSecret(Path dir) {
        Path file = secretFile;
        secretFile = null;
        try {
            if (file != null) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.getParent());
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            message("could not delete the run's secret " + file + ": " + e.getMessage());
        }
    }

    /** Redraws the status line with the run's progress a few times a second, from a daemon thread. */
    private ScheduledExecutorService ticker(LaunchProgress progress) {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meld-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(
                () -> status.show(progress.describe(System.nanoTime())), 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return ticker;
    }

    /** Stops the ticker and waits for a tick in flight, which would draw the status again after it is cleared. */
    private static void stop(ScheduledExecutorService ticker) {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the processes of the nodes started so far, by rank; for tests and diagnostics */
    List<ProcessHandle> children() {
        return processes.stream().map(Process::toHandle).toList();
    }

    /** @return the cluster name this run gives its nodes */
    String clusterName() {
        return clusterName;
    }

    /** @return the command that starts a node (the same for every node; the environment differs) */
    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(BASE_JVM_OPTIONS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(childClassPath());
        command.add(ChildMain.class.getName());
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * @param rank a node's rank
     * @param clusterPort the node's cluster port
     * @param hosts every node's cluster address, {@code host:port} separated by commas
     * @return the variables the launcher sets for node {@code rank}, on top of its own environment
     */
    Map<String, String> nodeEnvironment(int rank, int clusterPort, String hosts) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(RuntimeSettings.RANK.envName(), Integer.toString(rank));
        env.put(RuntimeSettings.SIZE.envName(), Integer.toString(nodes));
        env.put(RuntimeSettings.THREADS.envName(), Integer.toString(threads));
        env.put(ClusterSettings.NAME.envName(), clusterName);
        env.put(
                ClusterSettings.DISCOVERY.envName(),
                ClusterSettings.DISCOVERY.format(ClusterSettings.Discovery.STATIC));
        env.put(ClusterSettings.BIND_ADDRESS.envName(), LOOPBACK);
        env.put(ClusterSettings.PORT.envName(), Integer.toString(clusterPort));
        env.put(ClusterSettings.HOSTS.envName(), hosts);
        Path secret = secretFile;
        if (secret != null) {
            env.put(SecuritySettings.SECRET_FILE.envName(), secret.toString());
        }
        env.put(
                RuntimeSettings.LAUNCHER_PID.envName(),
                Long.toString(ProcessHandle.current().pid()));
        // The launcher is the engine: a run inside a Slurm job or a pod must not take Slurm's or the pod's
        // rank, port or hosts, which are the job's, not this run's.
        env.put(RuntimeSettings.SCHEDULER.envName(), RuntimeSettings.SCHEDULER.format(RuntimeSettings.Scheduler.NONE));
        return env;
    }

    private Process start(int rank, int clusterPort, String hosts) {
        ProcessBuilder builder = new ProcessBuilder(command());
        builder.environment().remove(LAUNCHER_JAVA_OPTS);
        builder.environment().putAll(nodeEnvironment(rank, clusterPort, hosts));
        synchronized (startLock) {
            if (stopping) {
                return null;
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                stopping = true;
                throw new UncheckedIOException(
                        "cannot start node " + rank + " (" + builder.command().get(0) + "): " + e.getMessage(), e);
            }
            processes.add(process);
            try {
                process.getOutputStream().close(); // a node's standard input is empty
            } catch (IOException e) {
                // nothing was written; nothing to lose
            }
            return process;
        }
    }

    /** Waits for {@code started} nodes to end; stops the others at the first failure. */
    private int await(BlockingQueue<NodeExit> exits, int started) throws InterruptedException {
        int firstFailure = 0;
        int remaining = started;
        long killAt = 0;
        while (remaining > 0) {
            NodeExit exit;
            if (killAt == 0) {
                exit = exits.take();
            } else {
                exit = exits.poll(killAt - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (exit == null) {
                    message("nodes still running " + stopGrace.toMillis() + " ms after SIGTERM; killing them");
                    signalAll(true);
                    killAt = 0;
                    continue;
                }
            }
            remaining--;
            if (exit.status() != 0 && firstFailure != 0 && keepGoing && !stopping) {
                message(exit.describe());
            }
            if (exit.status() != 0 && firstFailure == 0) {
                firstFailure = exit.status();
                if (stopping) {
                    continue; // the launcher is shutting down: these exits are its doing
                }
                if (remaining > 0 && keepGoing) {
                    message(exit.describe() + "; the other " + remaining
                            + (remaining == 1 ? " node goes on" : " nodes go on") + " (--keep-going)");
                } else if (remaining > 0) {
                    message(exit.describe() + "; stopping the other " + remaining
                            + (remaining == 1 ? " node" : " nodes"));
                    signalAll(false);
                    killAt = System.nanoTime() + stopGrace.toNanos();
                } else {
                    message(exit.describe());
                }
            }
        }
        return firstFailure;
    }

    /** Sends SIGTERM (or, when {@code force}, SIGKILL) to every live node and to its descendants. */
    private void signalAll(boolean force) {
        for (Process p : processes) {
            // Taken before the node is signalled: once it has died its descendants are another parent's.
            p.toHandle().descendants().forEach(descendants::add);
        }
        for (ProcessHandle d : descendants) {
            if (force) {
                d.destroyForcibly();
            } else {
                d.destroy();
            }
        }
        for (Process p : processes) {
            if (force) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
        }
    }

    /**
     * Stops everything still running: SIGTERM, up to the grace for it to end, then SIGKILL. Returns at
     * once when nothing runs. Keeps the thread's interrupt status but is not cut short by it.
     */
    private void stopAll() {
        if (live().findAny().isEmpty()) {
            return;
        }
        signalAll(false);
        boolean interrupted = awaitEnd(stopGrace);
        if (live().findAny().isPresent()) {
            signalAll(true);
            interrupted |= awaitEnd(KILL_WAIT);
        }
        live().forEach(h -> message("process " + h.pid() + " did not end after SIGKILL"));
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopOnShutdown() {
        synchronized (startLock) {
            stopping = true;
        }
        long running = processes.stream().filter(Process::isAlive).count();
        if (running > 0) {
            message("the launcher is shutting down; stopping " + running + (running == 1 ? " node" : " nodes"));
        }
        stopAll();
        deleteSecret(null);
    }

    private Stream<ProcessHandle> live() {
        return Stream.concat(processes.stream().map(Process::toHandle), descendants.stream())
                .filter(ProcessHandle::isAlive);
    }

    /** @return whether the thread was interrupted while waiting */
    private boolean awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        for (ProcessHandle h : live().toList()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            while (true) {
                try {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    break;
                }
            }
        }
        return interrupted;
    }

    private static Thread pump(PrefixingPump pump, String name) {
        Thread t = new Thread(pump, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Lets the pumps write what the nodes wrote last, for a bounded time (a grandchild may hold a pipe). */
    private static void drain(List<Thread> pumps) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PUMP_DRAIN_MILLIS);
        boolean interrupted = false;
        for (Thread t : pumps) {
            long left = deadline - System.nanoTime();
            while (left > 0 && t.isAlive()) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                left = deadline - System.nanoTime();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void message(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        err.writeLine(MESSAGE_PREFIX, bytes, 0, bytes.length);
    }

    private String childClassPath() {
        List<String> entries = new ArrayList<>(classPath);
        entries.addAll(meldClassPath);
        return String.join(File.pathSeparator, entries);
    }

    /** The launcher's own {@code java}: the one of {@code java.home}, else the command this JVM runs. */
    static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** How a node ended. */
    private record NodeExit(int rank, int status) {
        String describe() {
            if (status > 128 && status < 128 + 65) {
                int signal = status - 128;
                return "node " + rank + " ended with exit status " + status + " (signal " + signal + signalName(signal)
                        + ")";
            }
            return "node " + rank + " exited with status " + status;
        }

        private static String signalName(int signal) {
            return switch (signal) {
                case 1 -> ", SIGHUP";
                case 2 -> ", SIGINT";
                case 3 -> ", SIGQUIT";
                case 6 -> ", SIGABRT";
                case 9 -> ", SIGKILL";
                case 11 -> ", SIGSEGV";
                case 13 -> ", SIGPIPE";
                case 15 -> ", SIGTERM";
                default -> "";
            };
        }
    }

    /**
     * What to run and how. Every setter checks its value and names it when it is wrong.
     *
     * <p><b>Concurrency</b>: not thread-safe; build on one thread.
     */
    static final class Builder {
        private final String mainClass;
        private List<String> args = List.of();
        private int nodes = 1;
        private int threads;
        private List<String> classPath = List.of();
        private List<String> meldClassPath = MeldClassPath.launcher();
        private List<String> jvmOptions = List.of();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private OutputStream out = System.out;
        private OutputStream err = System.err;
        private Duration stopGrace = DEFAULT_STOP_GRACE;
        private boolean keepGoing;
        private StatusLine status = StatusLine.OFF;
        private String label = "";

        private Builder(String mainClass) {
            Objects.requireNonNull(mainClass, "mainClass");
            if (mainClass.isBlank()) {
                throw new IllegalArgumentException("the main class is blank");
            }
            this.mainClass = mainClass;
        }

        /**
         * @param nodes how many nodes, from 1 to {@value #MAX_NODES}; 1 by default
         * @return this builder
         */
        Builder nodes(int nodes) {
            if (nodes < 1 || nodes > MAX_NODES) {
                throw new IllegalArgumentException(
                        "the number of nodes must be from 1 to " + MAX_NODES + " on one machine, not " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /**
         * @param threads threads per node ({@code MELD_THREADS}), from 1 to {@value #MAX_THREADS}; or 0,
         *     the default, for {@link #defaultThreads(int)}
         * @return this builder
         */
        Builder threads(int threads) {
            if (threads < 0 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("the threads per node must be from 1 to " + MAX_THREADS
                        + " (or 0 for the default), not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * @param classPath the program's class path entries, put before {@linkplain #meldClassPath Meld's}
         * @return this builder
         */
        Builder classPath(List<String> classPath) {
            this.classPath = List.copyOf(classPath);
            return this;
        }

        /**
         * @param meldClassPath the entries that hold Meld, after the program's: {@link MeldClassPath#runtime()}
         *     for a user's program; by default the launcher's own class path ({@link
         *     MeldClassPath#launcher()}), for the command line's own programs
         * @return this builder
         */
        Builder meldClassPath(List<String> meldClassPath) {
            this.meldClassPath = List.copyOf(meldClassPath);
            return this;
        }

        /**
         * @param jvmOptions options of every node's JVM, e.g. {@code -Xmx1g}; not the class path, and no
         *     {@code -D} for a setting the launcher gives
         * @return this builder
         */
        Builder jvmOptions(List<String> jvmOptions) {
            for (String option : jvmOptions) {
                checkJvmOption(option);
            }
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /**
         * @param args the program's arguments, the same on every node
         * @return this builder
         */
        Builder args(List<String> args) {
            this.args = List.copyOf(args);
            return this;
        }

        /**
         * Sets one more variable of every node's environment (a {@code MELD_*} setting, say).
         *
         * @param name the variable; not one the launcher sets
         * @param value its value
         * @return this builder
         */
        Builder environment(String name, String value) {
            for (Setting<?> s : LAUNCHER_SETTINGS) {
                if (s.envName().equals(name)) {
                    throw new IllegalArgumentException(name + " is set by the launcher for every node");
                }
            }
            environment.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @param out where the nodes' stdout goes; {@code System.out} by default
         * @return this builder
         */
        Builder out(OutputStream out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        /**
         * @param err where the nodes' stderr and the launcher's messages go; {@code System.err} by default
         * @return this builder
         */
        Builder err(OutputStream err) {
            this.err = Objects.requireNonNull(err, "err");
            return this;
        }

        /**
         * @param stopGrace how long nodes have to end after {@code SIGTERM} before {@code SIGKILL}; {@link
         *     #DEFAULT_STOP_GRACE} by default
         * @return this builder
         */
        Builder stopGrace(Duration stopGrace) {
            if (stopGrace.isNegative()) {
                throw new IllegalArgumentException("the stop grace must not be negative, not " + stopGrace);
            }
            this.stopGrace = stopGrace;
            return this;
        }

        /**
         * @param keepGoing whether the other nodes keep running when one fails (by default they are
         *     stopped); the run's status is still the first failure's
         * @return this
         */
        Builder keepGoing(boolean keepGoing) {
            this.keepGoing = keepGoing;
            return this;
        }

        /**
         * @param progress where the run's progress is drawn (the cluster forming, node 0's phase, the elapsed
         *     time), and its label; {@link Progress#NONE} by default
         * @return this builder
         */
        Builder progress(Progress progress) {
            this.status = progress.line();
            this.label = progress.label();
            return this;
        }

        /** @return the launcher */
        LocalLauncher build() {
            return new LocalLauncher(this);
        }

        private static void checkJvmOption(String option) {
            Objects.requireNonNull(option, "JVM option");
            String lower = option.toLowerCase(Locale.ROOT);
            if (Arrays.asList("-cp", "-classpath", "--class-path").contains(lower)
                    || lower.startsWith("--class-path=")) {
                throw new IllegalArgumentException("JVM option '" + option
                        + "': give the program's class path as the class path, not as a JVM option");
            }
            if (option.startsWith("-D")) {
                String name = option.substring(2).split("=", 2)[0];
                for (Setting<?> s : LAUNCHER_SETTINGS) {
                    if (s.name().equals(name)) {
                        throw new IllegalArgumentException("JVM option '" + option + "': " + name
                                + " is set by the launcher for every node (" + s.envName() + ")");
                    }
                }
            }
        }
    }
}
