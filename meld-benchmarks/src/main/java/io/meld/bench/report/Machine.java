package io.meld.bench.report;

import io.meld.bench.BenchmarkResult;
import io.meld.bench.ResultCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the figures came from: the machine, the JDK, and how busy the machine was when the run started
 * (benchmarks on a loaded machine measure the load too); its JSON line is {@code "benchmark":"machine"}.
 *
 * @param cpu the processor model, from {@code /proc/cpuinfo}, or the architecture
 * @param cores the processors the JVM sees
 * @param memoryBytes the machine's memory, from {@code /proc/meminfo}, or -1
 * @param jdk the JDK's name and version
 * @param os the operating system and kernel
 * @param loadAverage the 1-minute load average at the start, from {@code /proc/loadavg}, or -1
 * @param started when the run started, UTC
 */
public record Machine(
        String cpu, int cores, long memoryBytes, String jdk, String os, double loadAverage, String started)
        implements BenchmarkResult {
    /** @return this machine, now */
    public static Machine current() {
        String cpu = System.getProperty("os.arch");
        long memory = -1;
        double load = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    break;
                }
            }
            load = Double.parseDouble(
                    Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux: what the JVM knows is enough
        }
        return new Machine(
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memory,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                load,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    @Override
    public String benchmark() {
        return "machine";
    }

    /**
     * Reads a machine back from its JSON line's fields.
     *
     * @param f the fields
     * @return the machine
     */
    public static Machine of(Map<String, Object> f) {
        return new Machine(
                String.valueOf(f.get("cpu")),
                (int) ResultCodec.number(f, "cores"),
                (long) ResultCodec.number(f, "memory_bytes"),
                String.valueOf(f.get("jdk")),
                String.valueOf(f.get("os")),
                ResultCodec.number(f, "load_average"),
                String.valueOf(f.get("started")));
    }

    /** @return label and value pairs, for the report */
    List<String[]> rows() {
        return List.of(
                new String[] {"processor", cpu},
                new String[] {"cores", Integer.toString(cores)},
                new String[] {
                    "memory", memoryBytes > 0 ? String.format(Locale.ROOT, "%.1f GiB", memoryBytes / 1073741824.0) : "?"
                },
                new String[] {"JDK", jdk},
                new String[] {"OS", os},
                new String[] {
                    "load average at start", loadAverage >= 0 ? String.format(Locale.ROOT, "%.2f", loadAverage) : "?"
                },
                new String[] {"started", started});
    }
}
