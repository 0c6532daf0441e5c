package io.meld.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A peer written by hand: a plain {@link Socket} that speaks the frame format of {@link FrameDescriptor}
 * and {@link HandshakeCodec} byte by byte, so that tests can send what a real {@link Transport} never
 * would and read exactly what the node under test puts on the wire.
 *
 * <p>Used by one test thread at a time.
 */
final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to a node; every read gives up after {@link Await#TIMEOUT}. */
    static RawPeer connect(InetSocketAddress address) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) Await.TIMEOUT.toMillis());
            s.connect(address, (int) Await.TIMEOUT.toMillis());
            return new RawPeer(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the local port, which the node's log lines name */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Writes bytes as they are, in one call. */
    RawPeer write(byte[]... parts) {
        try {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                all.write(p);
            }
            out.write(all.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the sending direction only: the node reads end-of-stream, this peer can still read. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one frame. */
    RawFrame read() throws IOException {
        byte[] header = new byte[FrameDescriptor.HEADER_LENGTH];
        in.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int length = h.getInt(FrameDescriptor.LENGTH_OFFSET);
        if (length < FrameDescriptor.HEADER_LENGTH || length > (64 << 20)) {
            throw new IOException("the node sent a frame length of " + length);
        }
        byte[] payload = new byte[length - FrameDescriptor.HEADER_LENGTH];
        in.readFully(payload);
        return new RawFrame(
                length,
                Byte.toUnsignedInt(h.get(FrameDescriptor.TYPE_OFFSET)),
                Byte.toUnsignedInt(h.get(FrameDescriptor.FLAGS_OFFSET)),
                Short.toUnsignedInt(h.getShort(FrameDescriptor.RESERVED_OFFSET)),
                h.getLong(FrameDescriptor.SEQUENCE_OFFSET),
                payload);
    }

    /**
     * Reads until the node closes the connection.
     *
     * @return whether it did (end of stream or a reset) within {@code timeout}; the bytes read before are
     *     dropped
     */
    boolean awaitClosedByNode(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] sink = new byte[4096];
            while (in.read(sink) >= 0) {
                // discard: whatever the node sent before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: the node closed while unread bytes of ours were still in its buffer
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Says HELLO as node {@code senderRank} and reads the answer.
     *
     * @return the node's WELCOME or REJECT
     */
    RawFrame hello(int senderRank, int receiverRank, int size) throws IOException {
        write(frame(FrameType.HELLO, 0, 0, handshake(senderRank, receiverRank, size)));
        return read();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    /** A frame with the given header fields, its length computed. */
    static byte[] frame(int type, int flags, long sequence, byte[] payload) {
        return frame(FrameDescriptor.HEADER_LENGTH + payload.length, type, flags, sequence, payload);
    }

    /** A frame whose length field says {@code length}, whatever the payload's size. */
    static byte[] frame(int length, int type, int flags, long sequence, byte[] payload) {
        return ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + payload.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(length)
                .put((byte) type)
                .put((byte) flags)
                .putShort((short) 0)
                .putLong(sequence)
                .put(payload)
                .array();
    }

    /** A HELLO or WELCOME payload of {@link TestCluster}'s cluster, speaking this protocol version. */
    static byte[] handshake(int senderRank, int receiverRank, int size) {
        return handshake(
                HandshakeCodec.MAGIC,
                Transport.PROTOCOL_VERSION,
                TestCluster.CLUSTER_ID,
                senderRank,
                receiverRank,
                size,
                TestCluster.incarnation(senderRank));
    }

    /** A HELLO or WELCOME payload, every field given, on lane 0. */
    static byte[] handshake(
            int magic, int version, long clusterId, int senderRank, int receiverRank, int size, long incarnation) {
        return handshake(magic, version, 0, clusterId, senderRank, receiverRank, size, incarnation);
    }

    /** A HELLO or WELCOME payload, every field given. */
    static byte[] handshake(
            int magic,
            int version,
            int lane,
            long clusterId,
            int senderRank,
            int receiverRank,
            int size,
            long incarnation) {
        return ByteBuffer.allocate(HandshakeCodec.LENGTH)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(magic)
                .putShort((short) version)
                .putShort((short) lane)
                .putLong(clusterId)
                .putInt(senderRank)
                .putInt(receiverRank)
                .putInt(size)
                .putInt(0)
                .putLong(incarnation)
                .array();
    }

    /** Bytes of a given value, for payloads. */
    static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    /** One frame read from the wire, every header field as it was. */
    record RawFrame(int length, int type, int flags, int reserved, long sequence, byte[] payload) {
        /** @return the payload as UTF-8, as a REJECT's reason */
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** @return the payload, little-endian, for reading handshake fields */
        ByteBuffer body() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public String toString() {
            return FrameType.name(type) + "(length " + length + ", flags " + flags + ", sequence " + sequence + ")";
        }
    }
}
