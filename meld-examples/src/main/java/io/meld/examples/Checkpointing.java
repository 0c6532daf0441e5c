package io.meld.examples;

import io.meld.GlobalArray;
import io.meld.Meld;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The examples' {@code --checkpoint DIR --every K} and {@code --restore DIR}: a checkpoint every {@code K}
 * steps (and after the last), each in a directory {@code DIR/step-NNNNNNNNN} of its own, so that the
 * previous one stays whole until the next is complete; node 0 then deletes the previous one. {@code
 * --restore DIR} takes a checkpoint's directory, or the latest complete {@code step-*} directory in it.
 *
 * <p>Not thread-safe: the program's collective-calling thread uses it.
 */
final class Checkpointing {
    private final Path dir;
    private final int every;
    private final Path restore;
    private Path previous;

    private Checkpointing(Path dir, int every, Path restore) {
        this.dir = dir;
        this.every = every;
        this.restore = restore;
    }

    /** @return the options, for an example's {@link Example#options()} */
    static List<ExampleOption> options(String unit) {
        return List.of(
                ExampleOption.text(
                        "checkpoint",
                        "DIR",
                        "write a checkpoint every --every " + unit + " and after the last, into DIR/step-N"),
                ExampleOption.number(
                        "every",
                        "K",
                        0,
                        0,
                        1_000_000_000,
                        "with --checkpoint: every K " + unit + " (0: after the last only)"),
                ExampleOption.text(
                        "restore",
                        "DIR",
                        "start from a checkpoint: DIR itself, or the latest complete DIR/step-N (the same answer)"));
    }

    /** @throws IllegalArgumentException for {@code --every} without {@code --checkpoint} */
    static void check(ExampleOptions options) {
        if (options.getInt("every") > 0 && options.getText("checkpoint") == null) {
            throw new IllegalArgumentException("--every " + options.getInt("every") + " needs --checkpoint DIR");
        }
    }

    static Checkpointing of(ExampleOptions options) {
        String dir = options.getText("checkpoint");
        String restore = options.getText("restore");
        return new Checkpointing(
                dir == null ? null : Path.of(dir), options.getInt("every"), restore == null ? null : Path.of(restore));
    }

    /** @return a copy that neither writes nor restores (for warm-up runs) */
    static Checkpointing none() {
        return new Checkpointing(null, 0, null);
    }

    boolean writes() {
        return dir != null;
    }

    boolean restores() {
        return restore != null;
    }

    /** @return whether a checkpoint is due after {@code step} of {@code last} */
    boolean due(int step, int last) {
        return dir != null && (step == last || (every > 0 && step % every == 0));
    }

    /** Writes a checkpoint of the state after {@code step}; a collective. */
    void write(Meld meld, int step, GlobalArray... arrays) {
        Path target = dir.resolve(String.format(java.util.Locale.ROOT, "step-%09d", step));
        meld.checkpoint(target, arrays);
        if (meld.rank() == 0 && previous != null && !previous.equals(target)) {
            deleteTree(previous);
        }
        previous = target;
    }

    /** Restores the arrays from {@code --restore}; a collective. */
    void restore(Meld meld, GlobalArray... arrays) {
        meld.restore(latest(restore), arrays);
    }

    /**
     * @return {@code dir} when it holds a manifest, else its {@code step-*} directory with the highest step
     *     that holds one, else {@code dir} (whose restore then says that it has no manifest)
     */
    static Path latest(Path dir) {
        if (Files.exists(dir.resolve("manifest.json")) || !Files.isDirectory(dir)) {
            return dir;
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> p.getFileName().toString().startsWith("step-"))
                    .filter(p -> Files.exists(p.resolve("manifest.json")))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElse(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover older checkpoint costs disk space only; the newer one is complete.
        }
    }
}
