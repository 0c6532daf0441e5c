package io.meld.bench;

/**
 * The shared-memory baseline of {@link Gups} as a program of its own, so that {@code bin/meld bench}
 * runs it in a JVM started like the nodes' JVMs. Prints one JSON line ({@link GupsResult}).
 */
public final class GupsSharedMemory {
    private GupsSharedMemory() {}

    /**
     * @param args {@code THREADS TABLE_LOG2 SECONDS}
     */
    public static void main(String[] args) {
        GupsResult result =
                Gups.sharedMemory(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Double.parseDouble(args[2]));
        System.out.println(ResultCodec.encode(result));
        System.exit(result.verified() ? 0 : 1);
    }
}
