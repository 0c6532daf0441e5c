package io.meld.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The rule of the tests tagged {@value #TAG}, which start real programs (dnsmasq, Slurm's daemons,
 * munge) or signal real processes: where a component cannot be set up, the test is skipped with the
 * reason and the way to install it, except under {@code CI=true}, where it fails, so that CI never passes
 * by skipping what it must test. {@code .ci/setup-real-components} installs them (as root, on Debian).
 */
public final class RealComponents {
    /** The JUnit tag: {@code -DexcludedGroups=real-components} leaves these tests out of a quick run. */
    public static final String TAG = "real-components";

    private static final String INSTALL = "install them with .ci/setup-real-components (Debian, as root)";

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
        require(found.isPresent(), program + " is not installed (Debian package " + debianPackage + ")");
        return found.orElseThrow();
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
