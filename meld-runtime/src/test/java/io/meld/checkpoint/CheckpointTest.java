package io.meld.checkpoint;

import static io.meld.checkpoint.CheckpointTesting.SMALL_CHUNKS;
import static io.meld.checkpoint.CheckpointTesting.fill;
import static io.meld.checkpoint.CheckpointTesting.mismatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.jr.ob.JSON;
import io.meld.CheckpointException;
import io.meld.Distribution;
import io.meld.GlobalArray;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written by 3 nodes (with shares of several chunks, and checksum segments of 64 bytes, so
 * that reads cross both) restore onto 1, 2 and 4 nodes and other distributions, element for element;
 * they hold every operation issued before the call; per-node directories work; a checkpoint that failed
 * on one node leaves no manifest.
 */
@Timeout(120)
class CheckpointTest {
    static final int LENGTH = 1003;
    static final int SEGMENT = 64;
    static final int BUFFER = 40;

    @TempDir
    static Path shared;

    static Path threeNodes;

    /** Arrays of every type and distribution, an array shorter than the node count, and an empty one. */
    @BeforeAll
    static void writeACheckpointOnThreeNodes() {
        threeNodes = shared.resolve("three-nodes");
        Meld.local(3, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray l = meld.longArray("l", LENGTH);
                    GlobalDoubleArray d = meld.doubleArray("d", LENGTH, Distribution.CYCLIC);
                    GlobalLongArray bc = meld.longArray("bc", LENGTH, Distribution.blockCyclic(5));
                    GlobalLongArray tiny = meld.longArray("tiny", 2);
                    GlobalDoubleArray empty = meld.doubleArray("empty", 0)) {
                fill(meld, l, 1);
                fill(meld, d, 2);
                fill(meld, bc, 3);
                fill(meld, tiny, 4);
                Checkpoints.checkpoint(meld, threeNodes, SEGMENT, l, d, bc, tiny, empty);
            }
        });
    }

    @Test
    void shouldWriteOneNpyFilePerNodeAndArrayAndAManifestThatListsThem() throws IOException {
        try (Stream<Path> files = Files.list(threeNodes)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "manifest.json",
                            "l.0.npy",
                            "l.1.npy",
                            "l.2.npy",
                            "d.0.npy",
                            "d.1.npy",
                            "d.2.npy",
                            "bc.0.npy",
                            "bc.1.npy",
                            "bc.2.npy",
                            "tiny.0.npy",
                            "tiny.1.npy");
        }
        Map<String, Object> manifest = JSON.std.mapFrom(Files.readString(threeNodes.resolve("manifest.json")));
        assertThat(manifest).containsEntry("format", "meld-checkpoint").containsEntry("version", 1);
        assertThat(manifest).containsEntry("nodes", 3);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> arrays = (List<Map<String, Object>>) manifest.get("arrays");
        assertThat(arrays)
                .extracting(
                        a -> a.get("name") + " " + a.get("dtype") + " " + a.get("length") + " " + a.get("distribution"))
                .containsExactly(
                        "l <i8 1003 BLOCK",
                        "d <f8 1003 CYCLIC",
                        "bc <i8 1003 BLOCK_CYCLIC(5)",
                        "tiny <i8 2 BLOCK",
                        "empty <f8 0 BLOCK");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> chunks =
                (List<Map<String, Object>>) arrays.get(0).get("chunks");
        assertThat(chunks)
                .extracting(c -> c.get("file") + " " + c.get("start") + " " + c.get("length"))
                .containsExactly("l.0.npy 0 335", "l.1.npy 335 334", "l.2.npy 669 334");
        assertThat((List<?>) chunks.get(0).get("crc32c")).hasSize((335 * 8 + SEGMENT - 1) / SEGMENT);
        assertThat(Files.size(threeNodes.resolve("l.0.npy"))).isEqualTo(128 + 335 * 8);
    }

    @Test
    void shouldRestoreThreeNodesOntoTwoWithOtherDistributions() {
        assertThat(restoreOnto(2, Distribution.CYCLIC, Distribution.BLOCK, Distribution.blockCyclic(7)))
                .containsOnly(0L);
    }

    @Test
    void shouldRestoreThreeNodesOntoFour() {
        assertThat(restoreOnto(4, Distribution.blockCyclic(3), Distribution.CYCLIC, Distribution.BLOCK))
                .containsOnly(0L);
    }

    @Test
    void shouldRestoreThreeNodesOntoOne() {
        assertThat(restoreOnto(1, Distribution.CYCLIC, Distribution.BLOCK, Distribution.BLOCK))
                .containsOnly(0L);
    }

    @Test
    void shouldRestoreThreeNodesOntoThreeWithTheSameDistributions() {
        assertThat(restoreOnto(3, Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(5)))
                .containsOnly(0L);
    }

    /** @return every node's count of wrong elements, over all the arrays */
    private static List<Long> restoreOnto(int nodes, Distribution l, Distribution d, Distribution bc) {
        return Meld.localResults(nodes, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray la = meld.longArray("l", LENGTH, l);
                    GlobalDoubleArray da = meld.doubleArray("d", LENGTH, d);
                    GlobalLongArray bca = meld.longArray("bc", LENGTH, bc);
                    GlobalLongArray tiny = meld.longArray("tiny", 2, Distribution.CYCLIC);
                    GlobalDoubleArray empty = meld.doubleArray("empty", 0)) {
                fill(meld, la, 99); // every element is overwritten
                Checkpoints.restore(meld, threeNodes, BUFFER, la, da, bca, tiny, empty);
                return mismatches(meld, la, 1)
                        + mismatches(meld, da, 2)
                        + mismatches(meld, bca, 3)
                        + mismatches(meld, tiny, 4);
            }
        });
    }

    @Test
    void shouldRestoreSomeOfTheArraysThroughTheMeldInterface() {
        List<Long> wrong = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            try (GlobalDoubleArray d = meld.doubleArray("d", LENGTH)) {
                meld.restore(threeNodes, d);
                return mismatches(meld, d, 2);
            }
        });
        assertThat(wrong).containsOnly(0L);
    }

    @Test
    void shouldHoldEveryOperationIssuedBeforeTheCallAndNoneAfter(@TempDir Path dir) {
        int length = 4096;
        int adds = 20_000;
        List<Long> totals = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            long[] expected = new long[length];
            GlobalLongArray counts = meld.longArray("counts", length);
            for (int k = 0; k < adds; k++) {
                counts.add(slot(k, meld.rank(), length), 1); // fire-and-forget, mostly to the other node
            }
            for (int r = 0; r < meld.size(); r++) {
                for (int k = 0; k < adds; k++) {
                    expected[slot(k, r, length)]++;
                }
            }
            meld.checkpoint(dir, counts); // no fence before: the checkpoint's own start completes the adds
            for (int k = 0; k < adds; k++) {
                counts.add(slot(k, meld.rank(), length), 1000); // after the call: not in the checkpoint
            }
            counts.close();
            try (GlobalLongArray again = meld.longArray("counts", length, Distribution.CYCLIC)) {
                meld.restore(dir, again);
                long wrong = 0;
                for (int i = 0; i < length; i++) {
                    if (again.owner(i) == meld.rank() && again.get(i) != expected[i]) {
                        wrong++;
                    }
                }
                return meld.allReduce(wrong, LongOp.SUM);
            }
        });
        assertThat(totals).containsOnly(0L);
    }

    private static int slot(int k, int rank, int length) {
        return (int) ((k * 7919L + rank * 104729L) % length);
    }

    @Test
    void shouldWriteAndRestoreWithADirectoryPerNode(@TempDir Path dir) {
        List<Long> wrong = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            Path mine = dir.resolve("node-" + meld.rank());
            try (GlobalLongArray a = meld.longArray("a", LENGTH)) {
                fill(meld, a, 5);
                Checkpoints.checkpoint(meld, mine, SEGMENT, a);
                fill(meld, a, 6);
                Checkpoints.restore(meld, mine, BUFFER, a); // each node reads only its own files
                return mismatches(meld, a, 5);
            }
        });
        assertThat(wrong).containsOnly(0L);
        assertThat(dir.resolve("node-0/manifest.json")).exists();
        assertThat(dir.resolve("node-1/manifest.json")).hasSameTextualContentAs(dir.resolve("node-0/manifest.json"));
        assertThat(dir.resolve("node-0/a.0.npy")).exists();
        assertThat(dir.resolve("node-0/a.1.npy")).doesNotExist();
        assertThat(dir.resolve("node-1/a.1.npy")).exists();
    }

    @Test
    void shouldLeaveNoManifestWhenANodeFailedToWrite(@TempDir Path dir) throws IOException {
        // A good checkpoint first, then one that node 1 cannot write: its directory is a file.
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "not a directory");
        List<String> errors = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray a = meld.longArray("a", LENGTH)) {
                fill(meld, a, 7);
                Path target = dir.resolve("node-" + meld.rank());
                Checkpoints.checkpoint(meld, target, SEGMENT, a);
                try {
                    meld.checkpoint(meld.rank() == 1 ? blocked : target, a);
                    return "no error";
                } catch (CheckpointException e) {
                    return e.path().getFileName() + ": " + e.getMessage();
                }
            }
        });
        assertThat(errors)
                .allSatisfy(e -> assertThat(e)
                        .startsWith("blocked: checkpoint into ")
                        .contains("failed: node 1: ", "cannot prepare the directory"));
        // The earlier checkpoint's manifest was deleted before the failed one: no stale manifest remains.
        assertThat(dir.resolve("node-0/manifest.json")).doesNotExist();
        assertThatThrownBy(() -> Meld.local(1, SMALL_CHUNKS, meld -> {
                    try (GlobalLongArray a = meld.longArray("a", LENGTH)) {
                        meld.restore(dir.resolve("node-0"), a);
                    }
                }))
                .rootCause()
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("manifest.json does not exist")
                .hasMessageContaining("holds no complete checkpoint");
    }

    @Test
    void shouldRefuseArraysThatDifferBetweenNodes(@TempDir Path dir) {
        List<String> errors = Meld.localResults(2, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 10);
                    GlobalLongArray b = meld.longArray("b", 10)) {
                List<GlobalArray> mine = new ArrayList<>(List.of(a));
                if (meld.rank() == 1) {
                    mine.add(b);
                }
                try {
                    meld.checkpoint(dir, mine.toArray(GlobalArray[]::new));
                    return "no error";
                } catch (CheckpointException e) {
                    return e.getMessage();
                }
            }
        });
        assertThat(errors.get(0)).contains("the nodes passed different arrays", "[a: long[10], b: long[10]]");
        assertThat(errors.get(1)).contains("the nodes passed different arrays");
        assertThat(dir.resolve("manifest.json")).doesNotExist();
    }

    @Test
    void shouldRefuseNoArrayOrAnArrayNamedTwice(@TempDir Path dir) {
        Meld.local(1, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray a = meld.longArray("a", 10)) {
                assertThatThrownBy(() -> meld.checkpoint(dir))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("name at least one");
                assertThatThrownBy(() -> meld.restore(dir, a, a))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("array 'a' is named twice");
            }
        });
    }

    @Test
    void shouldNameFilesAfterArraysWithoutLeavingTheDirectory() {
        Meld.local(1, SMALL_CHUNKS, meld -> {
            try (GlobalLongArray a = meld.longArray("../x y", 1);
                    GlobalLongArray b = meld.longArray("../x_y", 1);
                    GlobalLongArray c = meld.longArray("heat.plate", 1)) {
                assertThat(Checkpoints.fileNames(List.of(a, b, c)))
                        .containsExactly("_.._x_y", "_.._x_y~1", "heat.plate");
            }
        });
    }
}
