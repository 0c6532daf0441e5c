package io.meld.checkpoint;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's {@code manifest.json}: what the checkpoint holds and where, as {@code docs/checkpoint.md}
 * specifies it.
 *
 * <pre>{@code
 * {
 *   "format" : "meld-checkpoint",
 *   "version" : 1,
 *   "nodes" : 2,
 *   "checksum" : { "algorithm" : "crc32c", "segment_bytes" : 8388608 },
 *   "arrays" : [ {
 *     "name" : "x", "dtype" : "<i8", "length" : 1000, "distribution" : "BLOCK",
 *     "chunks" : [ { "file" : "x.0.npy", "start" : 0, "length" : 500, "crc32c" : [ 2828341512 ] }, ... ]
 *   } ]
 * }
 * }</pre>
 *
 * <p>Immutable records; {@link #parse} checks everything a restore relies on, so that what it returns is
 * well formed: chunks sorted, covering each array exactly, with one checksum per segment.
 *
 * @param nodes the number of nodes that wrote it (for people: a restore does not need it)
 * @param segmentBytes the data of each chunk file is checksummed in segments of this many bytes
 * @param arrays the arrays
 */
record Manifest(int nodes, int segmentBytes, List<ArrayEntry> arrays) {
    static final String FORMAT = "meld-checkpoint";
    static final int VERSION = 1;
    static final String FILE_NAME = "manifest.json";
    static final String CHECKSUM = "crc32c";

    /**
     * One array.
     *
     * @param name its name
     * @param dtype {@code <i8} for {@code long}, {@code <f8} for {@code double}
     * @param length its number of elements
     * @param distribution its distribution when written (for people: a restore does not need it)
     * @param chunks its chunk files, by increasing start
     */
    record ArrayEntry(String name, String dtype, long length, String distribution, List<Chunk> chunks) {}

    /**
     * One chunk file: the elements {@code [start, start + length)} of its array.
     *
     * @param file its name in the checkpoint's directory
     * @param start the global index of its first element
     * @param length its number of elements
     * @param crc32c the CRC-32C of each successive segment of its data (the bytes after the header)
     */
    record Chunk(String file, long start, long length, long[] crc32c) {}

    /** @return the JSON text */
    String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("nodes", nodes);
        Map<String, Object> checksum = new LinkedHashMap<>();
        checksum.put("algorithm", CHECKSUM);
        checksum.put("segment_bytes", segmentBytes);
        root.put("checksum", checksum);
        List<Object> list = new ArrayList<>();
        for (ArrayEntry a : arrays) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", a.name());
            m.put("dtype", a.dtype());
            m.put("length", a.length());
            m.put("distribution", a.distribution());
            List<Object> chunks = new ArrayList<>();
            for (Chunk c : a.chunks()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("file", c.file());
                cm.put("start", c.start());
                cm.put("length", c.length());
                List<Long> crcs = new ArrayList<>();
                for (long crc : c.crc32c()) {
                    crcs.add(crc);
                }
                cm.put("crc32c", crcs);
                chunks.add(cm);
            }
            m.put("chunks", chunks);
            list.add(m);
        }
        root.put("arrays", list);
        try {
            return JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a manifest as JSON", e);
        }
    }

    /**
     * @param json a manifest's text
     * @return the manifest
     * @throws IllegalArgumentException saying what is wrong: not JSON, another format or version, a field
     *     missing or of the wrong type, chunks that do not cover an array exactly, a file name that is not a
     *     plain name in the directory
     */
    static Manifest parse(String json) {
        Map<String, Object> root;
        try {
            root = JSON.std.mapFrom(json);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("it is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (root == null) {
            throw new IllegalArgumentException("it is not a JSON object");
        }
        Object format = root.get("format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("its \"format\" is " + quote(format) + ", not \"" + FORMAT + "\"");
        }
        long version = number(root, "version", "the manifest");
        if (version != VERSION) {
            throw new IllegalArgumentException("it is of version " + version + "; this Meld reads version " + VERSION);
        }
        int nodes = (int) Math.min(Integer.MAX_VALUE, number(root, "nodes", "the manifest"));
        Map<String, Object> checksum = object(root, "checksum", "the manifest");
        if (!CHECKSUM.equals(checksum.get("algorithm"))) {
            throw new IllegalArgumentException(
                    "its checksum algorithm is " + quote(checksum.get("algorithm")) + ", not \"" + CHECKSUM + "\"");
        }
        long segment = number(checksum, "segment_bytes", "\"checksum\"");
        if (segment < 8 || segment % 8 != 0 || segment > (1 << 30)) {
            throw new IllegalArgumentException(
                    "its checksum segment_bytes is " + segment + ", not a multiple of 8 from 8 to 2^30");
        }
        List<ArrayEntry> arrays = new ArrayList<>();
        for (Object o : list(root, "arrays", "the manifest")) {
            arrays.add(array(o, segment));
        }
        return new Manifest(nodes, (int) segment, List.copyOf(arrays));
    }

    private static ArrayEntry array(Object o, long segment) {
        if (!(o instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException("an entry of \"arrays\" is not an object");
        }
        Map<String, Object> m = cast(raw);
        String name = text(m, "name", "an array");
        String where = "array '" + name + "'";
        String dtype = text(m, "dtype", where);
        if (!dtype.equals("<i8") && !dtype.equals("<f8")) {
            throw new IllegalArgumentException(where + " has dtype \"" + dtype + "\", not \"<i8\" or \"<f8\"");
        }
        long length = number(m, "length", where);
        if (length < 0) {
            throw new IllegalArgumentException(where + " has a negative length " + length);
        }
        Object distribution = m.get("distribution");
        List<Chunk> chunks = new ArrayList<>();
        long next = 0;
        for (Object c : list(m, "chunks", where)) {
            if (!(c instanceof Map<?, ?> rawChunk)) {
                throw new IllegalArgumentException(where + " has a chunk that is not an object");
            }
            Map<String, Object> cm = cast(rawChunk);
            String file = text(cm, "file", "a chunk of " + where);
            String at = "chunk " + file + " of " + where;
            if (file.isEmpty()
                    || file.contains("/")
                    || file.contains("\\")
                    || file.equals(".")
                    || file.equals("..")
                    || file.equals(FILE_NAME)) {
                throw new IllegalArgumentException(at + ": its file is not a plain file name of the directory");
            }
            long start = number(cm, "start", at);
            long len = number(cm, "length", at);
            if (start != next || len <= 0 || len > length - start) {
                throw new IllegalArgumentException(at + " holds [" + start + ", " + (start + len) + "), but the next"
                        + " chunk must start at " + next + " and hold at least one of the array's " + length
                        + " elements: the chunks must cover the array exactly, in order");
            }
            List<Object> crcList = list(cm, "crc32c", at);
            long segments = (len * 8 + segment - 1) / segment;
            if (crcList.size() != segments) {
                throw new IllegalArgumentException(at + " has " + crcList.size() + " checksums, not " + segments
                        + " (one per " + segment + " bytes of its " + len * 8 + " bytes of data)");
            }
            long[] crcs = new long[crcList.size()];
            for (int i = 0; i < crcs.length; i++) {
                Object v = crcList.get(i);
                long crc =
                        v instanceof Number n && !(v instanceof Double) && !(v instanceof Float) ? n.longValue() : -1;
                if (crc < 0 || crc > 0xffff_ffffL || (v instanceof BigInteger)) {
                    throw new IllegalArgumentException(at + " has a checksum " + quote(v) + " that is not a CRC-32C");
                }
                crcs[i] = crc;
            }
            chunks.add(new Chunk(file, start, len, crcs));
            next = start + len;
        }
        if (next != length) {
            throw new IllegalArgumentException(where + "'s chunks end at element " + next + ", not at its length "
                    + length + ": the chunks must cover the array exactly");
        }
        return new ArrayEntry(
                name, dtype, length, distribution == null ? "" : distribution.toString(), List.copyOf(chunks));
    }

    /** @return the entry of an array, or {@code null} */
    ArrayEntry array(String name) {
        for (ArrayEntry a : arrays) {
            if (a.name().equals(name)) {
                return a;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static long number(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        throw new IllegalArgumentException(
                where + " has " + (v == null ? "no \"" + key + "\"" : "\"" + key + "\": " + quote(v))
                        + (v == null ? "" : ", not a whole number"));
    }

    private static String text(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(where + " has no text \"" + key + "\"");
    }

    private static List<Object> list(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw new IllegalArgumentException(where + " has no list \"" + key + "\"");
    }

    private static Map<String, Object> object(Map<String, Object> m, String key, String where) {
        if (m.get(key) instanceof Map<?, ?> o) {
            return cast(o);
        }
        throw new IllegalArgumentException(where + " has no object \"" + key + "\"");
    }

    private static String quote(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
