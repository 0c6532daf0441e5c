package io.meld;

import java.util.Objects;

/**
 * An update of one flag element that a bulk put applies after its data: the put-with-signal of
 * OpenSHMEM 1.5. The node that waits for the data waits on the flag ({@link GlobalLongArray#waitUntil});
 * when it sees the flag's new value, the data is there. No barrier is needed, and only the two nodes
 * take part:
 *
 * <pre>{@code
 * // the writer: its edge row into the neighbour's halo, then arrivals[neighbour] += 1
 * grid.put(haloOf(neighbour), row, 0, n, Signal.add(arrivals, neighbour, 1));
 *
 * // the neighbour: wait for the step's row, without a barrier
 * arrivals.waitUntil(me, v -> v >= step);
 * }</pre>
 *
 * <p>Puts and signals one thread issues to one node arrive in the order it issued them; those of
 * different threads, or of different nodes, in any order. So a count of {@code k} arrivals says that
 * {@code k} puts have landed, and which ones only when one thread issues them all (as the heat example
 * does, from one thread per node).
 *
 * @param array the array of flags, a {@code long} array
 * @param index the flag element
 * @param op {@link Op#SET} to write {@code value}, {@link Op#ADD} to add it
 * @param value the value written or added
 */
public record Signal(GlobalLongArray array, long index, Op op, long value) {
    /** What a signal does to its flag. */
    public enum Op {
        /** Writes the value: a flag that carries, say, the step the data belongs to. */
        SET,
        /** Adds the value: a count of arrivals, for several writers or several puts. */
        ADD
    }

    /**
     * Checks the values.
     *
     * @throws NullPointerException when the array or the op is {@code null}
     */
    public Signal {
        Objects.requireNonNull(array, "signal array");
        Objects.requireNonNull(op, "signal op");
    }

    /**
     * @param array the array of flags
     * @param index the flag element
     * @param value what to write there after the data
     * @return the signal
     */
    public static Signal set(GlobalLongArray array, long index, long value) {
        return new Signal(array, index, Op.SET, value);
    }

    /**
     * @param array the array of flags
     * @param index the flag element
     * @param delta what to add to it after the data
     * @return the signal
     */
    public static Signal add(GlobalLongArray array, long index, long delta) {
        return new Signal(array, index, Op.ADD, delta);
    }
}
