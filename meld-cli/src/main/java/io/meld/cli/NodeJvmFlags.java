package io.meld.cli;

import java.util.List;

/**
 * The JVM options a Meld node needs on each JDK, so that it runs with no warning: the launcher gives them
 * to every node it starts, and {@code docs/deploy.md} lists them for {@code java} commands written by
 * hand.
 *
 * <ul>
 *   <li>{@code --enable-native-access=ALL-UNNAMED}, on every JDK: Netty's native transport (epoll) loads
 *       a JNI library from the class path, which JDK 24 and later warn about (JEP 472) unless native
 *       access is enabled for the class path's code. Every JDK from 21 on accepts the option.
 *   <li>{@code --sun-misc-unsafe-memory-access=allow}, from JDK 23 on: Apache Fory, the object codec,
 *       uses {@code sun.misc.Unsafe}'s memory access, which JDK 24 and later warn about on first use
 *       (JEP 498) unless it is allowed. The option exists from JDK 23 (JEP 471); JDK 21 and 22 refuse it
 *       as unrecognized and do not need it.
 * </ul>
 */
final class NodeJvmFlags {
    /** The oldest JDK Meld runs on. */
    static final int MIN_RELEASE = 21;

    /** The first JDK that has {@code --sun-misc-unsafe-memory-access}. */
    static final int UNSAFE_MEMORY_ACCESS_RELEASE = 23;

    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    static final String UNSAFE_MEMORY_ACCESS = "--sun-misc-unsafe-memory-access=allow";

    private NodeJvmFlags() {}

    /**
     * @param release a JDK's feature release, e.g. {@code 21} ({@code Runtime.version().feature()})
     * @return the options of a node's JVM on that JDK, in order
     * @throws IllegalArgumentException when the release is older than {@value #MIN_RELEASE}
     */
    static List<String> forRelease(int release) {
        if (release < MIN_RELEASE) {
            throw new IllegalArgumentException("Meld needs a JDK " + MIN_RELEASE + " or newer, not JDK " + release);
        }
        return release >= UNSAFE_MEMORY_ACCESS_RELEASE
                ? List.of(NATIVE_ACCESS, UNSAFE_MEMORY_ACCESS)
                : List.of(NATIVE_ACCESS);
    }

    /** @return the options for the JDK this JVM runs on, which is the one the launcher starts nodes with */
    static List<String> forThisJdk() {
        return forRelease(Runtime.version().feature());
    }
}
