package io.meld.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The rule of the tests tagged {@value #TAG}, which start real programs (dnsmasq, Slurm's daemons,
 * munge) or signal real processes: a program that is missing is installed with {@code apt-get} when this
 * runs as root on a machine that has it (Debian, as CI and these machines are); where a component still
 * cannot be set up, the test is skipped with the reason and the way to install it, except under {@code
 * CI=true}, where it fails, so that CI never passes by skipping what it must test. {@code
 * .ci/setup-real-components} installs them all ahead of a run.
 *
 * <p>Thread-safe: installs are one at a time, and each package is tried once per JVM.
 */
public final class RealComponents {
    /** The JUnit tag: {@code -DexcludedGroups=real-components} leaves these tests out of a quick run. */
    public static final String TAG = "real-components";

    private static final String INSTALL = "install them with .ci/setup-real-components (Debian, as root)";
    private static final long INSTALL_MINUTES = 10;

    /** Packages this JVM tried to install, with the outcome: {@code null} when it worked, else why not. */
    private static final Map<String, String> INSTALLS = new HashMap<>();

    private static boolean updated;

    private RealComponents() {}

    /** @return whether this is a CI run, where a missing component fails the test */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips the test (or fails it under CI) unless {@code available}.
     *
     * @param available whether the component can be used
     * @param what the component and why it cannot be, e.g. {@code dnsmasq is not installed}
     */
    public static void require(boolean available, String what) {
        if (available) {
            return;
        }
        String message = what + "; " + INSTALL + ", or leave these tests out with -DexcludedGroups=" + TAG;
        if (ci()) {
            Assertions.fail("CI=true, and a real component is missing: " + message);
        }
        Assumptions.abort("skipped (set CI=true to fail instead): " + message);
    }

    /**
     * Finds a program on {@code PATH} or in the system folders, skipping the test (failing under CI) when
     * it is missing.
     *
     * @param program the program's name, e.g. {@code dnsmasq}
     * @param debianPackage the package that has it, for the message
     * @return its path
     */
    public static Path program(String program, String debianPackage) {
        Optional<Path> found = find(program);
        String why = "";
        if (found.isEmpty()) {
            why = install(debianPackage);
            found = find(program);
        }
        require(
                found.isPresent(),
                program + " is not installed (Debian package " + debianPackage + ")"
                        + (why.isEmpty() ? "" : ": " + why));
        return found.orElseThrow();
    }

    /**
     * Installs a Debian package with {@code apt-get} (after one {@code apt-get update} per JVM), when this
     * runs as root and has {@code apt-get}. The services a package would start stay stopped where the
     * machine's {@code policy-rc.d} says so, as in containers; the tests start the daemons themselves.
     *
     * @param debianPackage the package
     * @return empty when it was installed, else why not
     */
    public static synchronized String install(String debianPackage) {
        if (INSTALLS.containsKey(debianPackage)) {
            return Objects.requireNonNullElse(INSTALLS.get(debianPackage), "");
        }
        Optional<Path> aptGet = find("apt-get");
        String why;
        if (aptGet.isEmpty()) {
            why = "no apt-get here to install it with";
        } else if (!"root".equals(System.getProperty("user.name"))) {
            why = "installing it needs root, and this runs as " + System.getProperty("user.name");
        } else {
            if (!updated) {
                updated = apt(List.of(aptGet.get().toString(), "-q", "update")).isEmpty();
            }
            why = apt(
                    List.of(aptGet.get().toString(), "-q", "-y", "--no-install-recommends", "install", debianPackage));
        }
        INSTALLS.put(debianPackage, why.isEmpty() ? null : why);
        return why;
    }

    /** Runs an apt-get command; returns empty when it succeeded, else its status and last lines. */
    private static String apt(List<String> command) {
        System.out.println("real components: " + String.join(" ", command));
        try {
            Path output = Files.createTempFile("meld-apt-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
                Process p = builder.redirectOutput(output.toFile()).start();
                if (!p.waitFor(INSTALL_MINUTES, TimeUnit.MINUTES)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    return String.join(" ", command) + " did not end within " + INSTALL_MINUTES + " minutes";
                }
                if (p.exitValue() == 0) {
                    return "";
                }
                List<String> lines = Files.readAllLines(output);
                return String.join(" ", command) + " failed with status " + p.exitValue() + ": "
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", command) + ": interrupted";
        }
    }

    /** Skips the test (fails it under CI) unless this process runs as root. */
    public static void requireRoot(String why) {
        require(
                "root".equals(System.getProperty("user.name")),
                why + " needs root, and this runs as " + System.getProperty("user.name"));
    }

    /**
     * @param program a program's name
     * @return its path, on {@code PATH} or in the usual system folders (which a non-login {@code PATH} may
     *     lack)
     */
    public static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new java.util.ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
