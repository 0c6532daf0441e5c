package io.meld.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/** What the raw TCP baselines share: connecting to a peer that may not listen yet, and byte access. */
final class RawTcp {
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long CONNECT_MILLIS = 30_000;

    private RawTcp() {}

    /** Connects to {@code 127.0.0.1:port}, retrying while nothing listens there yet (up to 30 s). */
    static Socket connect(int port) throws IOException {
        return connect(port, address -> {
            Socket socket = new Socket();
            try {
                socket.connect(address, 1000);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        });
    }

    /** As {@link #connect(int)}, for a (blocking) channel. */
    static SocketChannel connectChannel(int port) throws IOException {
        // A blocking channel whose connect failed is closed: each attempt needs a new one.
        return connect(port, address -> {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.connect(address);
                return channel;
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        });
    }

    /** One attempt to connect; it closes what it opened when it fails. */
    @FunctionalInterface
    interface Connector<T> {
        T connect(InetSocketAddress address) throws IOException;
    }

    private static <T> T connect(int port, Connector<T> connector) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        long deadline = System.currentTimeMillis() + CONNECT_MILLIS;
        while (true) {
            try {
                return connector.connect(address);
            } catch (ConnectException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while connecting to port " + port, ie);
                }
            }
        }
    }

    static void readFully(InputStream in, byte[] b) throws IOException {
        int n = 0;
        while (n < b.length) {
            int r = in.read(b, n, b.length - n);
            if (r < 0) {
                throw new EOFException("stream ended after " + n + " of " + b.length + " bytes");
            }
            n += r;
        }
    }

    static void putLong(byte[] b, int at, long v) {
        LONG_LE.set(b, at, v);
    }

    static long getLong(byte[] b, int at) {
        return (long) LONG_LE.get(b, at);
    }
}
