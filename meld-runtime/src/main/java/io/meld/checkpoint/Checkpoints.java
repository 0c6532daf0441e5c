package io.meld.checkpoint;

import io.meld.CheckpointException;
import io.meld.GlobalArray;
import io.meld.Meld;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The collective checkpoint and restore of global arrays, on every node, through the node's own {@link
 * Meld} (its barrier, {@code allGather}, local views and bulk transfers): the protocol that {@code
 * docs/checkpoint.md} describes.
 *
 * <h2>Checkpoint</h2>
 *
 * <ol>
 *   <li>the nodes agree that they were passed the same arrays ({@code allGather} of their descriptions);
 *   <li>a {@code barrier}: the consistency point;
 *   <li>every node makes the directory, node 0 deletes a manifest left there; the nodes agree;
 *   <li>every node writes its part of the {@code BLOCK} split of every array into one {@code .npy} file
 *       each, checksumming every segment as it goes, forces the files and the directory to disk;
 *   <li>the nodes exchange their checksums, or their failure ({@code allGather}): each now holds the
 *       whole manifest;
 *   <li>node 0 writes the manifest atomically; the nodes agree; a node whose directory has no manifest
 *       then (its directory is its own) writes a copy into it; the nodes agree.
 * </ol>
 *
 * <h2>Restore</h2>
 *
 * After the same agreement and a barrier: every node reads and checks the manifest, and the header and
 * length of every file that holds its part of the {@code BLOCK} split of each array; the nodes agree;
 * every node checks the checksums of the segments it will read; the nodes agree; only then does every
 * node load its part (into its own storage, or by bulk puts to the homes), fences, and the nodes agree
 * and end with a barrier. An agreement is an {@code allGather} of each node's first problem, so that every
 * node throws the same {@link CheckpointException} or none does.
 *
 * <p>Not thread-safe, as a collective: one program thread of each node calls it.
 */
public final class Checkpoints {
    /** The bytes of data checksummed together, and the size of the I/O buffer: 8 MiB. */
    static final int SEGMENT_BYTES = 8 << 20;

    private Checkpoints() {}

    /**
     * Writes a checkpoint; see {@code Meld.checkpoint}.
     *
     * @param meld this node
     * @param directory where it goes
     * @param arrays what it holds
     */
    public static void checkpoint(Meld meld, Path directory, GlobalArray... arrays) {
        checkpoint(meld, directory, SEGMENT_BYTES, arrays);
    }

    /**
     * Writes a checkpoint whose chunk files are checksummed in segments of {@code segmentBytes}, which
     * is also the size of the writing buffer (tests use small ones, to cross many segment boundaries).
     */
    static void checkpoint(Meld meld, Path directory, int segmentBytes, GlobalArray... arrays) {
        Objects.requireNonNull(directory, "directory");
        if (segmentBytes < 8 || segmentBytes % 8 != 0) {
            throw new IllegalArgumentException("segment of " + segmentBytes + " bytes is not a multiple of 8");
        }
        List<GlobalArray> list = checkArrays(arrays);
        agreeOnArrays(meld, "checkpoint", directory, list);
        meld.barrier();
        int rank = meld.rank();
        int nodes = meld.size();
        Path manifestFile = directory.resolve(Manifest.FILE_NAME);

        Problem problem = null;
        try {
            Files.createDirectories(directory);
            if (rank == 0) {
                Files.deleteIfExists(manifestFile);
                ChunkFiles.forceDirectory(directory);
            }
        } catch (IOException e) {
            problem = new Problem(directory, "cannot prepare the directory for a checkpoint: " + e);
        }
        agree(meld, problem, "checkpoint into " + directory);

        List<String> files = fileNames(list);
        ByteBuffer mine;
        try {
            mine = writeChunks(directory, list, files, rank, nodes, segmentBytes);
        } catch (CheckpointFailure | RuntimeException e) {
            // A node that fails alone (an I/O error, a freed array, a failed bulk get) still takes part in
            // the exchange below, so that every node throws, rather than leave the others waiting.
            byte[] why = (e instanceof CheckpointFailure f
                            ? f.problem
                            : new Problem(directory, "cannot write its chunk files: " + e))
                    .encode();
            mine = ByteBuffer.allocate(1 + why.length).put((byte) 1).put(why).flip();
        }
        byte[] sent = new byte[mine.remaining()];
        mine.get(sent);
        byte[][] all = meld.allGather(sent);
        List<Problem> problems = new ArrayList<>();
        for (int p = 0; p < nodes; p++) {
            if (all[p].length > 0 && all[p][0] == 1) {
                problems.add(Problem.decode(p, all[p], 1));
            }
        }
        throwIfAny(problems, "checkpoint into " + directory);

        byte[] json = manifest(list, files, all, nodes, segmentBytes).toJson().getBytes(StandardCharsets.UTF_8);
        problem = null;
        if (rank == 0) {
            problem = writeManifest(manifestFile, json);
        }
        agree(meld, problem, "checkpoint into " + directory);
        problem = null;
        if (rank != 0 && !Files.exists(manifestFile)) {
            problem = writeManifest(manifestFile, json); // a directory of this node's own
        }
        agree(meld, problem, "checkpoint into " + directory);
    }

    /**
     * Loads a checkpoint; see {@code Meld.restore}.
     *
     * @param meld this node
     * @param directory the checkpoint's directory
     * @param arrays the arrays to fill
     */
    public static void restore(Meld meld, Path directory, GlobalArray... arrays) {
        restore(meld, directory, SEGMENT_BYTES, arrays);
    }

    /** Loads a checkpoint through a reading buffer of {@code bufferBytes}, a multiple of 8. */
    static void restore(Meld meld, Path directory, int bufferBytes, GlobalArray... arrays) {
        Objects.requireNonNull(directory, "directory");
        List<GlobalArray> list = checkArrays(arrays);
        agreeOnArrays(meld, "restore", directory, list);
        meld.barrier();
        String what = "restore from " + directory;
        List<Plan> plans = null;
        Problem problem = null;
        try {
            plans = plan(directory, list, meld.rank(), meld.size());
        } catch (CheckpointFailure f) {
            problem = f.problem;
        }
        agree(meld, problem, what + " (nothing was restored)");
        problem = null;
        ByteBuffer buf = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (Plan p : plans) {
                verify(p, buf);
            }
        } catch (CheckpointFailure f) {
            problem = f.problem;
        }
        agree(meld, problem, what + " (nothing was restored)");
        problem = null;
        try {
            for (Plan p : plans) {
                load(p, buf, meld.size());
            }
        } catch (CheckpointFailure f) {
            problem = f.problem;
        } catch (RuntimeException e) { // a failed bulk put: every node must still hear of it
            problem = new Problem(directory, "cannot load the checkpoint: " + e);
        }
        meld.fence();
        agree(meld, problem, what + " (it failed while loading: the arrays' contents are undefined)");
        meld.barrier();
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes this node's chunk files.
     *
     * @return what this node tells the others: 0, then per array its number of checksums and the
     *     checksums (none when it has no part of the array)
     */
    private static ByteBuffer writeChunks(
            Path dir, List<GlobalArray> arrays, List<String> files, int rank, int nodes, int segmentBytes)
            throws CheckpointFailure {
        ByteBuffer buf = ByteBuffer.allocateDirect(segmentBytes).order(ByteOrder.LITTLE_ENDIAN);
        int elementsPerSegment = segmentBytes / 8;
        List<long[]> crcs = new ArrayList<>();
        int total = 0;
        CRC32C crc = new CRC32C();
        for (int i = 0; i < arrays.size(); i++) {
            GlobalArray a = arrays.get(i);
            long lo = ChunkFiles.blockStart(a.length(), nodes, rank);
            long hi = ChunkFiles.blockStart(a.length(), nodes, rank + 1);
            long n = hi - lo;
            long[] sums = new long[(int) ((n + elementsPerSegment - 1) / elementsPerSegment)];
            if (n > 0) {
                Path file = dir.resolve(chunkFile(files.get(i), rank));
                ChunkFiles.Elements elements = ChunkFiles.Elements.of(a, lo, nodes, elementsPerSegment);
                try (FileChannel ch = FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ChunkFiles.writeFully(ch, NpyHeader.encode(ChunkFiles.dtype(a), n), 0);
                    long position = NpyHeader.HEADER_BYTES;
                    for (int s = 0; s < sums.length; s++) {
                        int m = (int) Math.min(elementsPerSegment, n - (long) s * elementsPerSegment);
                        buf.clear();
                        elements.toBuffer(lo + (long) s * elementsPerSegment, m, buf);
                        buf.limit(m * 8);
                        crc.reset();
                        crc.update(buf);
                        sums[s] = crc.getValue();
                        buf.position(0);
                        ChunkFiles.writeFully(ch, buf, position);
                        position += m * 8L;
                    }
                    ch.force(true);
                } catch (IOException e) {
                    throw new CheckpointFailure(new Problem(file, "cannot write " + file + ": " + e));
                }
            }
            crcs.add(sums);
            total += 1 + sums.length;
        }
        try {
            ChunkFiles.forceDirectory(dir);
        } catch (IOException e) {
            throw new CheckpointFailure(new Problem(dir, "cannot force the directory " + dir + " to disk: " + e));
        }
        ByteBuffer out = ByteBuffer.allocate(1 + 8 * total);
        out.put((byte) 0);
        for (long[] sums : crcs) {
            out.putLong(sums.length);
            for (long s : sums) {
                out.putLong(s);
            }
        }
        return out.flip();
    }

    /** The manifest, built alike on every node from every node's checksums. */
    private static Manifest manifest(
            List<GlobalArray> arrays, List<String> files, byte[][] fromNodes, int nodes, int segmentBytes) {
        ByteBuffer[] readers = new ByteBuffer[nodes];
        for (int p = 0; p < nodes; p++) {
            readers[p] = ByteBuffer.wrap(fromNodes[p]).position(1);
        }
        List<Manifest.ArrayEntry> entries = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            GlobalArray a = arrays.get(i);
            List<Manifest.Chunk> chunks = new ArrayList<>();
            for (int p = 0; p < nodes; p++) {
                long[] sums = new long[(int) readers[p].getLong()];
                for (int s = 0; s < sums.length; s++) {
                    sums[s] = readers[p].getLong();
                }
                long lo = ChunkFiles.blockStart(a.length(), nodes, p);
                long hi = ChunkFiles.blockStart(a.length(), nodes, p + 1);
                if (hi > lo) {
                    chunks.add(new Manifest.Chunk(chunkFile(files.get(i), p), lo, hi - lo, sums));
                }
            }
            entries.add(new Manifest.ArrayEntry(
                    a.name(), ChunkFiles.dtype(a), a.length(), a.distribution().toString(), List.copyOf(chunks)));
        }
        return new Manifest(nodes, segmentBytes, List.copyOf(entries));
    }

    private static Problem writeManifest(Path file, byte[] json) {
        try {
            ChunkFiles.writeAtomically(file, json);
            return null;
        } catch (IOException e) {
            return new Problem(file, "cannot write the manifest " + file + ": " + e);
        }
    }

    /**
     * @return each array's file-name stem: its name with every character outside {@code [A-Za-z0-9._-]}
     *     replaced by {@code _}, and {@code ~i} added where that would repeat an earlier array's
     */
    static List<String> fileNames(List<GlobalArray> arrays) {
        List<String> stems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < arrays.size(); i++) {
            String stem = arrays.get(i).name().replaceAll("[^A-Za-z0-9._-]", "_");
            if (stem.isEmpty() || stem.startsWith(".")) {
                stem = "_" + stem;
            }
            if (!seen.add(stem.toLowerCase(java.util.Locale.ROOT))) {
                stem = stem + "~" + i;
                seen.add(stem.toLowerCase(java.util.Locale.ROOT));
            }
            stems.add(stem);
        }
        return stems;
    }

    private static String chunkFile(String stem, int node) {
        return stem + "." + node + ".npy";
    }

    // ---------------------------------------------------------------------------------------------
    // Restoring

    /** What one node reads of one array: the chunk files that hold its part, and which elements of each. */
    private record Plan(GlobalArray array, long lo, long hi, List<Piece> pieces, int segmentBytes) {}

    /** Elements {@code [from, to)} of a chunk (indices within it), in a file whose data starts at {@code offset}. */
    private record Piece(Path file, Manifest.Chunk chunk, long offset, long from, long to) {}

    private static List<Plan> plan(Path dir, List<GlobalArray> arrays, int rank, int nodes) throws CheckpointFailure {
        Path manifestFile = dir.resolve(Manifest.FILE_NAME);
        String json;
        try {
            json = Files.readString(manifestFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CheckpointFailure(new Problem(
                    manifestFile,
                    manifestFile + " does not exist: " + dir
                            + " holds no complete checkpoint (none was written there, or one did not finish)"));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointFailure(new Problem(manifestFile, "cannot read " + manifestFile + ": " + e));
        }
        Manifest manifest;
        try {
            manifest = Manifest.parse(json);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFailure(new Problem(
                    manifestFile, manifestFile + " is not a Meld checkpoint's manifest: " + e.getMessage()));
        }
        List<Plan> plans = new ArrayList<>();
        for (GlobalArray a : arrays) {
            Manifest.ArrayEntry entry = manifest.array(a.name());
            if (entry == null) {
                List<String> names = manifest.arrays().stream()
                        .map(Manifest.ArrayEntry::name)
                        .toList();
                throw new CheckpointFailure(new Problem(
                        manifestFile, manifestFile + " has no array '" + a.name() + "' (it has " + names + ")"));
            }
            String dtype = ChunkFiles.dtype(a);
            if (!entry.dtype().equals(dtype) || entry.length() != a.length()) {
                throw new CheckpointFailure(new Problem(
                        manifestFile,
                        manifestFile + " has array '" + a.name() + "' as " + describe(entry.dtype(), entry.length())
                                + ", but it is restored into " + describe(dtype, a.length())));
            }
            long lo = ChunkFiles.blockStart(a.length(), nodes, rank);
            long hi = ChunkFiles.blockStart(a.length(), nodes, rank + 1);
            List<Piece> pieces = new ArrayList<>();
            for (Manifest.Chunk c : entry.chunks()) {
                long from = Math.max(lo, c.start());
                long to = Math.min(hi, c.start() + c.length());
                if (from < to) {
                    Path file = dir.resolve(c.file());
                    long offset = checkFile(file, entry, c);
                    pieces.add(new Piece(file, c, offset, from - c.start(), to - c.start()));
                }
            }
            plans.add(new Plan(a, lo, hi, List.copyOf(pieces), manifest.segmentBytes()));
        }
        return plans;
    }

    private static String describe(String dtype, long length) {
        return (dtype.equals("<f8") ? "double" : dtype.equals("<i8") ? "long" : dtype) + "[" + length + "]";
    }

    /** Checks a chunk file's header and length against the manifest; returns where its data starts. */
    private static long checkFile(Path file, Manifest.ArrayEntry entry, Manifest.Chunk c) throws CheckpointFailure {
        String of = " (chunk [" + c.start() + ", " + (c.start() + c.length()) + ") of array '" + entry.name() + "')";
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(size, NpyHeader.V2_PREFIX));
            ChunkFiles.readFully(ch, prefix, 0);
            prefix.flip();
            NpyHeader.Parsed header;
            try {
                int headerBytes = NpyHeader.headerBytes(prefix);
                ByteBuffer whole = ByteBuffer.allocate((int) Math.min(size, headerBytes));
                ChunkFiles.readFully(ch, whole, 0);
                header = NpyHeader.parse(whole.flip());
            } catch (IllegalArgumentException e) {
                throw new CheckpointFailure(new Problem(file, file + of + " is not a chunk file: " + e.getMessage()));
            }
            if (!header.dtype().equals(entry.dtype()) || header.length() != c.length()) {
                throw new CheckpointFailure(new Problem(
                        file,
                        file + of + " holds " + describe(header.dtype(), header.length()) + " by its .npy header,"
                                + " but the manifest says " + describe(entry.dtype(), c.length())));
            }
            long expected = header.dataOffset() + 8 * c.length();
            if (size != expected) {
                throw new CheckpointFailure(new Problem(
                        file,
                        file + of + " is " + size + " bytes long, not " + expected + " (its header and "
                                + c.length() + " elements of 8 bytes): "
                                + (size < expected ? "it is truncated" : "it has bytes past its data")));
            }
            return header.dataOffset();
        } catch (NoSuchFileException e) {
            throw new CheckpointFailure(new Problem(file, file + of + " does not exist: the checkpoint is incomplete"));
        } catch (IOException e) {
            throw new CheckpointFailure(new Problem(file, "cannot read " + file + of + ": " + e));
        }
    }

    /** Checks the checksum of every segment of data that a plan reads (whole segments, so a little more). */
    private static void verify(Plan plan, ByteBuffer buf) throws CheckpointFailure {
        CRC32C crc = new CRC32C();
        long segment = plan.segmentBytes();
        for (Piece piece : plan.pieces()) {
            long bytes = piece.chunk().length() * 8;
            try (FileChannel ch = FileChannel.open(piece.file(), StandardOpenOption.READ)) {
                for (long s = piece.from() * 8 / segment; s * segment < piece.to() * 8; s++) {
                    long start = s * segment;
                    long end = Math.min(bytes, start + segment);
                    crc.reset();
                    for (long at = start; at < end; at += buf.capacity()) {
                        buf.clear().limit((int) Math.min(buf.capacity(), end - at));
                        ChunkFiles.readFully(ch, buf, piece.offset() + at);
                        crc.update(buf.flip());
                    }
                    long expected = piece.chunk().crc32c()[(int) s];
                    if (crc.getValue() != expected) {
                        throw new CheckpointFailure(new Problem(
                                piece.file(),
                                piece.file() + " is corrupt: the CRC-32C of its data bytes [" + start + ", " + end
                                        + ") is " + crc.getValue() + ", the manifest says " + expected));
                    }
                }
            } catch (IOException e) {
                throw new CheckpointFailure(new Problem(piece.file(), "cannot read " + piece.file() + ": " + e));
            }
        }
    }

    private static void load(Plan plan, ByteBuffer buf, int nodes) throws CheckpointFailure {
        int perBuffer = buf.capacity() / 8;
        ChunkFiles.Elements elements = ChunkFiles.Elements.of(plan.array(), plan.lo(), nodes, perBuffer);
        for (Piece piece : plan.pieces()) {
            try (FileChannel ch = FileChannel.open(piece.file(), StandardOpenOption.READ)) {
                for (long i = piece.from(); i < piece.to(); i += perBuffer) {
                    int n = (int) Math.min(perBuffer, piece.to() - i);
                    buf.clear().limit(n * 8);
                    ChunkFiles.readFully(ch, buf, piece.offset() + i * 8);
                    elements.fromBuffer(buf.flip(), piece.chunk().start() + i, n);
                }
            } catch (IOException e) {
                throw new CheckpointFailure(new Problem(piece.file(), "cannot read " + piece.file() + ": " + e));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Agreement

    private static List<GlobalArray> checkArrays(GlobalArray[] arrays) {
        Objects.requireNonNull(arrays, "arrays");
        if (arrays.length == 0) {
            throw new IllegalArgumentException("no array to checkpoint or restore: name at least one");
        }
        Set<String> names = new HashSet<>();
        for (GlobalArray a : arrays) {
            Objects.requireNonNull(a, "an array to checkpoint or restore");
            if (!names.add(a.name())) {
                throw new IllegalArgumentException("array '" + a.name() + "' is named twice");
            }
        }
        return List.of(arrays);
    }

    /** Every node must pass the same arrays (names, types, lengths), or every node throws. */
    private static void agreeOnArrays(Meld meld, String call, Path dir, List<GlobalArray> arrays) {
        StringBuilder s = new StringBuilder();
        for (GlobalArray a : arrays) {
            s.append(s.isEmpty() ? "" : ", ")
                    .append(a.name())
                    .append(": ")
                    .append(describe(ChunkFiles.dtype(a), a.length()));
        }
        byte[][] all = meld.allGather(s.toString().getBytes(StandardCharsets.UTF_8));
        for (int p = 0; p < all.length; p++) {
            String theirs = new String(all[p], StandardCharsets.UTF_8);
            if (!theirs.contentEquals(s)) {
                throw new CheckpointException(
                        dir,
                        call + " of " + dir + ": the nodes passed different arrays: node " + meld.rank() + " [" + s
                                + "], node " + p + " [" + theirs + "]");
            }
        }
    }

    /** Every node tells the others its problem, if any; every node throws when any had one. */
    private static void agree(Meld meld, Problem mine, String what) {
        byte[][] all = meld.allGather(mine == null ? new byte[0] : mine.encode());
        List<Problem> problems = new ArrayList<>();
        for (int p = 0; p < all.length; p++) {
            if (all[p].length > 0) {
                problems.add(Problem.decode(p, all[p], 0));
            }
        }
        throwIfAny(problems, what);
    }

    private static void throwIfAny(List<Problem> problems, String what) {
        if (problems.isEmpty()) {
            return;
        }
        Problem first = problems.get(0);
        CheckpointException e = new CheckpointException(
                first.path(),
                what + " failed: node " + first.node() + ": " + first.message()
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more, suppressed)" : ""));
        for (Problem p : problems.subList(1, problems.size())) {
            e.addSuppressed(new CheckpointException(p.path(), "node " + p.node() + ": " + p.message()));
        }
        throw e;
    }

    /** A node's problem: the file at fault and what is wrong; {@code node} is -1 until decoded. */
    private record Problem(int node, Path path, String message) {
        Problem(Path path, String message) {
            this(-1, path, message);
        }

        byte[] encode() {
            return (path + "\0" + message).getBytes(StandardCharsets.UTF_8);
        }

        static Problem decode(int node, byte[] bytes, int offset) {
            String s = new String(bytes, offset, bytes.length - offset, StandardCharsets.UTF_8);
            int nul = s.indexOf('\0');
            return new Problem(node, Path.of(s.substring(0, nul)), s.substring(nul + 1));
        }
    }

    /** A problem found on this node, carried to the agreement. */
    private static final class CheckpointFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Problem problem;

        CheckpointFailure(Problem problem) {
            super(problem.message(), null, false, false);
            this.problem = problem;
        }
    }
}
