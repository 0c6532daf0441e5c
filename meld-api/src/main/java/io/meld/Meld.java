package io.meld;

import io.meld.config.MeldConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
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
 * {@link #barrier()}, the reductions ({@code allReduce}, {@code reduce}, {@code scan}, {@code
 * exclusiveScan}), {@code broadcast}, {@code gather}, {@code allGather}, {@code scatter}, {@code
 * allToAll}, the loops ({@code forall}, {@code forallLocal}), the allocation of global arrays, locks,
 * counters and latches, {@link #checkpoint} and {@link #restore}, {@link GlobalArray#close()} and {@link
 * #close()} are collectives: every node
 * calls each of them once, in the same order, with the same root and operation.
 * One thread per node calls them at a time (any thread, but not two at once), and never from inside a
 * loop's body or a remote task ({@link #at}, {@link #asyncAt}): there a collective other than {@code
 * close()} throws {@link IllegalStateException} naming the loop or the task, and is not counted. Nodes
 * that disagree fail with {@link CollectiveMismatchException} instead of waiting for each other forever,
 * and from then on every collective fails with it (see there for what still works); a collective that
 * waits on a node that has failed throws {@link NodeFailedException}.
 *
 * <h2>Messages</h2>
 *
 * {@link #send(int, int, byte[]) send} and {@link #receive(int) receive} pass messages between nodes
 * (the distributed-memory model): any thread, any time, ordered per sender and tag. Objects in messages
 * must be of allowed classes ({@link #register(Class[])}).
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
     * its exception (later ones suppressed), the others a {@link MeldException} naming it. A collective
     * called in the body (a {@code barrier()}, another loop) throws {@link IllegalStateException} naming
     * this loop: the loop is a collective itself.
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
     * Runs {@code body} over this node's own elements of {@code array}, handed over as {@link LocalSpan
     * spans} of plain storage (owner computes, at memory speed): every node covers its share, split into
     * spans over its worker threads with work stealing. The body loops over each span's positions itself,
     * so a loop over arrays distributed alike costs what the same loop over Java arrays costs. A
     * collective, ending like {@link #forall(GlobalArray, LongConsumer)}: when it returns on any node,
     * every span of every node is done and every operation the bodies issued is complete.
     *
     * @param array whose elements to cover
     * @param body what to run for each span; called by several threads at once, each span once
     */
    default void forallLocal(GlobalArray array, Consumer<LocalSpan> body) {
        forallLocal(array, 0, array.length(), body);
    }

    /**
     * Runs {@code body} over this node's elements of {@code array} with global indices in {@code [from,
     * to)}; see {@link #forallLocal(GlobalArray, Consumer)}.
     *
     * @param array whose elements to cover
     * @param from the first global index
     * @param to the global index after the last
     * @param body what to run for each span
     * @throws IndexOutOfBoundsException when the range is outside the array
     */
    void forallLocal(GlobalArray array, long from, long to, Consumer<LocalSpan> body);

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
     * memory operations the task issued are complete. Not a collective, and the task may call none: one
     * it calls throws {@link IllegalStateException} there, naming the task.
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
     * every task it spawns in turn, on any node. Not a collective, and the task may call none (see {@link
     * #at}).
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
     * Writes a checkpoint of {@code arrays} into {@code directory}: a consistent image of them, which
     * {@link #restore} loads into a cluster of any size and arrays of any distribution, and which numpy
     * reads without Meld (the format is in {@code docs/checkpoint.md}: a {@code manifest.json} and one
     * {@code .npy} file per array and writing node).
     *
     * <p>A collective: every node calls it with the same arrays, in the same order, and its directory (the
     * same one, or each node its own). <b>Consistency</b>: it starts as a {@link #barrier()} does, so the image holds every operation
     * that the nodes' calling threads issued before the call (fire-and-forget ones included, and those of
     * loops and tasks they waited for), and none issued after. Operations that other threads issue while
     * it runs race with it, as with a barrier; the program must not write the arrays until it returns.
     *
     * <p><b>Writing</b>: each node writes its own files in parallel, each node the elements of its part of
     * a {@code BLOCK} split of every array (for a {@code BLOCK} array, the elements it holds; for others it
     * fetches them with bulk gets), checksummed (CRC-32C) and forced to disk. Only when every node has
     * written and forced its files does node 0 write {@code manifest.json}, to a temporary file renamed
     * into place; so a directory without a manifest is never taken for a checkpoint, and one whose
     * checkpoint did not finish on every node has none (a manifest left by an earlier checkpoint there is
     * deleted first). {@code directory} may be shared by the nodes, or be each node's own (then each node
     * without node 0's manifest writes a copy of it into its own directory); it is created when missing.
     * When it returns on any node, the checkpoint is complete.
     *
     * @param directory where the checkpoint goes; its files of the same names are replaced
     * @param arrays the arrays, at least one, no two of the same name
     * @throws CheckpointException on every node when any node failed to write (the directory cannot be
     *     made, a disk is full): it names the node, the file and the I/O error; no manifest is written
     * @throws IllegalArgumentException when no array is given or two have the same name; {@link
     *     CheckpointException} when nodes passed different arrays
     * @throws IllegalStateException when this handle is closed, an array has been freed, or when called
     *     inside a loop's body or a remote task
     * @throws NodeFailedException when a node fails before the checkpoint completes
     */
    void checkpoint(Path directory, GlobalArray... arrays);

    /**
     * Loads a checkpoint written by {@link #checkpoint} into {@code arrays}, which the program allocated
     * with the names, element types and lengths they had in the checkpoint; their distribution and the
     * number of nodes may differ from the checkpoint's (3 nodes to 2, {@code BLOCK} to {@code CYCLIC}).
     * Arrays of the checkpoint that are not named here are left out.
     *
     * <p>A collective: every node calls it with the same arrays and its directory. It starts
     * with a {@link #barrier()}: operations issued before it are complete, and do not overwrite what it
     * loads. When it returns, every node sees the checkpoint's values in every element.
     *
     * <p><b>Checks first</b>: before any array is modified, the nodes check, and agree, that {@code
     * manifest.json} is there and is a checkpoint of a version this Meld reads, that it has every array
     * with the same element type and length, that its chunk files cover each array exactly, and that every
     * file a node needs exists, has the manifest's length and an {@code .npy} header that matches, and
     * that every checksum of the data it reads matches. A problem found by any node fails the restore on
     * every node, and no array has been touched. Each node reads only the files that hold its part of a
     * {@code BLOCK} split of each array (for a {@code BLOCK} array, the elements it holds; others are put
     * to their homes with bulk puts). Should a file become unreadable between the checks and the loading,
     * every node throws, saying that the arrays' contents are then undefined.
     *
     * @param directory a checkpoint's directory (or, on a node whose directory is its own, that node's)
     * @param arrays the arrays to fill, at least one, no two of the same name
     * @throws CheckpointException on every node, when the checkpoint is missing, partial, corrupt or does not
     *     match {@code arrays}: it names the node that found the problem, the file and the problem
     * @throws IllegalArgumentException when no array is given or two have the same name
     * @throws IllegalStateException when this handle is closed, an array has been freed, or when called
     *     inside a loop's body or a remote task
     * @throws NodeFailedException when a node fails before the restore completes
     */
    void restore(Path directory, GlobalArray... arrays);

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
     * @throws CollectiveMismatchException when another node called a different collective here, or when nodes
     *     did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
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
     * @throws CollectiveMismatchException when another node called a different collective or operation, or
     *     when nodes did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
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
     * @throws CollectiveMismatchException when another node called a different collective or operation, or
     *     when nodes did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
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
     * @throws CollectiveMismatchException when another node called a different collective or root, or when
     *     nodes did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
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

    // ---- Objects on the wire, message passing, and the collectives of the distributed-memory model ----

    /**
     * Allows objects of these classes to cross the wire: in messages ({@link #send(int, int, Object)}),
     * remote tasks and their results. Objects are encoded by Apache Fory; only the JDK basics (boxed
     * primitives, {@code String}, arrays of primitives, {@code java.util} collections and maps, {@code
     * Optional}, {@code java.time} values, ...), allowed classes, and serializable lambdas written by an
     * allowed class may cross; anything else is refused with {@link ClassNotAllowedException}, by the
     * sender and by the receiver. Never Java serialization.
     *
     * <p>SPMD: call it on every node with the same classes, before any node sends such an object (a
     * {@link #barrier()} after it makes sure). The setting {@code meld.codec.classes} does the same from
     * the configuration, also for packages ({@code com.example.*}).
     *
     * @param classes the classes to allow; an array class allows its element class
     * @throws NullPointerException when a class is {@code null}
     * @throws IllegalStateException when this handle is closed
     */
    void register(Class<?>... classes);

    /**
     * Sends {@code node} a copy of a byte array under a tag. Returns once the payload is copied out: the
     * caller may change the array at once. Messages from one node with one tag are received in the order
     * they were sent (from several threads: in the order their sends took place); large ones are
     * streamed in frames of {@code meld.transport.max-frame-size}.
     *
     * <p>Waits while this node already has {@code meld.messaging.window} bytes of messages at {@code node}
     * that its program has not received yet (back-pressure: a node holds a bounded amount of unreceived
     * messages). The window is shared by all tags: a program that waits for one tag while the sender's
     * window is full of another tag it does not receive waits for ever, as with MPI's finite buffers;
     * receive tags that a sender interleaves on separate threads, or in the order they are sent. A node
     * may send to itself (without a window).
     *
     * @param node the destination's rank
     * @param tag the tag, 0 or more; receivers select messages by it
     * @param payload the bytes
     * @throws IllegalArgumentException when {@code node} is not a rank or {@code tag} is negative
     * @throws NullPointerException when {@code payload} is {@code null}
     * @throws NodeFailedException when {@code node} has failed
     * @throws MeldException when {@code node} has closed, or the thread was interrupted while it waited
     * @throws IllegalStateException when this handle is closed
     */
    void send(int node, int tag, byte[] payload);

    /**
     * Sends {@code node} a copy of a {@code long} array under a tag.
     *
     * @param node the destination's rank
     * @param tag the tag, 0 or more
     * @param payload the values
     * @see #send(int, int, byte[])
     */
    void send(int node, int tag, long[] payload);

    /**
     * Sends {@code node} a copy of a {@code double} array under a tag, bit for bit.
     *
     * @param node the destination's rank
     * @param tag the tag, 0 or more
     * @param payload the values
     * @see #send(int, int, byte[])
     */
    void send(int node, int tag, double[] payload);

    /**
     * Sends {@code node} an object under a tag: its class and those of the objects it refers to must be
     * allowed ({@link #register(Class[])}); the receiver gets a copy rebuilt from its encoding. A {@code
     * byte[]}, {@code long[]} or {@code double[]} passed here goes as by the typed overloads.
     *
     * @param node the destination's rank
     * @param tag the tag, 0 or more
     * @param payload the object
     * @throws ClassNotAllowedException when a class of the object graph is not allowed; nothing is sent
     * @see #send(int, int, byte[])
     */
    void send(int node, int tag, Object payload);

    /**
     * Waits for a message with this tag from any node (this one included) and takes it: the earliest
     * to arrive of those waiting. Any number of threads may receive at once; each message goes to one.
     *
     * @param tag the tag, 0 or more
     * @return the message
     * @throws NodeFailedException when a node has failed and no message with the tag is waiting: the
     *     message might have been that node's
     * @throws ClassNotAllowedException when the message's object has a class this node does not allow
     *     (the message is taken)
     * @throws MeldException when every other node has closed, or the thread was interrupted
     * @throws IllegalArgumentException when {@code tag} is negative
     * @throws IllegalStateException when this handle is closed, also while waiting
     */
    Message receive(int tag);

    /**
     * Like {@link #receive(int)}, waiting at most {@code timeout}.
     *
     * @param tag the tag, 0 or more
     * @param timeout how long to wait
     * @return the message
     * @throws MeldTimeoutException when none came in time
     * @see #receive(int)
     */
    Message receive(int tag, Duration timeout);

    /**
     * Waits for the next message with this tag from {@code node} and takes it.
     *
     * @param node the sender's rank (this node's own receives what it sent itself)
     * @param tag the tag, 0 or more
     * @return the message
     * @throws NodeFailedException when {@code node} has failed and sent no such message before
     * @throws MeldException when {@code node} has closed and sent no such message before, or the thread
     *     was interrupted
     * @throws IllegalArgumentException when {@code node} is not a rank or {@code tag} is negative
     * @throws IllegalStateException when this handle is closed, also while waiting
     * @see #receive(int)
     */
    Message receive(int node, int tag);

    /**
     * Like {@link #receive(int, int)}, waiting at most {@code timeout}.
     *
     * @param node the sender's rank
     * @param tag the tag, 0 or more
     * @param timeout how long to wait
     * @return the message
     * @throws MeldTimeoutException when none came in time
     * @see #receive(int, int)
     */
    Message receive(int node, int tag, Duration timeout);

    /**
     * Combines every node's array element by element at the root: element {@code i} of the result is
     * {@code op(...op(v0[i], v1[i])..., vN-1[i])}, in rank order. A collective; every node passes an array
     * of the same length (nodes that do not fail with {@link CollectiveMismatchException}).
     *
     * @param values this node's values
     * @param op how to combine two values
     * @param root the rank of the node that gets the result
     * @return on the root, a new array with the result; {@code null} on the other nodes
     * @throws IllegalArgumentException when {@code root} is not a rank
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when nodes called different collectives, operations, roots or
     *     lengths, or when nodes did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    long[] reduce(long[] values, LongBinaryOperator op, int root);

    /**
     * Combines every node's array element by element at the root, in rank order (the same bits whatever
     * the timing). A collective.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @param root the rank of the node that gets the result
     * @return on the root, a new array with the result; {@code null} on the other nodes
     * @see #reduce(long[], LongBinaryOperator, int)
     */
    double[] reduce(double[] values, DoubleBinaryOperator op, int root);

    /**
     * Combines every node's array element by element, in rank order, and returns the result on every
     * node. A collective; every node passes an array of the same length.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @return a new array with the result, equal on every node
     * @see #reduce(long[], LongBinaryOperator, int)
     */
    long[] allReduce(long[] values, LongBinaryOperator op);

    /**
     * Combines every node's array element by element, in rank order, and returns the result on every
     * node, bit for bit the same. A collective.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @return a new array with the result, equal on every node
     * @see #reduce(long[], LongBinaryOperator, int)
     */
    double[] allReduce(double[] values, DoubleBinaryOperator op);

    /**
     * Collects every node's array at the root. A collective; the arrays may have different lengths.
     *
     * @param data this node's array
     * @param root the rank of the node that gets them
     * @return on the root, the arrays by rank (its own entry is {@code data} itself, the others new
     *     arrays); {@code null} on the other nodes
     * @throws NullPointerException when {@code data} is {@code null}
     * @throws IllegalArgumentException when {@code root} is not a rank
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when nodes called different collectives or roots, or when nodes did
     *     so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    byte[][] gather(byte[] data, int root);

    /**
     * Collects every node's array at the root. A collective.
     *
     * @param data this node's array
     * @param root the rank of the node that gets them
     * @return on the root, the arrays by rank; {@code null} on the other nodes
     * @see #gather(byte[], int)
     */
    long[][] gather(long[] data, int root);

    /**
     * Collects every node's array at the root. A collective.
     *
     * @param data this node's array
     * @param root the rank of the node that gets them
     * @return on the root, the arrays by rank; {@code null} on the other nodes
     * @see #gather(byte[], int)
     */
    double[][] gather(double[] data, int root);

    /**
     * Collects every node's array on every node. A collective; the arrays may have different lengths.
     *
     * @param data this node's array
     * @return the arrays by rank (this node's entry is {@code data} itself, the others new arrays)
     * @throws NullPointerException when {@code data} is {@code null}
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when nodes called different collectives, or when nodes did so in an
     *     earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    byte[][] allGather(byte[] data);

    /**
     * Collects every node's array on every node. A collective.
     *
     * @param data this node's array
     * @return the arrays by rank
     * @see #allGather(byte[])
     */
    long[][] allGather(long[] data);

    /**
     * Collects every node's array on every node. A collective.
     *
     * @param data this node's array
     * @return the arrays by rank
     * @see #allGather(byte[])
     */
    double[][] allGather(double[] data);

    /**
     * Hands out the root's arrays, one per node: node {@code r} gets {@code data[r]}. A collective; the
     * arrays may have different lengths.
     *
     * @param data on the root, one array per rank; ignored (and may be {@code null}) on the other nodes
     * @param root the rank of the node whose arrays are handed out
     * @return this node's array: on the root {@code data[root]} itself, elsewhere a new array
     * @throws IllegalArgumentException when {@code root} is not a rank, or the root's {@code data} does
     *     not hold one array per rank
     * @throws NullPointerException when the root's {@code data} or one of its arrays is {@code null}
     * @throws NodeFailedException when the root fails before this node's array arrived
     * @throws CollectiveMismatchException when nodes called different collectives or roots, or when nodes did
     *     so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    byte[] scatter(byte[][] data, int root);

    /**
     * Hands out the root's arrays, one per node. A collective.
     *
     * @param data on the root, one array per rank; ignored elsewhere
     * @param root the rank of the node whose arrays are handed out
     * @return this node's array
     * @see #scatter(byte[][], int)
     */
    long[] scatter(long[][] data, int root);

    /**
     * Hands out the root's arrays, one per node. A collective.
     *
     * @param data on the root, one array per rank; ignored elsewhere
     * @param root the rank of the node whose arrays are handed out
     * @return this node's array
     * @see #scatter(byte[][], int)
     */
    double[] scatter(double[][] data, int root);

    /**
     * Every node sends every node an array of its own: {@code data[r]} goes to node {@code r}, of any
     * length (the personalized exchange, MPI's {@code alltoallv}). A collective.
     *
     * @param data one array per rank
     * @return what each node sent this one, by rank (this node's entry is {@code data[rank]} itself)
     * @throws IllegalArgumentException when {@code data} does not hold one array per rank
     * @throws NullPointerException when {@code data} or one of its arrays is {@code null}
     * @throws NodeFailedException when a node fails before its array arrived
     * @throws CollectiveMismatchException when nodes called different collectives, or when nodes did so in an
     *     earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    byte[][] allToAll(byte[][] data);

    /**
     * Every node sends every node an array of its own. A collective.
     *
     * @param data one array per rank
     * @return what each node sent this one, by rank
     * @see #allToAll(byte[][])
     */
    long[][] allToAll(long[][] data);

    /**
     * Every node sends every node an array of its own. A collective.
     *
     * @param data one array per rank
     * @return what each node sent this one, by rank
     * @see #allToAll(byte[][])
     */
    double[][] allToAll(double[][] data);

    /**
     * Inclusive prefix reduction: node {@code r} gets {@code op(...op(v0, v1)..., vr)}, the fold of the
     * values of ranks {@code 0..r} in rank order. A collective. See {@link #allReduce(double,
     * DoubleBinaryOperator)} on choosing between the {@code long} and {@code double} overloads.
     *
     * @param value this node's value
     * @param op how to combine two values
     * @return the fold of ranks {@code 0..rank()}
     * @throws NodeFailedException when a node fails before contributing
     * @throws CollectiveMismatchException when nodes called different collectives or operations, or when nodes
     *     did so in an earlier collective: every later one rethrows that mismatch
     * @throws IllegalStateException when this handle is closed, or when called inside a loop's body or a
     *     remote task
     */
    @SuppressWarnings("overloads")
    long scan(long value, LongBinaryOperator op);

    /**
     * Inclusive prefix reduction of {@code double} values, in rank order. A collective.
     *
     * @param value this node's value
     * @param op how to combine two values
     * @return the fold of ranks {@code 0..rank()}
     * @see #scan(long, LongBinaryOperator)
     */
    @SuppressWarnings("overloads")
    double scan(double value, DoubleBinaryOperator op);

    /**
     * Exclusive prefix reduction: node {@code r > 0} gets the fold of the values of ranks {@code 0..r-1}
     * in rank order, node 0 gets {@code identity}. With {@link LongOp#SUM} and identity 0, each node
     * learns where its part starts: {@code exclusiveScan(myCount, LongOp.SUM, 0)}. A collective.
     *
     * @param value this node's value
     * @param op how to combine two values
     * @param identity what node 0 gets
     * @return the fold of ranks {@code 0..rank()-1}, or {@code identity} on node 0
     * @see #scan(long, LongBinaryOperator)
     */
    @SuppressWarnings("overloads")
    long exclusiveScan(long value, LongBinaryOperator op, long identity);

    /**
     * Exclusive prefix reduction of {@code double} values. A collective.
     *
     * @param value this node's value
     * @param op how to combine two values
     * @param identity what node 0 gets
     * @return the fold of ranks {@code 0..rank()-1}, or {@code identity} on node 0
     * @see #exclusiveScan(long, LongBinaryOperator, long)
     */
    @SuppressWarnings("overloads")
    double exclusiveScan(double value, DoubleBinaryOperator op, double identity);

    /**
     * Inclusive prefix reduction of arrays, element by element: element {@code i} of node {@code r}'s
     * result is the fold of element {@code i} of ranks {@code 0..r}. A collective; every node passes an
     * array of the same length.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @return a new array
     * @see #scan(long, LongBinaryOperator)
     */
    long[] scan(long[] values, LongBinaryOperator op);

    /**
     * Inclusive prefix reduction of arrays, element by element. A collective.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @return a new array
     * @see #scan(long[], LongBinaryOperator)
     */
    double[] scan(double[] values, DoubleBinaryOperator op);

    /**
     * Exclusive prefix reduction of arrays, element by element; node 0 gets an array filled with {@code
     * identity}. A collective; every node passes an array of the same length.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @param identity every element of node 0's result
     * @return a new array
     * @see #exclusiveScan(long, LongBinaryOperator, long)
     */
    long[] exclusiveScan(long[] values, LongBinaryOperator op, long identity);

    /**
     * Exclusive prefix reduction of arrays, element by element. A collective.
     *
     * @param values this node's values
     * @param op how to combine two values
     * @param identity every element of node 0's result
     * @return a new array
     * @see #exclusiveScan(long[], LongBinaryOperator, long)
     */
    double[] exclusiveScan(double[] values, DoubleBinaryOperator op, double identity);

    /**
     * Leaves the cluster. A collective: it waits (up to {@code meld.shutdown.timeout}) until every node
     * has closed, so that no node leaves while others still need it, then releases the node's threads,
     * connections and memory. A node that closes while others wait in another collective makes those
     * fail with {@link CollectiveMismatchException}. Calling it again does nothing.
     */
    @Override
    void close();
}
