package io.meld.memory;

import io.meld.config.Setting;
import java.time.Duration;
import java.util.List;

/** Settings of global memory; see {@code docs/configuration.md}. */
public final class MemorySettings {
    /** Combining buffer size. */
    public static final Setting<Long> BUFFER_SIZE = Setting.sizeSetting(
            "meld.memory.buffer-size",
            256L << 10,
            1L << 10,
            16L << 20,
            "Size of one combining buffer: operations a thread sends to one node are gathered until this"
                    + " many bytes, then sent as one frame. Each thread has one per node it sends to, so"
                    + " buffers use at most threads x nodes x this (a thread also buffers its fire-and-forget operations on its own node). It must not exceed"
                    + " meld.transport.max-frame-size less 16 bytes; the default shrinks to fit a smaller frame.");

    /** Idle flush delay. */
    public static final Setting<Duration> FLUSH_DELAY = Setting.durationSetting(
            "meld.memory.flush-delay",
            Duration.ofNanos(200_000),
            Duration.ofNanos(10_000),
            Duration.ofSeconds(10),
            "A buffer nobody added to for this long is sent by the flusher thread, so a lone operation"
                    + " never waits long. While buffers keep filling, the flusher looks less often (up to 8x"
                    + " this), since they leave when full; a buffer whose thread is still running (not"
                    + " waiting or blocked) is given 8 looks.");

    /** Timeout of blocking and async operations. */
    public static final Setting<Duration> TIMEOUT = Setting.durationSetting(
            "meld.memory.timeout",
            Duration.ofSeconds(60),
            Duration.ofMillis(1),
            Duration.ofDays(1),
            "How long a blocking or async remote operation (and a fence) waits for its answer before it"
                    + " fails with MeldTimeoutException.");

    /** How long a waiting thread polls for its answer before it parks. */
    public static final Setting<Duration> SPIN = Setting.durationSetting(
            "meld.memory.spin",
            Duration.ofNanos(200_000),
            Duration.ZERO,
            Duration.ofMillis(10),
            "How long a platform thread waiting for an answer (a blocking operation, a fence, a bulk"
                    + " transfer) polls for it before it parks, when no other thread of the node is polling (of"
                    + " several waiting threads, one polls and the others park, leaving the cores to the I/O"
                    + " threads). An answer within this time is taken without waking the thread, which costs"
                    + " tens of microseconds on a virtual machine (more than a loopback round trip); the price is"
                    + " the waiting thread's core, busy for up to this long per wait unless another thread"
                    + " needs it (the poll yields between looks). Virtual threads park at once. 0 parks at"
                    + " once.");

    /** Buffering of local fire-and-forget operations. */
    public static final Setting<Boolean> LOCAL_BATCHING = Setting.booleanSetting(
            "meld.memory.local-batching",
            true,
            "Fire-and-forget operations (put, add, accumulate) on this node's own elements are gathered in the"
                    + " thread's buffer and applied in runs, which keeps many atomic updates in flight (about"
                    + " twice as fast for random updates). Other threads of the node see them after the"
                    + " issuing thread's fence, as the memory model allows. false applies each at once, with"
                    + " an atomic instruction on the calling thread.");

    /** The most elements one storage chunk holds. */
    public static final Setting<Long> CHUNK_SIZE = Setting.longSetting(
            "meld.memory.chunk-size",
            1L << 30,
            16,
            1L << 30,
            "The most elements one chunk of a global array's storage holds, a power of two. A node's share"
                    + " of an array is one plain Java array when it is no longer than this, and chunks of this"
                    + " many elements otherwise (local views hand them out one at a time). Every node must use"
                    + " the same value; lower it only to test code on shares of several chunks.");

    private MemorySettings() {}

    /** @return every memory setting */
    public static List<Setting<?>> all() {
        return List.of(BUFFER_SIZE, FLUSH_DELAY, TIMEOUT, SPIN, LOCAL_BATCHING, CHUNK_SIZE);
    }
}
