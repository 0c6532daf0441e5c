package io.meld.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a node tells the others when it joins, carried in its JGroups address. Encoded with {@link
 * DataOutputStream} (big-endian, modified UTF-8):
 *
 * <pre>
 *   uint16 format (1) | int32 rank (-1: not given) | int32 size | int64 incarnation |
 *   utf data host | int32 data port | utf host name | int64 pid
 * </pre>
 *
 * @param rank the rank the launcher gave the node, or -1
 * @param size the cluster size the node expects
 * @param incarnation a random number the node drew at start
 * @param dataHost the address of its data path
 * @param dataPort the port of its data path
 * @param hostName the name of the machine it runs on
 * @param pid its process id
 */
public record NodeInfo(int rank, int size, long incarnation, String dataHost, int dataPort, String hostName, long pid) {
    private static final int FORMAT = 1;

    /** @return the encoded form */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeShort(FORMAT);
            out.writeInt(rank);
            out.writeInt(size);
            out.writeLong(incarnation);
            out.writeUTF(dataHost);
            out.writeInt(dataPort);
            out.writeUTF(hostName);
            out.writeLong(pid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @param encoded the form {@link #encode()} produced
     * @return the node info
     * @throws IllegalArgumentException when the bytes are not a node info of a known format
     */
    public static NodeInfo decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readUnsignedShort();
            if (format != FORMAT) {
                throw new IllegalArgumentException(
                        "node info format " + format + ", this node reads " + FORMAT + ": mixed Meld releases");
            }
            return new NodeInfo(
                    in.readInt(), in.readInt(), in.readLong(), in.readUTF(), in.readInt(), in.readUTF(), in.readLong());
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed node info: " + e.getMessage());
        }
    }
}
