package io.meld.checkpoint;

import static io.meld.checkpoint.CheckpointTesting.SMALL_CHUNKS;
import static io.meld.checkpoint.CheckpointTesting.doubleValue;
import static io.meld.checkpoint.CheckpointTesting.fill;
import static io.meld.checkpoint.CheckpointTesting.longValue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import io.meld.Distribution;
import io.meld.Meld;
import io.meld.testing.RealComponents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint is readable without Meld, by what {@code docs/checkpoint.md} says alone: by numpy ({@code
 * np.load} of each chunk, placed by the manifest's offsets, with the checksums recomputed in plain
 * Python), and by a reader written here from the format's description (none of Meld's classes).
 */
@Timeout(180)
class IndependentReadersTest {
    static final int LENGTH = 1003;

    @TempDir
    static Path dir;

    static Path checkpoint;

    @BeforeAll
    static void writeACheckpointOnThreeNodes() {
        checkpoint = dir.resolve("checkpoint");
        Meld.local(3, SMALL_CHUNKS, meld -> {
            try (var l = meld.longArray("counts", LENGTH, Distribution.blockCyclic(4));
                    var d = meld.doubleArray("heat.plate", LENGTH, Distribution.CYCLIC);
                    var e = meld.doubleArray("empty", 0)) {
                fill(meld, l, 1);
                fill(meld, d, 2);
                Checkpoints.checkpoint(meld, checkpoint, 64, l, d, e);
            }
        });
    }

    @Test
    void shouldBeReadByAJavaReaderOfTheDocumentedFormat() throws IOException {
        Map<String, Object> manifest = JSON.std.mapFrom(Files.readString(checkpoint.resolve("manifest.json")));
        assertThat(manifest.get("format")).isEqualTo("meld-checkpoint");
        Map<String, long[]> arrays = read(checkpoint, manifest);
        assertThat(arrays.keySet()).containsExactlyInAnyOrder("counts", "heat.plate", "empty");
        assertThat(arrays.get("empty")).isEmpty();
        long[] counts = arrays.get("counts");
        long[] plate = arrays.get("heat.plate");
        for (int i = 0; i < LENGTH; i++) {
            assertThat(counts[i]).isEqualTo(longValue(i, 1));
            assertThat(plate[i]).isEqualTo(Double.doubleToRawLongBits(doubleValue(i, 2)));
        }
    }

    /** The reader: every array's elements as raw 64-bit words, by name. */
    @SuppressWarnings("unchecked")
    private static Map<String, long[]> read(Path dir, Map<String, Object> manifest) throws IOException {
        int segment = ((Number) ((Map<String, Object>) manifest.get("checksum")).get("segment_bytes")).intValue();
        Map<String, long[]> out = new java.util.HashMap<>();
        for (Map<String, Object> a : (List<Map<String, Object>>) manifest.get("arrays")) {
            long[] values = new long[((Number) a.get("length")).intValue()];
            for (Map<String, Object> c : (List<Map<String, Object>>) a.get("chunks")) {
                byte[] file = Files.readAllBytes(dir.resolve((String) c.get("file")));
                ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(new String(file, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
                assertThat(file[6]).isEqualTo((byte) 1);
                int dataStart = 10 + (b.getShort(8) & 0xffff);
                String header = new String(file, 10, dataStart - 10, StandardCharsets.US_ASCII);
                int length = ((Number) c.get("length")).intValue();
                assertThat(header)
                        .contains("'descr': '" + a.get("dtype") + "'", "'fortran_order': False", "(" + length + ",)");
                assertThat(file.length - dataStart).isEqualTo(8 * length);
                List<Number> crcs = (List<Number>) c.get("crc32c");
                for (int s = 0; s < crcs.size(); s++) {
                    CRC32C crc = new CRC32C();
                    int from = dataStart + s * segment;
                    crc.update(file, from, Math.min(segment, file.length - from));
                    assertThat(crc.getValue()).isEqualTo(crcs.get(s).longValue());
                }
                int start = ((Number) c.get("start")).intValue();
                b.position(dataStart).asLongBuffer().get(values, start, length);
            }
            out.put((String) a.get("name"), values);
        }
        return out;
    }

    /** numpy, from a script that knows only the documented format. */
    static final String NUMPY_READER = """
            import json, os, sys
            import numpy as np

            T = []
            for i in range(256):
                c = i
                for _ in range(8):
                    c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
                T.append(c)

            def crc32c(data):
                c = 0xFFFFFFFF
                for x in data:
                    c = T[(c ^ x) & 0xFF] ^ (c >> 8)
                return c ^ 0xFFFFFFFF

            src, out = sys.argv[1], sys.argv[2]
            with open(os.path.join(src, "manifest.json")) as f:
                m = json.load(f)
            assert m["format"] == "meld-checkpoint" and m["version"] == 1, m
            seg = m["checksum"]["segment_bytes"]
            for a in m["arrays"]:
                x = np.zeros(a["length"], dtype=np.dtype(a["dtype"]))
                for c in a["chunks"]:
                    part = np.load(os.path.join(src, c["file"]))
                    assert part.dtype == x.dtype and part.shape == (c["length"],), (c, part.dtype, part.shape)
                    raw = part.tobytes()
                    assert [crc32c(raw[i:i + seg]) for i in range(0, len(raw), seg)] == c["crc32c"], c["file"]
                    x[c["start"]:c["start"] + c["length"]] = part
                x.tofile(os.path.join(out, a["name"] + ".raw"))
            print("numpy read", len(m["arrays"]), "arrays")
            """;

    @Test
    @Tag(RealComponents.TAG)
    void shouldBeReadByNumpy(@TempDir Path out) throws Exception {
        Path python = pythonWithNumpy();
        Path script = out.resolve("read_checkpoint.py");
        Files.writeString(script, NUMPY_READER);
        Path log = out.resolve("python.log");
        Process p = new ProcessBuilder(python.toString(), script.toString(), checkpoint.toString(), out.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("numpy read 3 arrays");
        ByteBuffer counts =
                ByteBuffer.wrap(Files.readAllBytes(out.resolve("counts.raw"))).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer plate = ByteBuffer.wrap(Files.readAllBytes(out.resolve("heat.plate.raw")))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(counts.remaining()).isEqualTo(8 * LENGTH);
        assertThat(plate.remaining()).isEqualTo(8 * LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            assertThat(counts.getLong(8 * i)).isEqualTo(longValue(i, 1));
            assertThat(plate.getDouble(8 * i)).isEqualTo(doubleValue(i, 2));
        }
        assertThat(Files.size(out.resolve("empty.raw"))).isZero();
    }

    /**
     * @return a {@code python3} that imports numpy: the one on {@code PATH}, or Debian's, installed with
     *     {@code python3-numpy} when missing (skips the test, or fails it under CI, when that cannot be done)
     */
    static Path pythonWithNumpy() {
        Optional<Path> found = findPythonWithNumpy();
        String why = "";
        if (found.isEmpty()) {
            why = RealComponents.install("python3-numpy");
            found = findPythonWithNumpy();
        }
        RealComponents.require(
                found.isPresent(),
                "python3 with numpy is not installed (Debian package python3-numpy)"
                        + (why.isEmpty() ? "" : ": " + why));
        return found.orElseThrow();
    }

    private static Optional<Path> findPythonWithNumpy() {
        for (Optional<Path> candidate :
                List.of(RealComponents.find("python3"), Optional.of(Path.of("/usr/bin/python3")))) {
            if (candidate.isPresent() && Files.isExecutable(candidate.get())) {
                try {
                    Process p = new ProcessBuilder(candidate.get().toString(), "-c", "import numpy")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                        return candidate;
                    }
                    p.destroyForcibly();
                } catch (IOException e) {
                    // not runnable: try the next
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
