package io.meld.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The class paths the launcher gives its nodes after the program's own entries.
 *
 * <p>A user's program gets {@link #runtime()}: Meld's runtime and its dependencies, nothing of the
 * command line, the benchmarks or their baselines, so that none of those can clash with the program's own
 * libraries. The build lays that out in {@code meld-cli/target/runtime/} (see {@code
 * src/main/assembly/runtime.xml}), the folder {@code docs/deploy.md} tells users to put on their class
 * path, and {@code bin/meld} names it in the system property {@value #RUNTIME_PROPERTY}. The benchmarks,
 * the examples and the demo run programs of the command line's own, which get {@link #launcher()}.
 */
final class MeldClassPath {
    /** The system property that names the folder holding Meld's runtime jars. */
    static final String RUNTIME_PROPERTY = "io.meld.cli.runtime";

    private MeldClassPath() {}

    /**
     * @return {@code DIR/*} for the folder named by {@value #RUNTIME_PROPERTY}; without the property (the
     *     launcher run from its classes, as by the tests), the launcher's own class path
     * @throws IllegalStateException when the property names a folder that does not exist
     */
    static List<String> runtime() {
        String dir = System.getProperty(RUNTIME_PROPERTY);
        if (dir == null || dir.isEmpty()) {
            return launcher();
        }
        if (!Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException(RUNTIME_PROPERTY + "=" + dir
                    + " is not a folder; it should hold Meld's runtime jars (meld-cli/target/runtime of a build)");
        }
        return List.of(dir + File.separator + "*");
    }

    /** @return the class path of the launcher's own JVM */
    static List<String> launcher() {
        return ClassPaths.split(System.getProperty("java.class.path", ""));
    }
}
