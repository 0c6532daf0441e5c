package io.meld;

import io.meld.config.MeldConfig;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.function.LongConsumer;

/**
 * One node of a Meld cluster, as seen by the program running on it.
 *
 * <p>A Meld program is SPMD: the same code runs on every node (one JVM per node), and each node gets its
 * own {@code Meld} handle. Nodes are numbered by {@linkplain #rank() rank} from {@code 0} to {@code
 * size() - 1}.
 *
 * <pre>{@code
 * try (Meld meld = Meld.join()) {                       // joins the cluster that launched this JVM
 *     long mine = compute(meld.rank(), meld.size());
 *     long total = meld.allReduce(mine, LongOp.SUM);    // every node gets the same total
 *     meld.barrier();
 * }
 * }</pre>
 *
 * <h2>Collectives</h2>
 *
 * {@link #barrier()}, the {@code allReduce} and {@code broadcast} methods and {@link #close()} are
 * collectives: every node calls each of them once, in the same order, with the same root and operation.
 * One thread per node calls them at a time (any thread, but not two at once). Nodes that disagree fail
 * with {@link CollectiveMismatchException} instead of waiting for each other forever; a collective that
 * waits on a node that has failed throws {@link NodeFailedException}.
 *
 * <h2>Threads</h2>
 *
 * Everything else on this interface may be called by any number of threads of the node at once.
 * {@link #threads()} says how many threads the node should run its own work on: its share of this
 * machine's cores.
 *
 * <h2>Lifecycle</h2>
 *
 * A handle is open from {@link #join()} (or the start of a {@link #local local} program) until {@link
 * #close()}. Every method of a closed handle, except {@code close()}, {@code rank()} and {@code size()},
 * throws {@link IllegalStateException}.
 */
public interface Meld extends AutoCloseable {

    /**
     * Joins the cluster that launched this process, configured by {@code meld.*} system properties, then
     * {@code MELD_*} environment variables, then a {@code meld.properties} file (see {@link
     * MeldConfig#load()}). Without any configuration this is a cluster of one node.
     *
     * <p>Blocks until every node of the cluster has joined and can reach every other, or fails after the
     * formation timeout ({@code meld.cluster.formation-timeout}).
     *
     * @return this node's handle; close it when the program ends
     * @throws ClusterFormationException when the cluster cannot form; the message names who is missing
     * @throws io.meld.config.ConfigException when a setting is invalid; the message names it and its value
     */
    static Meld join() {
        return join(MeldConfig.load());
    }

    /**
     * Joins a cluster with the given configuration.
     *
     * @param config the configuration of this node
     * @return this node's handle; close it when the program ends
     * @throws ClusterFormationException when the cluster cannot form; the message names who is missing
     * @throws io.meld.config.ConfigException when a setting is invalid; the message names it and its value
     * @see #join()
     */
    static Meld join(MeldConfig config) {
        return ProviderHolder.provider().join(config);
    }

    /**
     * Runs an SPMD program on {@code nodes} nodes inside this JVM and waits for all of them. The nodes
     * form a real cluster: they find each other through the cluster layer and talk through the same
     * transport as separate processes would, over loopback. Each node runs the program on its own
     * thread and is closed when its program returns.
     *
     * @param nodes how many nodes, at least 1
     * @param program what every node runs
     * @throws MeldException when any node's program throws; the message names the node and the first
     *     failure is the cause, later ones are {@linkplain Throwable#getSuppressed() suppressed}
     * @throws IllegalArgumentException when {@code nodes < 1}
     */
    static void local(int nodes, MeldProgram program) {
        local(nodes, MeldConfig.load(), program);
    }

    /**
     * Runs an SPMD program on {@code nodes} nodes inside this JVM, with the given configuration for every
     * node (its rank, size and discovery settings are set by this method).
     *
     * @param nodes how many nodes, at least 1
     * @param config the configuration shared by all nodes
     * @param program what every node runs
     * @throws MeldException when any node's program throws; see {@link #local(int, MeldProgram)}
     * @throws IllegalArgumentException when {@code nodes < 1}
     */
    static void local(int nodes, MeldConfig config, MeldProgram program) {
        ProviderHolder.provider().local(nodes, config, meld -> {
            program.run(meld);
            return null;
        });
    }

    /**
     * Runs an SPMD function on {@code nodes} nodes inside this JVM and returns each node's result.
     *
     * @param nodes how many nodes, at least 1
     * @param function what every node runs
     * @param <T> the type of the results
     * @return the results, indexed by rank
     * @throws MeldException when any node's function throws; see {@link #local(int, MeldProgram)}
     */
    static <T> List<T> localResults(int nodes, MeldFunction<T> function) {
        return localResults(nodes, MeldConfig.load(), function);
    }

    /**
     * Runs an SPMD function on {@code nodes} nodes inside this JVM, with the given configuration, and
     * returns each node's result.
     *
     * @param nodes how many nodes, at least 1
     * @param config the configuration shared by all nodes
     * @param function what every node runs
     * @param <T> the type of the results
     * @return the results, indexed by rank
     * @throws MeldException when any node's function throws; see {@link #local(int, MeldProgram)}
     */
    static <T> List<T> localResults(int nodes, MeldConfig config, MeldFunction<T> function) {
        return ProviderHolder.provider().local(nodes, config, function);
    }

    /** @return this node's rank, from {@code 0} to {@code size() - 1} */
    int rank();

    /** @return the number of nodes in the cluster */
    int size();

    /**
     * @return how many threads this node should run its own work on: {@code meld.threads} when set,
     *     otherwise this machine's cores divided by the number of nodes on it (at least 1)
     * @throws IllegalStateException when this handle is closed
     */
    int threads();

    /**
     * @return the configuration this node was started with
     * @throws IllegalStateException when this handle is closed
     */
    MeldConfig config();

    /**
     * Runs {@code body} once for every index of {@code array}, each on the node that holds the element
     * (owner computes), spread over that node's worker threads with work stealing. A collective: every
     * node calls it with the same array; it returns on every node when every iteration on every node
     * is done and every operation the iterations issued is complete (it ends with a barrier). When an
     * iteration throws, the node stops taking new iterations and every node throws: the failing node
     * its exception (later ones suppressed), the others a {@link MeldException} naming it.
     *
     * @param array whose index space to run over
     * @param body what to run for each global index; called by several threads at once
     */
    default void forall(GlobalArray array, LongConsumer body) {
        forall(array, 0, array.length(), LoopOptions.THREADS, body);
    }

    /**
     * Runs {@code body} for every index of {@code array} in {@code [from, to)}, each on its owner; see
     * {@link #forall(GlobalArray, LongConsumer)}.
     *
     * @param array whose index space to run over
     * @param from the first index
     * @param to the index after the last
     * @param options worker threads or virtual threads
     * @param body what to run for each global index
     * @throws IndexOutOfBoundsException when the range is outside the array
     */
    void forall(GlobalArray array, long from, long to, LoopOptions options, LongConsumer body);

    /**
     * Runs {@code body} once for every {@code i} in {@code [from, to)}, the range split into one
     * contiguous block per node (node {@code r} gets block {@code r}, as {@link Distribution#BLOCK}
     * splits an array) and each block over the node's workers. A collective; see {@link
     * #forall(GlobalArray, LongConsumer)}.
     *
     * @param from the first index
     * @param to the index after the last
     * @param body what to run for each index
     */
    default void forall(long from, long to, LongConsumer body) {
        forall(from, to, LoopOptions.THREADS, body);
    }

    /**
     * {@link #forall(long, long, LongConsumer)} with options.
     *
     * @param from the first index
     * @param to the index after the last
     * @param options worker threads or virtual threads
     * @param body what to run for each index
     */
    void forall(long from, long to, LoopOptions options, LongConsumer body);

    /**
     * Allocates a global array of {@code long}, zeroed, spread in {@link Distribution#BLOCK blocks}. A
     * collective: every node calls it with the same name and length, and every node gets its handle.
     *
     * @param name a name no other live array of this cluster has
     * @param length the number of elements, at least 0
     * @return this node's handle to the array
     * @throws IllegalArgumentException when the length is negative or the name is taken
     * @throws MeldException when nodes disagree on the name, length, type or distribution; every node
     *     fails with one message naming both versions
     */
    default GlobalLongArray longArray(String name, long length) {
        return longArray(name, length, Distribution.BLOCK);
    }

    /**
     * Allocates a global array of {@code long}, zeroed. A collective; see {@link #longArray(String,
     * long)}.
     *
     * @param name a name no other live array of this cluster has
     * @param length the number of elements, at least 0
     * @param distribution how the elements are spread over the nodes
     * @return this node's handle to the array
     */
    GlobalLongArray longArray(String name, long length, Distribution distribution);

    /**
     * Allocates a global array of {@code double}, zeroed, spread in {@link Distribution#BLOCK blocks}. A
     * collective; see {@link #longArray(String, long)}.
     *
     * @param name a name no other live array of this cluster has
     * @param length the number of elements, at least 0
     * @return this node's handle to the array
     */
    default GlobalDoubleArray doubleArray(String name, long length) {
        return doubleArray(name, length, Distribution.BLOCK);
    }

    /**
     * Allocates a global array of {@code double}, zeroed. A collective; see {@link #longArray(String,
     * long)}.
     *
     * @param name a name no other live array of this cluster has
     * @param length the number of elements, at least 0
     * @param distribution how the elements are spread over the nodes
     * @return this node's handle to the array
     */
    GlobalDoubleArray doubleArray(String name, long length, Distribution distribution);

    /**
     * Runs {@code task} on {@code node} and returns its result. The caller waits; the task runs on a
     * virtual thread there (on this thread when {@code node} is this one, still on copies). Tasks it
     * spawns with {@link #asyncAt} belong to the {@code finish} the caller is in. When it returns, the
     * memory operations the task issued are complete. Not a collective.
     *
     * @param node where to run it
     * @param task what to run (see {@link RemoteJob} for what it may capture)
     * @param <T> the result type
     * @return its result, copied back
     * @throws TaskFailedException when the task threw, naming the node and what it threw, with the
     *     task's stack above the caller's; also when the node could not decode the task or encode its
     *     result (a class it does not allow)
     * @throws NodeFailedException when the node fails or closes before answering
     * @throws IllegalStateException when this node is closed, or closes while the caller waits
     * @throws MeldException when the calling thread is interrupted while it waits
     * @throws ClassNotAllowedException when the task, or the result arriving here, has a class this node
     *     does not allow; nothing runs in the first case
     * @throws IllegalArgumentException when {@code node} is not a rank of the cluster
     */
    <T> T at(int node, RemoteCallable<T> task);

    /**
     * Spawns {@code task} on {@code node} and returns at once. The task belongs to the {@link #finish}
     * the calling thread is in (a {@code finish} block's thread, or a task's), which waits for it and for
     * every task it spawns in turn, on any node. Not a collective.
     *
     * @param node where to run it
     * @param task what to run (see {@link RemoteJob} for what it may capture)
     * @throws IllegalStateException when the calling thread is not in a {@code finish}
     * @throws ClassNotAllowedException when the task has a class this node does not allow; nothing is
     *     spawned
     * @throws NodeFailedException when the node has failed
     * @throws IllegalArgumentException when {@code node} is not a rank of the cluster
     */
    void asyncAt(int node, RemoteJob task);

    /**
     * Runs {@code block} on this thread, then waits until every task spawned in it has ended,
     * transitively and on every node (distributed termination detection, as X10's and APGAS's {@code
     * finish}). When it returns, every memory operation those tasks issued is complete. Finishes nest;
     * not a collective.
     *
     * @param block what to run; it spawns tasks with {@link #asyncAt}
     * @throws TaskFailedException once every task has ended, when the block or any task threw: the
     *     message counts them and names the first, the suppressed exceptions are each failure (a task's
     *     with its node and its stack there)
     * @throws NodeFailedException at once, when a node that runs tasks of this finish fails
     * @throws IllegalStateException when this node is closed, or closes while the finish waits
     * @throws MeldException when the calling thread is interrupted while it waits; the tasks run on
     */
    void finish(Block block);

    /**
     * Allocates a lock shared by every node. A collective: every node calls it with the same name. Its
     * home is chosen from the name.
     *
     * @param name a name no other live lock of this cluster has
     * @return this node's handle to the lock
     */
    GlobalLock lock(String name);

    /**
     * Allocates a counter shared by every node, starting at zero. A collective.
     *
     * @param name a name no other live counter of this cluster has
     * @return this node's handle to the counter
     */
    GlobalCounter counter(String name);

    /**
     * Allocates a countdown latch shared by every node. A collective: every node passes the same name
     * and count.
     *
     * @param name a name no other live latch of this cluster has
     * @param count the count, at least 0
     * @return this node's handle to the latch
     */
    GlobalLatch latch(String name, long count);

    /**
     * Waits until every operation the calling thread issued on global memory is complete at its home:
     * its fire-and-forget operations have been applied and its async operations' futures are complete.
     * Operations issued by loops and tasks the thread waited for count as its own. Not a collective.
     *
     * @throws NodeFailedException when a node this thread sent operations to has failed
     * @throws MeldTimeoutException when a home does not confirm within {@code meld.memory.timeout}
     * @throws IllegalStateException when this handle is closed
     */
    void fence();

    /**
     * Waits until every node has called {@code barrier()}. A collective. It first {@linkplain #fence()
     * fences} the calling thread, so after a barrier every node sees every operation that the nodes'
     * barrier-calling threads issued before it.
     *
     * @throws NodeFailedException when a node fails before reaching the barrier
     * @throws CollectiveMismatchException when another node called a different collective here
     * @throws IllegalStateException when this handle is closed
     */
    void barrier();

    /**
     * Combines one value from every node and returns the result on every node. A collective.
     *
     * <p>The values are combined in rank order, {@code op(...op(op(v0, v1), v2)..., vN-1)}, so every node
     * gets the same result even for an operation that is not commutative. {@link LongOp}'s operations are
     * checked to be the same on every node; for any other operator, every node must pass the same one.
     *
     * @param value this node's value
     * @param op how to combine two values, e.g. {@link LongOp#SUM}
     * @return the combination of all nodes' values
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when another node called a different collective or operation
     * @throws IllegalStateException when this handle is closed
     */
    @SuppressWarnings("overloads") // see the note on the double overload
    long allReduce(long value, LongBinaryOperator op);

    /**
     * Combines one value from every node and returns the result on every node. A collective.
     *
     * <p>The values are combined in rank order, so every node gets the bit-for-bit same result, also for
     * floating-point sums. {@link DoubleOp}'s operations are checked to be the same on every node.
     *
     * <p>Java cannot tell this overload from the {@code long} one by an implicitly typed lambda or an
     * overloaded method reference such as {@code Math::max}: write {@code (double a, double b) -> a * b}
     * or {@code Double::sum}, or use the {@link DoubleOp} and {@link LongOp} constants.
     *
     * @param value this node's value
     * @param op how to combine two values, e.g. {@link DoubleOp#SUM}
     * @return the combination of all nodes' values
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when another node called a different collective or operation
     * @throws IllegalStateException when this handle is closed
     */
    @SuppressWarnings("overloads")
    double allReduce(double value, DoubleBinaryOperator op);

    /**
     * Sends the root's array to every node. A collective. Arrays larger than a transport frame are
     * streamed as several frames. Every node, the root included, returns once every node has reached the
     * broadcast (so a root never runs ahead of its receivers).
     *
     * @param data the array to send, on the root; ignored (and may be {@code null}) on other nodes
     * @param root the rank of the node whose array is sent
     * @return on the root, {@code data} itself; on the other nodes, a new array equal to it
     * @throws NullPointerException when {@code data} is {@code null} on the root
     * @throws IllegalArgumentException when {@code root} is not a rank of this cluster
     * @throws NodeFailedException when the root fails before its array arrived
     * @throws CollectiveMismatchException when another node called a different collective or root
     * @throws IllegalStateException when this handle is closed
     */
    long[] broadcast(long[] data, int root);

    /**
     * Sends the root's array to every node. A collective.
     *
     * @param data the array to send, on the root; ignored (and may be {@code null}) on other nodes
     * @param root the rank of the node whose array is sent
     * @return on the root, {@code data} itself; on the other nodes, a new array equal to it
     * @see #broadcast(long[], int)
     */
    double[] broadcast(double[] data, int root);

    /**
     * Sends the root's array to every node. A collective.
     *
     * @param data the array to send, on the root; ignored (and may be {@code null}) on other nodes
     * @param root the rank of the node whose array is sent
     * @return on the root, {@code data} itself; on the other nodes, a new array equal to it
     * @see #broadcast(long[], int)
     */
    byte[] broadcast(byte[] data, int root);

    /**
     * Leaves the cluster. A collective: it waits (up to {@code meld.shutdown.timeout}) until every node
     * has closed, so that no node leaves while others still need it, then releases the node's threads,
     * connections and memory. A node that closes while others wait in another collective makes those
     * fail with {@link CollectiveMismatchException}. Calling it again does nothing.
     */
    @Override
    void close();
}
