package io.meld.transport;

import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.netty.channel.Channel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP congestion control of the data path's connections ({@code TCP_CONGESTION}, Linux, native
 * transport only), chosen by {@link TransportSettings#CONGESTION_CONTROL}.
 *
 * <p>Why the data path sets one: a node's traffic is bursts of large frames to a few peers on a
 * cluster network, and a pacing algorithm such as BBR, the system default on some distributions,
 * spreads each burst out in time. Between two nodes on one machine (loopback) it also reorders
 * segments, so the receiver asks again for data it takes for lost and the sender sends it twice: a
 * 64 MiB bulk get between two nodes of a 2-core VM whose default is BBR retransmits thousands of
 * segments and runs about a quarter slower than with cubic on the data path, which retransmits almost
 * none ({@code bin/meld run --nodes 2 -- io.meld.bench.Bandwidth 67108864 5} with {@code nstat} around
 * it shows both).
 *
 * <p>A name the kernel does not allow every process ({@code
 * /proc/sys/net/ipv4/tcp_allowed_congestion_control}) keeps the system's default: the node still works,
 * only as it would without the setting. That is a warning when the name was set explicitly, and a debug
 * line for the default, which most kernels offer to unprivileged processes but some (BBR-only) do not.
 */
final class CongestionControl {
    private static final Logger LOG = LoggerFactory.getLogger(CongestionControl.class);

    /** The value that keeps the system's default. */
    static final String SYSTEM = "system";

    /** {@code IPPROTO_TCP} and {@code TCP_CONGESTION} from Linux's {@code netinet/tcp.h}. */
    private static final int IPPROTO_TCP = 6;

    private static final int TCP_CONGESTION = 13;

    /** The kernel keeps at most 15 characters of a name ({@code TCP_CA_NAME_MAX} less its NUL). */
    private static final int MAX_NAME = 15;

    private static final Path ALLOWED = Path.of("/proc/sys/net/ipv4/tcp_allowed_congestion_control");

    private final String name;
    private final RawUnixChannelOption option;
    private final ByteBuffer value;
    private final AtomicBoolean warned = new AtomicBoolean();

    private CongestionControl(String name, RawUnixChannelOption option, ByteBuffer value) {
        this.name = name;
        this.option = option;
        this.value = value;
    }

    /**
     * @param config the node's configuration
     * @param nativeTransport whether the connections are Netty epoll channels (setsockopt needs them)
     * @return the option to set on each connection, or {@code null} to keep the system's default
     * @throws ConfigException when the configured name cannot be an algorithm's name
     */
    static CongestionControl of(MeldConfig config, boolean nativeTransport) {
        String name = config.get(TransportSettings.CONGESTION_CONTROL);
        if (name.equals(SYSTEM)) {
            return null;
        }
        if (!name.matches("[A-Za-z0-9_-]{1," + MAX_NAME + "}")) {
            throw new ConfigException(TransportSettings.CONGESTION_CONTROL.name() + "=" + name + " (from "
                    + config.source(TransportSettings.CONGESTION_CONTROL) + "): not a congestion control name"
                    + " (letters, digits, '-' and '_', at most " + MAX_NAME + "), or " + SYSTEM);
        }
        if (!nativeTransport) {
            LOG.debug(
                    "{}={} ignored: the Java NIO transport cannot set it",
                    TransportSettings.CONGESTION_CONTROL.name(),
                    name);
            return null;
        }
        List<String> allowed = allowed();
        if (allowed != null && !allowed.contains(name)) {
            // Only a value the user chose is worth a warning: the default is a preference, and a kernel
            // that does not offer it keeps its own, which is what a node without the setting would do.
            if (config.isSet(TransportSettings.CONGESTION_CONTROL)) {
                LOG.warn(
                        "{}={} (from {}): this kernel allows {} to unprivileged sockets; keeping the system's"
                                + " default",
                        TransportSettings.CONGESTION_CONTROL.name(),
                        name,
                        config.source(TransportSettings.CONGESTION_CONTROL),
                        allowed);
            } else {
                LOG.debug(
                        "{}={}: this kernel allows {} to unprivileged sockets; keeping the system's default",
                        TransportSettings.CONGESTION_CONTROL.name(),
                        name,
                        allowed);
            }
            return null;
        }
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer value = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        return new CongestionControl(
                name, new RawUnixChannelOption("TCP_CONGESTION", IPPROTO_TCP, TCP_CONGESTION, bytes.length), value);
    }

    /** @return the algorithms this kernel lets any process choose, or {@code null} when that is unknown */
    private static List<String> allowed() {
        try {
            return Arrays.asList(Files.readString(ALLOWED).trim().split("\\s+"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Sets the algorithm on a new connection, before it connects or as it is accepted. Each call hands
     * Netty a buffer of its own: {@code setsockopt} consumes the buffer it is given, so one shared
     * buffer would leave the second connection an empty name (and Netty refuses to register a channel
     * whose option fails validation). A connection whose {@code setsockopt} fails keeps the system's
     * default; the first such failure is logged.
     *
     * @param channel a data path connection, on its I/O thread
     */
    void apply(Channel channel) {
        try {
            channel.config().setOption(option, value.duplicate());
        } catch (RuntimeException e) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn(
                        "cannot set {} on {} ({}); such connections keep the system's default",
                        name,
                        channel,
                        e.toString());
            }
        }
    }

    RawUnixChannelOption option() {
        return option;
    }
}
