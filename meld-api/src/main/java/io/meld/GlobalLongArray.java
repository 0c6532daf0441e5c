package io.meld;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongPredicate;

/**
 * An array of {@code long} spread over the nodes of the cluster, which every thread of every node can
 * read, write and update atomically. Allocated collectively with {@link Meld#longArray}.
 *
 * <h2>Where operations run</h2>
 *
 * Every element has one home node ({@link #owner(long)}). An operation on an element of this node runs
 * directly on the node's memory with an atomic instruction: no message, no copy. An operation on an
 * element of another node is shipped to that node and runs there; operations bound for the same node
 * are combined into large messages.
 *
 * <h2>Three forms</h2>
 *
 * <ul>
 *   <li><b>Blocking</b> ({@link #get}, {@link #set}, {@link #getAndAdd}, ...) return when the operation
 *       has run at the home, with its result.
 *   <li><b>Async</b> ({@code ...Async}) return a {@link CompletableFuture} completed with the result;
 *       the operation waits in the combining buffer until it fills, the thread fences or blocks on a
 *       remote operation, or a short idle time passes ({@code meld.memory.flush-delay}); waiting on the
 *       future itself sends it at once. A callback attached with {@code thenApply} and the like runs on
 *       the thread that completes the future: the I/O thread that reads the answer when it is attached
 *       before the answer comes, or at once, on the attaching thread, when the future is complete
 *       already (always for an element of this node). It must be right on either: a blocking Meld call
 *       throws {@link IllegalStateException} on the I/O thread and works on the other, so do not block
 *       in one; use the {@code ...Async(fn, executor)} forms for work that does.
 *   <li><b>Fire-and-forget</b> ({@link #put}, {@link #add}, {@link #accumulate}) return at once; the
 *       operation is complete when this thread's {@link Meld#fence()} returns, and for every node when a
 *       {@link Meld#barrier()} returns.
 * </ul>
 *
 * <p>Blocking and async operations fail with {@link MeldTimeoutException} after {@code
 * meld.memory.timeout}, and with {@link NodeFailedException} when the home fails.
 *
 * <h2>Memory model</h2>
 *
 * Operations on one element run at its home one at a time, so blocking operations on one element are
 * linearizable. Operations one thread issues to one home run there in the order the thread issued
 * them, whatever their form. See {@code docs/memory-model.md}.
 */
public non-sealed interface GlobalLongArray extends GlobalArray {
    /**
     * @param index the element
     * @return its value
     */
    long get(long index);

    /**
     * @param index the element
     * @param value its new value
     */
    void set(long index, long value);

    /**
     * @param index the element
     * @param delta what to add
     * @return the value before the addition
     */
    long getAndAdd(long index, long delta);

    /**
     * @param index the element
     * @param delta what to add
     * @return the value after the addition
     */
    long addAndGet(long index, long delta);

    /**
     * @param index the element
     * @param value its new value
     * @return the value it replaced
     */
    long getAndSet(long index, long value);

    /**
     * Sets the element to {@code value} if it equals {@code expected}.
     *
     * @param index the element
     * @param expected the value it must have
     * @param value its new value
     * @return whether it had the expected value (and now has the new one)
     */
    boolean compareAndSet(long index, long expected, long value);

    /**
     * Replaces the element by {@code op(element, value)}.
     *
     * @param index the element
     * @param op the operation
     * @param value the operand
     * @return the value before
     */
    long getAndAccumulate(long index, LongOp op, long value);

    /**
     * @param index the element
     * @return its value, when it has been read at the home
     */
    CompletableFuture<Long> getAsync(long index);

    /**
     * @param index the element
     * @param value its new value
     * @return completed when the value is written at the home
     */
    CompletableFuture<Void> setAsync(long index, long value);

    /**
     * @param index the element
     * @param delta what to add
     * @return the value before the addition
     */
    CompletableFuture<Long> getAndAddAsync(long index, long delta);

    /**
     * @param index the element
     * @param delta what to add
     * @return the value after the addition
     */
    CompletableFuture<Long> addAndGetAsync(long index, long delta);

    /**
     * @param index the element
     * @param value its new value
     * @return the value it replaced
     */
    CompletableFuture<Long> getAndSetAsync(long index, long value);

    /**
     * @param index the element
     * @param expected the value it must have
     * @param value its new value
     * @return whether it had the expected value
     */
    CompletableFuture<Boolean> compareAndSetAsync(long index, long expected, long value);

    /**
     * @param index the element
     * @param op the operation
     * @param value the operand
     * @return the value before
     */
    CompletableFuture<Long> getAndAccumulateAsync(long index, LongOp op, long value);

    /**
     * Writes the element, fire-and-forget.
     *
     * @param index the element
     * @param value its new value
     */
    void put(long index, long value);

    /**
     * Adds to the element, fire-and-forget.
     *
     * @param index the element
     * @param delta what to add
     */
    void add(long index, long delta);

    /**
     * Adds {@code delta} to every element {@code indices[offset, offset + length)} names, fire-and-forget:
     * the same as {@code add(indices[i], delta)} for each {@code i} in turn (an index named twice gets
     * {@code delta} twice), at a fraction of the cost per element. The runtime sorts each block of
     * indices by home, sends each home its part in one pass through its combining buffer and adds this
     * node's part directly, several elements at a time. The form for scattered updates made in bulk:
     * histograms, random access, graph pushes.
     *
     * @param indices the elements, in any order, repeats allowed
     * @param offset the first position in {@code indices}
     * @param length how many
     * @param delta what to add to each
     * @throws IndexOutOfBoundsException when a position is outside {@code indices} or an index is outside
     *     the array, naming it; nothing is added then
     */
    void add(long[] indices, int offset, int length, long delta);

    /**
     * Replaces the element by {@code op(element, value)}, fire-and-forget.
     *
     * @param index the element
     * @param op the operation
     * @param value the operand
     */
    void accumulate(long index, LongOp op, long value);

    /**
     * Replaces every element {@code indices[offset, offset + length)} names by {@code op(element,
     * values[i])}, with the value at the same position, fire-and-forget: the same as {@code
     * accumulate(indices[i], op, values[i])} for each {@code i} in turn, at a fraction of the cost per
     * element, as {@link #add(long[], int, int, long)} is for one shared value.
     *
     * @param indices the elements, in any order, repeats allowed
     * @param op the operation
     * @param values the operands, one per index, at the same positions
     * @param offset the first position in {@code indices} and {@code values}
     * @param length how many
     * @throws IndexOutOfBoundsException when a position is outside {@code indices} or {@code values}, or an
     *     index is outside the array, naming it; nothing is applied then
     */
    void accumulate(long[] indices, LongOp op, long[] values, int offset, int length);

    /**
     * Copies the elements {@code [from, from + length)} into {@code dst[offset, offset + length)}. Each
     * home sends its part in one streamed transfer. Returns when all parts have arrived.
     *
     * @param from the first element
     * @param dst where to copy them
     * @param offset the first position in {@code dst}
     * @param length how many
     * @throws IndexOutOfBoundsException when the range is outside the array or {@code dst}
     */
    void get(long from, long[] dst, int offset, int length);

    /**
     * Copies {@code src[offset, offset + length)} into the elements {@code [from, from + length)}. Each
     * home receives its part in one streamed transfer. Returns when every part is written at its home.
     *
     * @param from the first element
     * @param src the values
     * @param offset the first position in {@code src}
     * @param length how many
     * @throws IndexOutOfBoundsException when the range is outside the array or {@code src}
     */
    void put(long from, long[] src, int offset, int length);

    /**
     * Copies {@code src[offset, offset + length)} into the elements {@code [from, from + length)}, then
     * applies {@code signal} to its flag: put-with-signal. Whoever sees the flag's new value (with {@link
     * GlobalLongArray#waitUntil}, or any operation on the flag) sees the data too. Returns once {@code src}
     * may be reused; like a fire-and-forget operation, the put and its signal are complete when this
     * thread's {@link Meld#fence()} returns.
     *
     * <p>When the range lies at the flag's home, the data and the signal travel together, in order, and
     * this call does not wait. Parts of the range elsewhere are written first, and the signal sent once
     * they are: then the call waits for those homes' answers.
     *
     * @param from the first element
     * @param src the values
     * @param offset the first position in {@code src}
     * @param length how many
     * @param signal the flag update to apply after the data
     * @throws IndexOutOfBoundsException when the range is outside the array or {@code src}, or the flag
     *     outside its array
     * @throws IllegalArgumentException when the flag's array is not one of this node's arrays
     */
    void put(long from, long[] src, int offset, int length, Signal signal);

    /**
     * @return this node's share of the array, to read and write plainly at the speed of a Java array
     *     (see {@link LocalLongArray} for when that is allowed)
     * @throws IllegalStateException when the array has been freed
     */
    LocalLongArray local();

    /**
     * Waits until element {@code index}, which this node must hold, satisfies {@code condition}, and
     * returns the value that did (OpenSHMEM's {@code wait_until}): the receiving end of {@link Signal}s and
     * of any flag that other threads or nodes write with operations. The element is read with the
     * atomics' ordering, so once the condition holds, whatever the writer ordered before its write (the
     * data of a put-with-signal, or its earlier operations to this node) is visible to this thread, to
     * plain reads as well.
     *
     * <p>The thread polls for a short while ({@code meld.memory.spin}) and then parks; every operation that
     * writes an element of this array (from any thread or node) wakes it. A plain write through a {@link
     * #local() local view} wakes nobody: it is seen within a millisecond.
     *
     * @param index the element, one of this node's ({@code owner(index) == rank})
     * @param condition what its value must satisfy; called on this thread, any number of times
     * @return the value that satisfied the condition
     * @throws IllegalArgumentException when another node holds the element, naming it and its owner
     * @throws IndexOutOfBoundsException when the index is outside the array
     * @throws NodeFailedException when a node fails while the condition does not hold (the writer might be
     *     that node)
     * @throws MeldException when every other node has closed while the condition does not hold (none of
     *     them writes again), or the thread is interrupted while it waits (its interrupt status is set)
     * @throws IllegalStateException when the array is freed or the node closes, also while waiting; or when
     *     called on an I/O thread (an async operation's callback), which applies the writes it waits for
     */
    long waitUntil(long index, LongPredicate condition);

    /**
     * Like {@link #waitUntil(long, LongPredicate)}, waiting at most {@code timeout}.
     *
     * @param index the element, one of this node's
     * @param condition what its value must satisfy
     * @param timeout how long to wait at most
     * @return the value that satisfied the condition
     * @throws MeldTimeoutException when it did not within the timeout, naming the element and its value
     * @throws IllegalArgumentException when the timeout is negative
     */
    long waitUntil(long index, LongPredicate condition, Duration timeout);
}
