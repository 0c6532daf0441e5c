package io.meld.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a one-dimensional, little-endian {@code .npy} file (NumPy's format, version 1.0 written,
 * 1.0 to 3.0 read), as a checkpoint's chunk files have it:
 *
 * <pre>
 *   0      6     7     8          10                                        HEADER_BYTES
 *   +------+-----+-----+----------+------------------------------------------+--------------
 *   |\x93NUMPY| major | minor | HLEN (LE) | {'descr': '&lt;i8', 'fortran_order': False, 'shape': (N,), } ...\n | data
 *   +------+-----+-----+----------+------------------------------------------+--------------
 * </pre>
 *
 * <p>HLEN is a {@code uint16} in version 1.0 (a {@code uint32} from 2.0, after which the prefix is 12
 * bytes); the dictionary is padded with spaces and ends with a newline so that the data starts at a
 * multiple of 64. Meld writes every header {@value #HEADER_BYTES} bytes long, and reads any valid one.
 *
 * <p>Immutable; thread-safe.
 */
final class NpyHeader {
    /** The length of the headers Meld writes: the data starts here. */
    static final int HEADER_BYTES = 128;

    static final int MAGIC_LENGTH = 6;
    static final int VERSION_OFFSET = 6;
    static final int V1_LENGTH_OFFSET = 8;
    static final int V1_PREFIX = 10;
    static final int V2_PREFIX = 12;
    /** The most header bytes a reader accepts: NumPy itself refuses more than 10,000 by default. */
    static final int MAX_HEADER_BYTES = 1 << 16;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** What a header says: the element type, the element count, and where the data starts. */
    record Parsed(String dtype, long length, int dataOffset) {}

    private NpyHeader() {}

    /**
     * @param dtype {@code <i8} or {@code <f8}
     * @param length the element count
     * @return a header of {@value #HEADER_BYTES} bytes, positioned at 0
     */
    static ByteBuffer encode(String dtype, long length) {
        String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + length + ",), }";
        int hlen = HEADER_BYTES - V1_PREFIX;
        StringBuilder text = new StringBuilder(dict);
        while (text.length() < hlen - 1) {
            text.append(' ');
        }
        text.append('\n');
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) hlen);
        b.put(text.toString().getBytes(StandardCharsets.US_ASCII));
        return b.flip();
    }

    /**
     * Reads a header from the first bytes of a file.
     *
     * @param start the file's first bytes: at least {@value #V2_PREFIX}, and the whole header when it is
     *     longer (see {@link #headerBytes})
     * @return what it says
     * @throws IllegalArgumentException saying what is wrong, when it is not a header Meld can read: not
     *     {@code .npy}, another element type than {@code <i8} and {@code <f8}, Fortran order, not 1-D
     */
    static Parsed parse(ByteBuffer start) {
        int total = headerBytes(start);
        if (start.remaining() < total) {
            throw new IllegalArgumentException("its .npy header is cut short");
        }
        int major = start.get(start.position() + VERSION_OFFSET) & 0xff;
        int prefix = major == 1 ? V1_PREFIX : V2_PREFIX;
        byte[] text = new byte[total - prefix];
        start.get(start.position() + prefix, text);
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, dict, "'descr'");
        if (!descr.equals("<i8") && !descr.equals("<f8")) {
            throw new IllegalArgumentException("its .npy element type is '" + descr + "', not '<i8' or '<f8'");
        }
        if (group(FORTRAN, dict, "'fortran_order'").equals("True")) {
            throw new IllegalArgumentException("its .npy header says fortran_order True");
        }
        String shape = group(SHAPE, dict, "'shape'").trim();
        String[] dims = shape.split(",", -1);
        if (dims.length != 2 || !dims[1].isBlank()) {
            throw new IllegalArgumentException("its .npy shape is (" + shape + "), not one dimension");
        }
        long length;
        try {
            length = Long.parseLong(dims[0].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("its .npy shape (" + shape + ") is not a number of elements");
        }
        if (length < 0) {
            throw new IllegalArgumentException("its .npy shape (" + shape + ") is negative");
        }
        return new Parsed(descr, length, total);
    }

    /**
     * @param start the file's first bytes, at least {@value #V2_PREFIX}
     * @return the length of its header, the data's offset
     * @throws IllegalArgumentException when it is not a {@code .npy} file of version 1.0 to 3.0
     */
    static int headerBytes(ByteBuffer start) {
        if (start.remaining() < V2_PREFIX) {
            throw new IllegalArgumentException("it is too short for an .npy header");
        }
        for (int i = 0; i < MAGIC_LENGTH; i++) {
            if (start.get(start.position() + i) != MAGIC[i]) {
                throw new IllegalArgumentException("it does not start with the .npy magic \\x93NUMPY");
            }
        }
        int major = start.get(start.position() + VERSION_OFFSET) & 0xff;
        int minor = start.get(start.position() + VERSION_OFFSET + 1) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new IllegalArgumentException("its .npy version is " + major + "." + minor + ", not 1.0 to 3.0");
        }
        ByteBuffer le = start.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long hlen = major == 1
                ? le.getShort(start.position() + V1_LENGTH_OFFSET) & 0xffff
                : le.getInt(start.position() + V1_LENGTH_OFFSET) & 0xffff_ffffL;
        long total = (major == 1 ? V1_PREFIX : V2_PREFIX) + hlen;
        if (total > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "its .npy header claims " + total + " bytes, more than " + MAX_HEADER_BYTES);
        }
        return (int) total;
    }

    private static String group(Pattern p, String dict, String key) {
        Matcher m = p.matcher(dict);
        if (!m.find()) {
            throw new IllegalArgumentException("its .npy header has no " + key + ": " + dict.strip());
        }
        return m.group(1);
    }
}
