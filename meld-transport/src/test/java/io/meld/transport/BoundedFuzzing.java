package io.meld.transport;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Fuzzes each Jazzer {@link FuzzTest} of a module for a bounded time, each in a JVM of its own, and
 * fails with the crashing input when Jazzer finds one: Jazzer fuzzes a single fuzz test per JVM. Each
 * module's {@code BoundedFuzzingTest} calls {@link #fuzzAll()}; in the test JVM itself the same fuzz
 * tests only replay their inputs (the regression corpus).
 *
 * <p>The forked JVM runs {@link #main} (the JUnit Platform launcher, selecting the one method) with
 * {@code JAZZER_FUZZ=1}, the test JVM's class path and options, and {@code target/fuzzing/<Class>.<method>}
 * as its working directory: the corpus Jazzer grows ({@code .cifuzz-corpus}), its crash files and Java
 * reproducers, and the log ({@code fuzzing.log}) stay there, out of the source tree. A crash file
 * becomes a regression test when it is copied to {@code src/test/resources/<package>/<Class>Inputs/<method>/}.
 *
 * <p>{@code -Dfuzzing.seconds=N} sets how long each target is fuzzed (default {@value #DEFAULT_SECONDS});
 * {@code -Dfuzzing.target=Class#method} fuzzes only that target. See the README's Fuzzing section.
 */
public final class BoundedFuzzing {
    /** Seconds per target when {@code fuzzing.seconds} is not set: the whole CI run has about a minute. */
    public static final int DEFAULT_SECONDS = 3;

    /** Per-input time limit in the forked JVM: an input that runs longer is a finding (a hang). */
    private static final int INPUT_TIMEOUT_SECONDS = 10;

    /** Time for the forked JVM to start, instrument the classes and replay the corpus. */
    private static final int STARTUP_SECONDS = 120;

    /** How many lines of the forked JVM's log a failure shows, from Jazzer's report of the finding on. */
    private static final int REPORT_LINES = 60;

    private BoundedFuzzing() {}

    /**
     * Fuzzes every fuzz test of the module under test ({@code *FuzzTest} classes in {@code
     * target/test-classes}), or only the one {@code fuzzing.target} names ({@code Class#method}, the
     * class by its simple name or in full; the test is skipped when this module has no such target),
     * {@code fuzzing.parallel} at a time (default: one per core).
     *
     * @throws AssertionError naming each target that failed, with its crash files and Jazzer's report
     */
    public static void fuzzAll() throws IOException, InterruptedException {
        List<String> targets = targets();
        // Another module's target, when a build of several modules hunts one.
        Assumptions.assumeFalse(
                targets.isEmpty(),
                "no fuzz test of this module matches fuzzing.target=" + System.getProperty("fuzzing.target"));
        int parallel =
                Integer.getInteger("fuzzing.parallel", Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, targets.size())));
        try {
            List<Future<String>> results = new ArrayList<>();
            for (String target : targets) {
                results.add(pool.submit(() -> fuzz(target)));
            }
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                try {
                    System.out.println(results.get(i).get());
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                }
            }
            if (!failures.isEmpty()) {
                throw new AssertionError(String.join("\n", failures));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** @return {@code Class#method} of each fuzz test of this module that {@code fuzzing.target} selects */
    static List<String> targets() throws IOException {
        Path classes = Path.of(System.getProperty("basedir", "."), "target", "test-classes");
        List<String> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(f -> f.toString().endsWith("FuzzTest.class"))
                    .sorted()
                    .toList()) {
                String name = classes.relativize(f).toString().replace(File.separatorChar, '.');
                Class<?> c;
                try {
                    c = Class.forName(name.substring(0, name.length() - ".class".length()), false, loader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
                Arrays.stream(c.getDeclaredMethods())
                        .filter(m -> m.isAnnotationPresent(FuzzTest.class))
                        .map(m -> c.getName() + "#" + m.getName())
                        .sorted()
                        .forEach(all::add);
            }
        }
        String only = System.getProperty("fuzzing.target");
        if (only == null || only.isEmpty()) {
            return all;
        }
        return all.stream()
                .filter(t -> t.equals(only) || t.endsWith("." + only))
                .toList();
    }

    private static ClassLoader loader() {
        return Thread.currentThread().getContextClassLoader();
    }

    /**
     * Fuzzes {@code target} ({@code Class#method}) for {@code fuzzing.seconds} in a forked JVM.
     *
     * @return a line for the build's log: the target, and how many inputs Jazzer ran in how long
     * @throws AssertionError when Jazzer reports a finding or the JVM fails otherwise, with the crash
     *     files (path and bytes in hex) and Jazzer's report
     */
    static String fuzz(String target) throws IOException, InterruptedException {
        int seconds = Integer.getInteger("fuzzing.seconds", DEFAULT_SECONDS);
        String className = target.substring(0, target.indexOf('#'));
        String method = target.substring(target.indexOf('#') + 1);
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "fuzzing")
                .resolve(className.substring(className.lastIndexOf('.') + 1) + "." + method)
                .toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Path log = dir.resolve("fuzzing.log");

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The test JVM's options (heap, native access, agent loading), then what fuzzing needs instead.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-Xmx1g");
        // Jazzer's own oracles are the fuzz tests' checks and buffer counts; Netty's paranoid leak
        // tracking would cost more than the fuzzing itself.
        command.add("-Dio.netty.leakDetection.level=disabled");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
        command.add("-Djazzer.max_duration=" + seconds + "s");
        // Jazzer's temporary seed folder, too, goes where its other files are.
        command.add("-Djava.io.tmpdir=" + dir);
        command.add("-Djazzer.instrument=" + String.join(",", instrumented(className)));
        // Fory's shaded compiler (Janino) builds serializers: instrumented, it takes seconds per class.
        command.add("-Djazzer.instrumentation_excludes=org.apache.fory.shaded.**");
        // JUnit's own time limit would cut the fuzzing short; libFuzzer's per-input limit replaces it.
        command.add("-Djunit.jupiter.execution.timeout.mode=disabled");
        command.add("-Djunit.jupiter.execution.timeout.testtemplate.method.default=" + INPUT_TIMEOUT_SECONDS + "s");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BoundedFuzzing.class.getName());
        command.add(className);
        command.add(method);

        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAZZER_FUZZ", "1");
        Process process = builder.start();
        boolean exited;
        try {
            exited = process.waitFor(seconds + INPUT_TIMEOUT_SECONDS + STARTUP_SECONDS, TimeUnit.SECONDS);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (exited && process.exitValue() == 0) {
            String done = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("Done "))
                    .findFirst()
                    .orElse("no summary from libFuzzer");
            return "fuzzed " + target + ": " + done;
        }
        throw new AssertionError(report(target, dir, log, exited ? "exit code " + process.exitValue() : "did not end"));
    }

    /** @return the class patterns Jazzer instruments for a fuzz test class: Meld's, and its {@link InstrumentAlso} */
    private static List<String> instrumented(String className) {
        List<String> patterns = new ArrayList<>(List.of("io.meld.**"));
        try {
            InstrumentAlso also = Class.forName(className, false, loader()).getAnnotation(InstrumentAlso.class);
            if (also != null) {
                patterns.addAll(List.of(also.value()));
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return patterns;
    }

    /** The failure message: the crash files, each with its bytes, and the end of the JVM's log. */
    private static String report(String target, Path dir, Path log, String how) throws IOException {
        StringBuilder b = new StringBuilder("fuzzing ")
                .append(target)
                .append(" failed (")
                .append(how)
                .append(")\n");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(BoundedFuzzing::isFinding).sorted().toList()) {
                byte[] input = Files.readAllBytes(f);
                b.append("input: ").append(f).append('\n');
                b.append("  hex: ").append(HexFormat.of().formatHex(input, 0, Math.min(input.length, 4096)));
                b.append('\n');
            }
        }
        String className = target.substring(0, target.indexOf('#'));
        b.append("To keep it as a regression test, copy it to src/test/resources/")
                .append(className.replace('.', '/'))
                .append("Inputs/")
                .append(target.substring(target.indexOf('#') + 1))
                .append("/\n");
        // Jazzer's report: where it wrote the input, then the finding as JUnit reports it (or the log's end).
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        lines.stream()
                .filter(l -> l.contains("Test unit written to"))
                .forEach(l -> b.append(l).append('\n'));
        int from = Math.max(0, lines.size() - REPORT_LINES);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("Failures (")) {
                from = i;
                break;
            }
        }
        b.append("log (").append(log).append("):\n");
        lines.subList(from, Math.min(lines.size(), from + REPORT_LINES))
                .forEach(l -> b.append("  ").append(l).append('\n'));
        return b.toString();
    }

    private static boolean isFinding(Path f) {
        String name = f.getFileName().toString();
        return Files.isRegularFile(f)
                && (name.startsWith("crash-") || name.startsWith("timeout-") || name.startsWith("oom-"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /**
     * The forked JVM: runs the fuzz test {@code args[1]} of class {@code args[0]} (Jazzer fuzzes it,
     * as {@code JAZZER_FUZZ} is set) and exits with 1 when it failed or did not run.
     */
    public static void main(String[] args) throws ClassNotFoundException {
        Class<?> testClass = Class.forName(args[0]);
        Method method = Arrays.stream(testClass.getDeclaredMethods())
                .filter(m -> m.getName().equals(args[1]) && m.isAnnotationPresent(FuzzTest.class))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no @FuzzTest " + args[1] + " in " + args[0]));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectMethod(testClass, method))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        summary.printTo(new java.io.PrintWriter(System.out, true, StandardCharsets.UTF_8));
        summary.printFailuresTo(new java.io.PrintWriter(System.out, true, StandardCharsets.UTF_8), 40);
        boolean ran = summary.getTestsSucceededCount() > 0;
        System.exit(ran && summary.getTotalFailureCount() == 0 ? 0 : 1);
    }
}
