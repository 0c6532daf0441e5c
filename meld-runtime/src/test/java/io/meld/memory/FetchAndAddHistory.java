package io.meld.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A history of fetch-and-add operations on one counter that starts at 0, every one adding the same
 * positive delta, and the check that it is linearizable.
 *
 * <p>With equal deltas, the value an operation returns says where it was linearized: the one that
 * returned {@code k * delta} was the {@code k}-th. So a history is linearizable exactly when the returned
 * values are a permutation of {@code 0, delta, ..., (n - 1) * delta} and that order agrees with real
 * time: no operation that finished before another started may have returned the larger value. Times are
 * {@link System#nanoTime()} of one JVM, so they compare across the nodes of an in-JVM cluster.
 */
final class FetchAndAddHistory {
    /**
     * One operation.
     *
     * @param who which node and thread issued it, for messages
     * @param invoked when the call began
     * @param responded when its result was in the caller's hands (a later time only weakens the check)
     * @param old the value it returned, before its own addition
     */
    record Op(String who, long invoked, long responded, long old) {}

    private final List<Op> ops = new ArrayList<>();

    void add(Op op) {
        ops.add(op);
    }

    int size() {
        return ops.size();
    }

    /**
     * @param delta every operation's addition
     * @param finalValue the counter's value after all of them
     * @throws AssertionError naming the first violation found
     */
    void checkLinearizable(long delta, long finalValue) {
        List<Op> byValue = new ArrayList<>(ops);
        byValue.sort(Comparator.comparingLong(Op::old));
        for (int k = 0; k < byValue.size(); k++) {
            long expected = k * delta;
            Op op = byValue.get(k);
            if (op.old != expected) {
                String problem = op.old < expected
                        ? "value " + op.old + " was returned twice"
                        : "no operation returned " + expected + " (the " + k + "-th addition's old value)";
                throw new AssertionError("not linearizable: " + problem + "; returned by " + op.who + " among "
                        + byValue.size() + " operations");
            }
        }
        if (finalValue != byValue.size() * delta) {
            throw new AssertionError("not linearizable: the counter ends at " + finalValue + " after " + byValue.size()
                    + " additions of " + delta);
        }
        // Walking down from the largest value, remember the earliest response among larger values: if it
        // came before this operation was even invoked, real time contradicts the order of the values.
        Op earliestLater = null;
        for (int k = byValue.size() - 1; k >= 0; k--) {
            Op op = byValue.get(k);
            if (earliestLater != null && earliestLater.responded - op.invoked < 0) {
                throw new AssertionError("not linearizable: " + earliestLater.who + " returned "
                        + earliestLater.old + " and finished " + (op.invoked - earliestLater.responded)
                        + "ns before " + op.who + " began the addition that returned " + op.old);
            }
            if (earliestLater == null || op.responded - earliestLater.responded < 0) {
                earliestLater = op;
            }
        }
    }
}
