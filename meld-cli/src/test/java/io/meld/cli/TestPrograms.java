package io.meld.cli;

import io.meld.Distribution;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Programs the tests run on local clusters, started through ChildMain like any other program. */
final class TestPrograms {
    /** Small node JVMs: the tests share two cores. */
    static final List<String> NODE_JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private TestPrograms() {}

    /** Joins, takes part in a barrier, an allReduce and a broadcast bigger than a frame, checks them. */
    static final class Collectives {
        public static void main(String[] args) {
            try (Meld meld = Meld.join()) {
                int rank = meld.rank();
                System.out.println("rank " + rank + " of " + meld.size() + " joined");
                meld.barrier();
                long sum = meld.allReduce(rank + 1L, LongOp.SUM);
                long expected = (long) meld.size() * (meld.size() + 1) / 2;
                long[] data = new SplittableRandom(42).longs(1 << 18).toArray(); // 2 MiB
                long[] got = meld.broadcast(rank == 0 ? data : null, 0);
                if (sum != expected || !Arrays.equals(got, data)) {
                    throw new IllegalStateException("rank " + rank + ": sum " + sum + ", expected " + expected
                            + "; broadcast intact: " + Arrays.equals(got, data));
                }
                System.out.println("rank " + rank + " ok: sum " + sum + ", 2 MiB broadcast intact");
            }
        }
    }

    /**
     * Global memory across processes: exact totals of random increments from two threads per node on
     * every distribution, a compare-and-set counter, issue order to one home, bulk round trips bigger
     * than a frame, and concurrent getAndAdd on one element returning a permutation of old values.
     */
    static final class GlobalMemory {
        public static void main(String[] args) throws InterruptedException {
            try (Meld meld = Meld.join()) {
                int rank = meld.rank();
                int n = meld.size();
                for (Distribution d : List.of(Distribution.BLOCK, Distribution.CYCLIC, Distribution.blockCyclic(3))) {
                    try (GlobalLongArray table = meld.longArray("increments-" + d, 10_007, d)) {
                        int perThread = 20_000;
                        runThreads(meld, 2, t -> {
                            SplittableRandom random = new SplittableRandom(rank * 31L + t);
                            for (int i = 0; i < perThread; i++) {
                                table.add(random.nextLong(table.length()), 1);
                            }
                        });
                        meld.barrier();
                        long[] all = new long[(int) table.length()];
                        table.get(0, all, 0, all.length);
                        check(Arrays.stream(all).sum() == 2L * perThread * n, "increments on " + d);
                    }
                }

                GlobalLongArray counter = meld.longArray("counter", n);
                runThreads(meld, 2, t -> {
                    for (int i = 0; i < 200; i++) {
                        long seen;
                        do {
                            seen = counter.get(0);
                        } while (!counter.compareAndSet(0, seen, seen + 1));
                    }
                });
                meld.barrier();
                long counted = counter.get(0);
                check(counted == 2L * 200 * n, "compare-and-set counter: " + counted);
                meld.barrier(); // every node has read it before any overwrites it below

                long next = (rank + 1) % n; // counter has one element per node: element r lives on node r
                for (long k = 1; k <= 500; k++) {
                    counter.put(next, k);
                }
                check(counter.get(next) == 500, "issue order to one home");
                meld.barrier();
                counter.close();

                try (GlobalDoubleArray big = meld.doubleArray("bulk", 300_000, Distribution.CYCLIC)) {
                    double[] data = new SplittableRandom(7).doubles(300_000).toArray();
                    if (rank == 0) {
                        big.put(0, data, 0, data.length);
                    }
                    meld.barrier();
                    double[] back = new double[data.length];
                    big.get(0, back, 0, back.length);
                    check(Arrays.equals(back, data), "bulk round trip of 2.4 MB");
                }

                try (GlobalLongArray one = meld.longArray("one", 1)) {
                    long[] olds = new long[2 * 100];
                    runThreads(meld, 2, t -> {
                        for (int i = 0; i < 100; i++) {
                            olds[t * 100 + i] = one.getAndAdd(0, 1);
                        }
                    });
                    long sum = 0;
                    long squares = 0;
                    for (long v : olds) {
                        sum += v;
                        squares += v * v;
                    }
                    long m = 200L * n;
                    check(
                            meld.allReduce(sum, LongOp.SUM) == m * (m - 1) / 2
                                    && meld.allReduce(squares, LongOp.SUM) == (m - 1) * m * (2 * m - 1) / 6,
                            "getAndAdd old values are not a permutation of 0.." + (m - 1));
                }
                System.out.println("node " + rank + ": memory checks passed");
            }
        }

        private interface ThreadBody {
            void run(int thread);
        }

        private static void runThreads(Meld meld, int count, ThreadBody body) throws InterruptedException {
            Thread[] threads = new Thread[count];
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < count; t++) {
                int id = t;
                threads[t] = new Thread(() -> {
                    try {
                        body.run(id);
                        meld.fence();
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure[0] != null) {
                throw new IllegalStateException("a worker thread failed", failure[0]);
            }
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                throw new IllegalStateException("check failed: " + what);
            }
        }
    }

    /** Prints its arguments and the launcher's variables, a line on stderr, and a last line with no newline. */
    static final class Hello {
        public static void main(String[] args) {
            System.out.println("args=" + Arrays.toString(args));
            for (String name : List.of(
                    "MELD_RANK",
                    "MELD_SIZE",
                    "MELD_THREADS",
                    "MELD_CLUSTER_NAME",
                    "MELD_CLUSTER_DISCOVERY",
                    "MELD_CLUSTER_BIND_ADDRESS",
                    "MELD_CLUSTER_PORT",
                    "MELD_CLUSTER_HOSTS",
                    "MELD_LAUNCHER_PID",
                    "MELD_SCHEDULER",
                    "MELD_JAVA_OPTS")) {
                System.out.println(name + "=" + System.getenv(name));
            }
            System.err.println("a line on stderr");
            System.out.print("no newline at the end");
            System.out.flush();
        }
    }

    /** Joins; then the node of rank {@code args[0]} exits with status {@code args[1]}, the others sleep. */
    static final class ExitAfterJoin {
        public static void main(String[] args) throws InterruptedException {
            int failing = Integer.parseInt(args[0]);
            int status = Integer.parseInt(args[1]);
            Meld meld = Meld.join();
            meld.barrier();
            System.out.println("rank " + meld.rank() + " ready");
            if (meld.rank() == failing) {
                System.exit(status);
            }
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Joins, then sleeps until stopped. */
    static final class SleepAfterJoin {
        public static void main(String[] args) throws InterruptedException {
            Meld meld = Meld.join();
            meld.barrier();
            System.out.println("rank " + meld.rank() + " ready");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Node 0 waits in a {@code finish} for a task that runs on node 1 until node 1 is stopped from outside,
     * then says how the finish ended and closes; node 1 sleeps after the task started.
     */
    static final class TaskVictim {
        public static void main(String[] args) throws InterruptedException {
            Meld meld = Meld.join(MeldConfig.load().with("meld.codec.classes", "io.meld.cli.*"));
            meld.barrier();
            if (meld.rank() == 1) {
                // Dies by the signal, but reports status 0: the launcher stops every node when one fails,
                // and node 0 is to show how its finish ends, not be stopped first.
                Runtime.getRuntime()
                        .addShutdownHook(new Thread(() -> Runtime.getRuntime().halt(0)));
                Thread.sleep(Long.MAX_VALUE);
            }
            try {
                meld.finish(() -> meld.asyncAt(1, here -> {
                    System.out.println("task running");
                    Thread.sleep(Long.MAX_VALUE);
                }));
                System.out.println("finish returned");
            } catch (NodeFailedException e) {
                System.out.println("finish failed on node " + e.node() + ": " + e.getMessage());
            }
            meld.close();
        }
    }

    /** Does not join; says it is ready, then sleeps until stopped. */
    static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("ready");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
    /**
     * Waits on node {@code args[0]} (the victim, which the test kills or freezes) in every way a program
     * can, and reports how each wait ended, with the wall-clock time: a blocking get of an element the
     * victim holds, fire-and-forget adds with a fence, a flood of adds that fills the link to the victim
     * (the link's queue is made small), and a barrier the victim never reaches. Then it closes and says how
     * long the closing handshake took. The victim sleeps after {@code READY}.
     *
     * <p>Lines: {@code READY r}; {@code FAILED op=OP at=EPOCH_MS type=EXCEPTION node=N message=...} (or
     * {@code RETURNED op=OP}); {@code CLOSED ms=MS}.
     */
    static final class FailureProbe {
        public static void main(String[] args) throws InterruptedException {
            int victim = Integer.parseInt(args[0]);
            Meld meld = Meld.join();
            int rank = meld.rank();
            GlobalLongArray a = meld.longArray("probe", 1024L * meld.size()); // node r holds [1024r, 1024r + 1024)
            long home = 1024L * victim;
            meld.barrier();
            System.out.println("READY " + rank);
            if (rank == victim) {
                Thread.sleep(Long.MAX_VALUE);
            }
            List<Thread> waits = List.of(
                    waitIn("get", () -> {
                        while (true) {
                            a.get(home);
                        }
                    }),
                    waitIn("fence", () -> {
                        while (true) {
                            a.add(home, 1);
                            meld.fence();
                            Thread.sleep(1);
                        }
                    }),
                    waitIn("flood", () -> {
                        for (long i = 0; ; i++) {
                            a.add(home + (i & 1023), 1);
                            if ((i & 255) == 0) {
                                Thread.sleep(1);
                            }
                        }
                    }));
            report("barrier", meld::barrier);
            for (Thread t : waits) {
                t.join();
            }
            long start = System.nanoTime();
            meld.close();
            System.out.println("CLOSED ms=" + (System.nanoTime() - start) / 1_000_000);
            System.exit(0);
        }

        interface Wait {
            void run() throws Exception;
        }

        private static Thread waitIn(String op, Wait body) {
            Thread t = new Thread(() -> report(op, body), "probe-" + op);
            t.start();
            return t;
        }

        private static void report(String op, Wait body) {
            try {
                body.run();
                System.out.println("RETURNED op=" + op);
            } catch (Throwable e) {
                long at = System.currentTimeMillis();
                int node = e instanceof NodeFailedException n ? n.node() : -1;
                String message = String.valueOf(e.getMessage()).replace('\n', ' ');
                System.out.println("FAILED op=" + op + " at=" + at + " type="
                        + e.getClass().getSimpleName() + " node=" + node + " message=" + message);
            }
        }
    }

    /**
     * Node {@code args[0]} is the victim, which the test freezes while it reads another node's elements and
     * the others wait in a barrier that it never joins: they see it fail and go on without it, each reading the other's elements for {@value #ROUNDS}
     * rounds of 100 ms, and then close. The victim, woken up, must not go on: it is turned away.
     *
     * <p>Lines: {@code READY r}; {@code DETECTED node=N}; {@code WENT ON wrong=W}; {@code CLOSED}; and from a
     * victim that was not turned away, {@code VICTIM WENT ON}.
     */
    static final class LeftBehindProbe {
        static final int ROUNDS = 40;

        public static void main(String[] args) throws InterruptedException {
            int victim = Integer.parseInt(args[0]);
            Meld meld = Meld.join();
            int rank = meld.rank();
            GlobalLongArray a = meld.longArray("left-behind", 1024L * meld.size()); // r holds [1024r, 1024r + 1024)
            for (long i = 1024L * rank; i < 1024L * (rank + 1); i++) {
                a.set(i, i * 7);
            }
            meld.barrier();
            System.out.println("READY " + rank);
            if (rank == victim) {
                try {
                    while (true) { // frozen while it reads node 0's elements; turned away when woken
                        a.get(0);
                        Thread.sleep(10);
                    }
                } catch (NodeFailedException e) {
                    System.out.println("DETECTED node=" + e.node());
                }
                System.out.println("VICTIM WENT ON");
                System.exit(0);
            }
            try {
                meld.barrier(); // the victim never comes: the others leave it when the victim fails
            } catch (NodeFailedException e) {
                System.out.println("DETECTED node=" + e.node());
            }
            int other = 3 - rank - victim; // the other survivor of three
            long wrong = 0;
            for (int round = 0; round < ROUNDS; round++) {
                long i = 1024L * other + round;
                wrong += a.get(i) == i * 7 ? 0 : 1;
                Thread.sleep(100);
            }
            System.out.println("WENT ON wrong=" + wrong);
            meld.close();
            System.out.println("CLOSED");
            System.exit(wrong == 0 ? 0 : 1);
        }
    }

    /**
     * Node {@code args[0]} hands an {@link OutOfMemoryError} to its flusher thread's uncaught-exception
     * handler, as the JVM does when the error ends that thread; the others wait in a barrier and print
     * whom they lost.
     */
    static final class DyingThread {
        /** The wall clock in microseconds: the processes of a test share the machine's. */
        private static long epochMicros() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        }

        public static void main(String[] args) throws InterruptedException {
            int victim = Integer.parseInt(args[0]);
            Meld meld = Meld.join();
            meld.barrier();
            System.out.println("READY " + meld.rank());
            if (meld.rank() == victim) {
                Thread flusher = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("meld-flusher-" + victim))
                        .findFirst()
                        .orElseThrow();
                System.out.println("INJECTED at_us=" + epochMicros());
                flusher.getUncaughtExceptionHandler()
                        .uncaughtException(flusher, new OutOfMemoryError("injected by the test"));
                Thread.sleep(Long.MAX_VALUE); // the node halts its process
            }
            try {
                meld.barrier();
                System.out.println("PASSED");
            } catch (NodeFailedException e) {
                System.out.println("SEEN at_us=" + epochMicros());
                System.out.println("FAILED node=" + e.node());
            }
            meld.close();
            System.exit(0);
        }
    }

    /**
     * Three nodes, one of which ({@code args[0]}, the victim) sleeps after {@code READY} until the test
     * kills it; the test may then start it again, as a scheduler restarts a failed node, and the new process
     * runs this program too. The other two wait in a barrier until the victim's failure is reported, then
     * go on without it until the file {@code args[1]} exists: each adds 1 to elements the other holds,
     * fences, tells the other how many adds it made, and checks that its own elements got exactly the
     * other's adds.
     *
     * <p>Lines: {@code READY r}; {@code FAILED node=N}; {@code CHECKED got=G expected=E}; {@code CLOSED}.
     */
    static final class Rejoin {
        public static void main(String[] args) throws InterruptedException {
            int victim = Integer.parseInt(args[0]);
            Path stop = Path.of(args[1]);
            Meld meld = Meld.join();
            int rank = meld.rank();
            GlobalLongArray a = meld.longArray("rejoin", 1024L * meld.size()); // node r holds [1024r, 1024r + 1024)
            meld.barrier();
            System.out.println("READY " + rank);
            if (rank == victim) {
                Thread.sleep(Long.MAX_VALUE);
            }
            try {
                meld.barrier();
            } catch (NodeFailedException e) {
                System.out.println("FAILED node=" + e.node());
            }
            int other = 3 - victim - rank;
            long adds = 0;
            while (!Files.exists(stop)) {
                a.add(1024L * other + (adds & 1023), 1);
                if ((++adds & 1023) == 0) {
                    meld.fence();
                    Thread.sleep(5);
                }
            }
            meld.fence();
            meld.send(other, 7, new long[] {adds});
            long expected = meld.receive(other, 7).longs()[0];
            long got = 0;
            for (long i = 1024L * rank; i < 1024L * (rank + 1); i++) {
                got += a.get(i);
            }
            System.out.println("CHECKED got=" + got + " expected=" + expected);
            meld.close();
            System.out.println("CLOSED");
            System.exit(got == expected ? 0 : 1);
        }
    }
    /**
     * Runs a 4-node cluster in this JVM ({@code Meld.local}) {@code args[0]} times, each with global memory
     * and collectives, printing one line per cluster: a user's test suite does this, and its log must stay
     * quiet through every shutdown.
     */
    static final class LocalClusters {
        public static void main(String[] args) {
            int runs = Integer.parseInt(args[0]);
            for (int i = 0; i < runs; i++) {
                Meld.local(4, meld -> {
                    try (GlobalLongArray counts = meld.longArray("counts", 1000)) {
                        meld.forall(counts, j -> counts.add(j, 1));
                        meld.barrier();
                        long mine = 0;
                        for (long j = 0; j < counts.local().length(); j++) {
                            mine += counts.local().get(j);
                        }
                        long total = meld.allReduce(mine, LongOp.SUM);
                        if (total != 1000) {
                            throw new IllegalStateException("node " + meld.rank() + ": total " + total);
                        }
                    }
                });
                System.out.println("cluster " + i + " ok");
            }
        }
    }
}
