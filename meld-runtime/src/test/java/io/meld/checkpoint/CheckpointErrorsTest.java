package io.meld.checkpoint;

import static io.meld.checkpoint.CheckpointTesting.SMALL_CHUNKS;
import static io.meld.checkpoint.CheckpointTesting.fill;
import static io.meld.checkpoint.CheckpointTesting.mismatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.meld.CheckpointException;
import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.Meld;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a checkpoint can be missing, partial, corrupt or mismatched fails the restore on every node,
 * with the same {@link CheckpointException} naming the file and the problem, and leaves the arrays as
 * they were. One 2-node cluster writes a good checkpoint (arrays {@code x}, {@code long[1003]}, and
 * {@code y}, {@code double[1003]}; files {@code x.0.npy} and {@code x.1.npy} hold {@code [0, 502)} and
 * {@code [502, 1003)}), then, case by case, node 0 damages a copy and every node restores from it.
 * Restored as {@code CYCLIC} on 2 nodes, node 0 reads only {@code x.0.npy} and node 1 only {@code
 * x.1.npy}: a problem in one file is found by one node, and the other must fail all the same.
 */
@Timeout(120)
class CheckpointErrorsTest {
    private static final int LENGTH = 1003;

    /** A way to damage a checkpoint, the arrays restored from it, and what every node must be told. */
    record Case(String name, Damage damage, List<Target> targets, String file, String expected) {}

    /** An array to restore into. */
    record Target(String name, boolean isDouble, long length) {}

    @FunctionalInterface
    interface Damage {
        void apply(Path dir) throws IOException;
    }

    private static final List<Target> BOTH = List.of(new Target("x", false, LENGTH), new Target("y", true, LENGTH));

    private static List<Case> cases() {
        return List.of(
                new Case(
                        "no manifest (a checkpoint that did not finish)",
                        dir -> Files.delete(dir.resolve("manifest.json")),
                        BOTH,
                        "manifest.json",
                        "manifest.json does not exist"),
                new Case(
                        "a manifest that is not JSON",
                        dir -> Files.writeString(dir.resolve("manifest.json"), "{\"format\": \"meld-che"),
                        BOTH,
                        "manifest.json",
                        "is not a Meld checkpoint's manifest: it is not valid JSON"),
                new Case(
                        "a manifest of another format",
                        dir -> replace(dir.resolve("manifest.json"), "\"meld-checkpoint\"", "\"zarr\""),
                        BOTH,
                        "manifest.json",
                        "its \"format\" is \"zarr\", not \"meld-checkpoint\""),
                new Case(
                        "a manifest of a later version",
                        dir -> replace(dir.resolve("manifest.json"), "\"version\" : 1", "\"version\" : 2"),
                        BOTH,
                        "manifest.json",
                        "it is of version 2; this Meld reads version 1"),
                new Case(
                        "chunks that leave a gap",
                        dir -> replace(dir.resolve("manifest.json"), "\"start\" : 502", "\"start\" : 503"),
                        BOTH,
                        "manifest.json",
                        "the chunks must cover the array exactly"),
                new Case(
                        "a chunk file outside the directory",
                        dir -> replace(dir.resolve("manifest.json"), "\"x.1.npy\"", "\"../x.1.npy\""),
                        BOTH,
                        "manifest.json",
                        "its file is not a plain file name of the directory"),
                new Case(
                        "a missing chunk file",
                        dir -> Files.delete(dir.resolve("x.0.npy")),
                        BOTH,
                        "x.0.npy",
                        "x.0.npy (chunk [0, 502) of array 'x') does not exist: the checkpoint is incomplete"),
                new Case(
                        "a truncated chunk file",
                        dir -> truncate(dir.resolve("x.1.npy"), -8),
                        BOTH,
                        "x.1.npy",
                        "is 4128 bytes long, not 4136 (its header and 501 elements of 8 bytes): it is truncated"),
                new Case(
                        "a chunk file with bytes past its data",
                        dir -> truncate(dir.resolve("y.0.npy"), 3),
                        BOTH,
                        "y.0.npy",
                        "it has bytes past its data"),
                new Case(
                        "a flipped bit in a chunk's data",
                        dir -> flip(dir.resolve("x.0.npy"), 128 + 8 * 300 + 2),
                        BOTH,
                        "x.0.npy",
                        "x.0.npy is corrupt: the CRC-32C of its data bytes [2368, 2432) is"),
                new Case(
                        "a chunk file that is not .npy",
                        dir -> flip(dir.resolve("x.1.npy"), 1),
                        BOTH,
                        "x.1.npy",
                        "is not a chunk file: it does not start with the .npy magic"),
                new Case(
                        "a chunk header of another element type",
                        dir -> replace(dir.resolve("x.0.npy"), "'<i8'", "'<f8'"),
                        BOTH,
                        "x.0.npy",
                        "holds double[502] by its .npy header, but the manifest says long[502]"),
                new Case(
                        "a chunk header of another shape",
                        dir -> replace(dir.resolve("y.1.npy"), "(501,)", "(500,)"),
                        BOTH,
                        "y.1.npy",
                        "holds double[500] by its .npy header, but the manifest says double[501]"),
                new Case(
                        "an array the checkpoint does not have",
                        dir -> {},
                        List.of(new Target("z", false, LENGTH)),
                        "manifest.json",
                        "has no array 'z' (it has [x, y])"),
                new Case(
                        "an array of another length",
                        dir -> {},
                        List.of(new Target("x", false, 1000)),
                        "manifest.json",
                        "has array 'x' as long[1003], but it is restored into long[1000]"),
                new Case(
                        "an array of another element type",
                        dir -> {},
                        List.of(new Target("x", true, LENGTH)),
                        "manifest.json",
                        "has array 'x' as long[1003], but it is restored into double[1003]"));
    }

    @Test
    void shouldFailEveryNodeNamingTheFileAndTheProblemAndRestoreNothing(@TempDir Path dir) {
        List<Case> cases = cases();
        Path good = dir.resolve("good");
        List<List<String>> outcomes = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            try (var x = meld.longArray("x", LENGTH);
                    var y = meld.doubleArray("y", LENGTH)) {
                fill(meld, x, 1);
                fill(meld, y, 2);
                Checkpoints.checkpoint(meld, good, 64, x, y);
            }
            List<String> seen = new ArrayList<>();
            for (int c = 0; c < cases.size(); c++) {
                Case k = cases.get(c);
                Path copy = dir.resolve("case-" + c);
                if (meld.rank() == 0) {
                    copy(good, copy);
                    k.damage().apply(copy);
                }
                meld.barrier();
                List<GlobalArray> targets = new ArrayList<>();
                for (Target t : k.targets()) {
                    targets.add(
                            t.isDouble()
                                    ? meld.doubleArray(t.name(), t.length(), Distribution.CYCLIC)
                                    : meld.longArray(t.name(), t.length(), Distribution.CYCLIC));
                }
                for (GlobalArray t : targets) {
                    fill(meld, t, 9);
                }
                String outcome;
                try {
                    Checkpoints.restore(meld, copy, 48, targets.toArray(GlobalArray[]::new));
                    outcome = k.name() + ": no error";
                } catch (CheckpointException e) {
                    outcome = k.name() + ": " + e.path().getFileName() + ": " + e.getMessage();
                }
                long touched = 0;
                for (GlobalArray t : targets) {
                    touched += mismatches(meld, t, 9);
                    t.close();
                }
                seen.add(outcome + (touched == 0 ? "" : " [" + touched + " elements were modified]"));
            }
            return seen;
        });
        for (List<String> node : outcomes) {
            assertThat(node).hasSize(cases.size());
            for (int c = 0; c < cases.size(); c++) {
                Case k = cases.get(c);
                assertThat(node.get(c))
                        .as(k.name())
                        .startsWith(k.name() + ": " + k.file() + ": restore from ")
                        .contains("(nothing was restored) failed: node ", k.expected())
                        .doesNotContain("elements were modified");
            }
        }
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertThat(text).contains(from);
        Files.write(file, text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void truncate(Path file, int by) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() + by);
        }
    }

    private static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x04);
        }
    }
}
