package io.meld.transport;

import io.meld.config.Setting;
import java.time.Duration;
import java.util.List;

/** The transport's settings; see {@code docs/configuration.md}. */
public final class TransportSettings {
    /** Where the data path listens. */
    public static final Setting<String> BIND_ADDRESS = Setting.stringSetting(
                    "meld.transport.bind-address",
                    "",
                    "Address the data path listens on; empty means the cluster's bind address"
                            + " (meld.cluster.bind-address).")
            .withDefaultText("meld.cluster.bind-address");

    /** The data path's port. */
    public static final Setting<Integer> PORT = Setting.intSetting(
            "meld.transport.port",
            0,
            0,
            65535,
            "TCP port the data path listens on; 0 takes any free port (the nodes tell each other which).");

    /** The largest frame. */
    public static final Setting<Long> MAX_FRAME_SIZE = Setting.sizeSetting(
            "meld.transport.max-frame-size",
            1L << 20,
            64L << 10,
            64L << 20,
            "Largest frame, header included. Larger payloads (bulk transfers, broadcasts) are streamed as"
                    + " several frames; a frame announcing more closes the connection. Must be the same on"
                    + " every node.");

    /** I/O threads. */
    public static final Setting<Integer> IO_THREADS = Setting.intSetting(
                    "meld.transport.io-threads",
                    0,
                    0,
                    256,
                    "Netty event-loop threads of a node. They read frames and apply the operations they carry, each"
                            + " connection on one of them. 0 chooses a quarter of the cores, at least 1.")
            .withDefaultText("0 (max(1, cores / 4))");

    /** Connections per pair of nodes. */
    public static final Setting<Integer> LANES = Setting.intSetting(
                    "meld.transport.lanes",
                    0,
                    0,
                    64,
                    "Connections between each pair of nodes. A sending thread keeps to one lane, so its"
                            + " operations stay in order, and the lanes of a peer are read by different I/O threads,"
                            + " so a node applies one peer's operations on several cores. 0 means one per I/O"
                            + " thread. Must be the same on every node.")
            .withDefaultText("0 (meld.transport.io-threads)");

    /** Native epoll. */
    public static final Setting<Boolean> NATIVE = Setting.booleanSetting(
            "meld.transport.native",
            true,
            "Use Linux epoll through Netty's native transport when it is available (Java NIO otherwise).");

    /** The connections' TCP congestion control. */
    public static final Setting<String> CONGESTION_CONTROL = Setting.stringSetting(
            "meld.transport.congestion-control",
            "cubic",
            "TCP congestion control of the data path's connections (Linux, with meld.transport.native), e.g."
                    + " cubic or reno; system keeps the system's default. A pacing algorithm such as BBR holds back"
                    + " the bursts of large frames Meld sends and, between nodes on one machine, reorders them."
                    + " A name the kernel does not allow keeps the system's default, with a warning when it was"
                    + " set explicitly.");

    /** Per-link queue bound. */
    public static final Setting<Long> SEND_BUFFER = Setting.sizeSetting(
            "meld.transport.send-buffer",
            4L << 20,
            64L << 10,
            1L << 30,
            "Bytes queued on one link before senders wait for the network (the high-water mark; they"
                    + " resume at half). Bounds the memory of frames in flight to each peer.");

    /** Connection phase timeout. */
    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.durationSetting(
            "meld.transport.connect-timeout",
            Duration.ofSeconds(20),
            Duration.ofMillis(100),
            Duration.ofHours(1),
            "How long a node may take to connect to and handshake with every peer once the cluster has" + " formed.");

    /** Handshake timeout per connection. */
    public static final Setting<Duration> HANDSHAKE_TIMEOUT = Setting.durationSetting(
            "meld.transport.handshake-timeout",
            Duration.ofSeconds(5),
            Duration.ofMillis(100),
            Duration.ofMinutes(10),
            "How long an accepted connection may take to complete its handshakes (TLS, then Meld's HELLO;"
                    + " then it is closed), on the data path and, for TLS, on the cluster port; and how long a"
                    + " connecting node waits for the answer before it tries again.");

    /** How long an I/O thread polls its connections after the last activity before it sleeps. */
    public static final Setting<Duration> POLL = Setting.durationSetting(
            "meld.transport.poll",
            Duration.ofNanos(50_000),
            Duration.ZERO,
            Duration.ofMillis(10),
            "How long an I/O thread keeps polling its connections (yielding between looks) after the last frame"
                    + " it read or task it ran, before it sleeps in the kernel. An answer or a frame handed to it"
                    + " within this time is taken without a thread wake-up, which costs several microseconds on a"
                    + " virtual machine; the price is the thread's core for up to this long after each burst of"
                    + " traffic, unless another thread wants it (the poll yields). 0 sleeps at once.");

    /** Whether blocking calls may use a connection of their own that the calling thread drives. */
    public static final Setting<Boolean> DIRECT = Setting.booleanSetting(
            "meld.transport.direct",
            true,
            "Open a direct channel to each peer: a connection that a thread making a blocking call (a remote"
                    + " get, an atomic) writes and reads itself, one thread at a time, instead of handing its"
                    + " request to an I/O thread and being woken with the answer. It saves two thread hand-offs"
                    + " per round trip; a thread that finds the channel busy, or has operations in flight to the"
                    + " same node, uses its lane.");

    private TransportSettings() {}

    /** @return every transport setting */
    public static List<Setting<?>> all() {
        return List.of(
                BIND_ADDRESS,
                PORT,
                MAX_FRAME_SIZE,
                IO_THREADS,
                LANES,
                NATIVE,
                CONGESTION_CONTROL,
                SEND_BUFFER,
                CONNECT_TIMEOUT,
                HANDSHAKE_TIMEOUT,
                POLL,
                DIRECT);
    }
}
