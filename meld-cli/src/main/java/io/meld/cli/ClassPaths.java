package io.meld.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Class path checks the launcher makes before it starts any node, so that a mistyped path or class name
 * is one clear message instead of the same error from every node.
 *
 * <p>Entries are read as {@code java -cp} reads them: directories, jar files, and {@code dir/*} for every
 * jar in a directory.
 */
final class ClassPaths {
    private static final String WILDCARD = "*";

    private ClassPaths() {}

    /**
     * @param classPath entries separated by {@link File#pathSeparator}
     * @return the non-empty entries
     */
    static List<String> split(String classPath) {
        return Arrays.stream(classPath.split(File.pathSeparator))
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * @param entry a class path entry
     * @return whether it exists: the file or directory, or for {@code dir/*} the directory
     */
    static boolean exists(String entry) {
        if (isWildcard(entry)) {
            return Files.isDirectory(wildcardDirectory(entry));
        }
        return Files.exists(Path.of(entry));
    }

    /**
     * @param entries class path entries
     * @param className a binary class name, e.g. {@code com.example.Main} or {@code com.example.Outer$Main}
     * @return whether the class file is found in the entries (or in jars their manifests name), as {@code
     *     java -cp} would find it
     */
    static boolean containsClass(List<String> entries, String className) {
        List<URL> urls = new ArrayList<>();
        for (String entry : entries) {
            if (isWildcard(entry)) {
                Path dir = wildcardDirectory(entry);
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(ClassPaths::isJar).sorted().forEach(jar -> urls.add(url(jar)));
                } catch (IOException e) {
                    // missing or unreadable: as if absent
                }
            } else {
                urls.add(url(Path.of(entry)));
            }
        }
        String resource = className.replace('.', '/') + ".class";
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), null)) {
            return loader.findResource(resource) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * @param entries class path entries
     * @return those that do not exist
     */
    static List<String> missing(List<String> entries) {
        List<String> missing = new ArrayList<>();
        for (String e : entries) {
            if (!exists(e)) {
                missing.add(e);
            }
        }
        return missing;
    }

    private static boolean isWildcard(String entry) {
        return entry.equals(WILDCARD) || entry.endsWith(File.separator + WILDCARD);
    }

    private static Path wildcardDirectory(String entry) {
        String dir = entry.substring(0, entry.length() - 1);
        return Path.of(dir.isEmpty() ? "." : dir);
    }

    private static boolean isJar(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jar") && Files.isRegularFile(p);
    }

    private static URL url(Path path) {
        try {
            return path.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("class path entry " + path + ": " + e.getMessage(), e);
        }
    }
}
