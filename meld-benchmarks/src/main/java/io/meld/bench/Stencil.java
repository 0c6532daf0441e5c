package io.meld.bench;

import static io.meld.bench.StencilKernel.R;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import io.meld.Signal;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The Parallel Research Kernels' star stencil ({@link StencilKernel}) over Meld's nodes, each holding a
 * block of whole rows, written two ways that differ only in how a node's halo rows arrive:
 *
 * <ul>
 *   <li><b>global arrays with point-to-point signals</b>: the grid is a global array whose every node's
 *       block is that node's rows with room for its halos, so the node computes on its {@linkplain
 *       GlobalDoubleArray#local() local view} at memory speed. Each iteration a node puts its edge rows
 *       into its neighbours' halo mailboxes (a global array) with a {@link Signal} that counts the
 *       arrival, and waits only for its own two counts ({@link GlobalLongArray#waitUntil}): no barrier.
 *       The mailboxes alternate between two halves from one iteration to the next, since a neighbour may
 *       run one iteration ahead;
 *   <li><b>message passing</b>: the same blocks in plain arrays; a node sends its edge rows to its
 *       neighbours and receives theirs ({@link Meld#send}, {@link Meld#receive}).
 * </ul>
 *
 * <p>Iterations run until the JIT is quiet before the timed ones, all counted in the check. {@link #main}
 * is the SPMD program {@code bin/meld bench stencil} runs on each node; {@link StencilSharedMemory} is
 * the shared-memory baseline.
 */
public final class Stencil {
    /** The tag of rows sent to the node above (they become its bottom halo). */
    private static final int TAG_UP = 701;

    /** The tag of rows sent to the node below (its top halo). */
    private static final int TAG_DOWN = 702;

    private Stencil() {}

    /**
     * Runs on one node of a cluster started by the launcher; node 0 prints one JSON line, {@code
     * "benchmark":"stencil_meld"}.
     *
     * @param args {@code N ITERATIONS}
     */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int iterations = Integer.parseInt(args[1]);
        boolean verified;
        try (Meld meld = Meld.join()) {
            int fewest = StencilKernel.fewestRows(n, meld.size());
            if (fewest < R) {
                throw new IllegalArgumentException("a " + n + " x " + n + " grid on " + meld.size()
                        + " nodes leaves a node with " + fewest + (fewest == 1 ? " row" : " rows")
                        + "; the stencil's halo needs " + R + " on each");
            }
            double[] global = globalArrays(meld, n, iterations);
            double[] passing = messagePassing(meld, n, iterations);
            verified = global[1] > 0 && passing[1] > 0;
            if (meld.rank() == 0) {
                System.out.println(ResultCodec.encode(new Result(
                        meld.size(),
                        meld.threads(),
                        n,
                        R,
                        iterations,
                        global[0],
                        passing[0],
                        (long) global[2],
                        verified)));
            }
        }
        System.exit(verified ? 0 : 1);
    }

    /**
     * The global-arrays version.
     *
     * @return the seconds per timed iteration, 1 when the result checks out (else 0), and the iterations
     *     run untimed first
     */
    static double[] globalArrays(Meld meld, int n, int iterations) {
        int nodes = meld.size();
        int me = meld.rank();
        StencilKernel.Rows rows = StencilKernel.Rows.of(n, nodes, me);
        int per = StencilKernel.Rows.perPart(n, nodes);
        int block = (R + per + R) * n; // a node's rows and its halos
        int mailbox = 2 * 2 * R * n; // two halves, each a halo from above and one from below
        boolean up = rows.count() > 0 && rows.lo() > 0;
        boolean down = rows.count() > 0 && rows.hi() < n;
        try (GlobalDoubleArray grid =
                        meld.doubleArray("stencil.in", (long) nodes * block, Distribution.blockCyclic(block));
                GlobalDoubleArray sums =
                        meld.doubleArray("stencil.out", (long) nodes * per * n, Distribution.blockCyclic(per * n));
                GlobalDoubleArray halos =
                        meld.doubleArray("stencil.halos", (long) nodes * mailbox, Distribution.blockCyclic(mailbox));
                GlobalLongArray arrived = meld.longArray("stencil.arrived", 2L * nodes, Distribution.blockCyclic(2))) {
            double[] in = grid.local().array();
            double[] out = sums.local().array();
            double[] box = halos.local().array();
            StencilKernel.init(in, n, rows);
            Exchange exchange = new Exchange(halos, arrived, in, box, n, rows, me, mailbox, up, down);
            try (Team team = new Team(meld.threads(), "stencil-global")) {
                return run(meld, n, iterations, rows, in, out, team, exchange::run);
            }
        }
    }

    /** One node's halo exchange through global memory, iteration by iteration. */
    private static final class Exchange {
        private final GlobalDoubleArray halos;
        private final GlobalLongArray arrived;
        private final double[] in;
        private final double[] box;
        private final int n;
        private final StencilKernel.Rows rows;
        private final int me;
        private final int mailbox;
        private final boolean up;
        private final boolean down;
        private int step;

        Exchange(
                GlobalDoubleArray halos,
                GlobalLongArray arrived,
                double[] in,
                double[] box,
                int n,
                StencilKernel.Rows rows,
                int me,
                int mailbox,
                boolean up,
                boolean down) {
            this.halos = halos;
            this.arrived = arrived;
            this.in = in;
            this.box = box;
            this.n = n;
            this.rows = rows;
            this.me = me;
            this.mailbox = mailbox;
            this.up = up;
            this.down = down;
        }

        void run() {
            int s = step++;
            int half = (s & 1) * 2 * R * n; // where this iteration's halos go in a mailbox
            int fromAbove = half;
            int fromBelow = half + R * n;
            if (up) {
                long at = (long) (me - 1) * mailbox + fromBelow;
                halos.put(at, in, R * n, R * n, Signal.add(arrived, 2L * (me - 1) + 1, 1));
            }
            if (down) {
                long at = (long) (me + 1) * mailbox + fromAbove;
                halos.put(at, in, rows.count() * n, R * n, Signal.add(arrived, 2L * (me + 1), 1));
            }
            long expected = s + 1;
            if (up) {
                arrived.waitUntil(2L * me, v -> v >= expected);
                System.arraycopy(box, fromAbove, in, 0, R * n);
            }
            if (down) {
                arrived.waitUntil(2L * me + 1, v -> v >= expected);
                System.arraycopy(box, fromBelow, in, (R + rows.count()) * n, R * n);
            }
        }
    }

    /**
     * The message-passing version.
     *
     * @return as {@link #globalArrays}
     */
    static double[] messagePassing(Meld meld, int n, int iterations) {
        int nodes = meld.size();
        int me = meld.rank();
        StencilKernel.Rows rows = StencilKernel.Rows.of(n, nodes, me);
        boolean up = rows.count() > 0 && rows.lo() > 0;
        boolean down = rows.count() > 0 && rows.hi() < n;
        double[] in = new double[(R + rows.count() + R) * n];
        double[] out = new double[rows.count() * n];
        StencilKernel.init(in, n, rows);
        Runnable exchange = () -> {
            if (up) {
                meld.send(me - 1, TAG_UP, Arrays.copyOfRange(in, R * n, 2 * R * n));
            }
            if (down) {
                meld.send(me + 1, TAG_DOWN, Arrays.copyOfRange(in, rows.count() * n, (R + rows.count()) * n));
            }
            if (up) {
                System.arraycopy(meld.receive(me - 1, TAG_DOWN).doubles(), 0, in, 0, R * n);
            }
            if (down) {
                System.arraycopy(meld.receive(me + 1, TAG_UP).doubles(), 0, in, (R + rows.count()) * n, R * n);
            }
        };
        try (Team team = new Team(meld.threads(), "stencil-messages")) {
            return run(meld, n, iterations, rows, in, out, team, exchange);
        }
    }

    /**
     * The iterations of one version: exchange the halos, then the star and the increment over the node's
     * rows, split among the team. Untimed iterations until the JIT is quiet, then {@code iterations}
     * timed ones between two barriers; then the check, over every node.
     */
    private static double[] run(
            Meld meld,
            int n,
            int iterations,
            StencilKernel.Rows rows,
            double[] in,
            double[] out,
            Team team,
            Runnable exchange) {
        int threads = team.size();
        int count = rows.count();
        IntConsumer work = t -> {
            int from = (int) ((long) count * t / threads);
            int to = (int) ((long) count * (t + 1) / threads);
            StencilKernel.star(in, out, n, rows, from, to);
        };
        IntConsumer increment = t -> {
            int from = (int) ((long) count * t / threads);
            int to = (int) ((long) count * (t + 1) / threads);
            StencilKernel.increment(in, n, from, to);
        };
        Warmup warmup = new Warmup(0.5, 5);
        int done = warmup.iterate(
                () -> iteration(exchange, team, work, increment),
                v -> meld.allReduce(v, DoubleOp.MAX),
                v -> meld.allReduce(v, LongOp.MAX));
        meld.barrier();
        long start = System.nanoTime();
        for (int it = 0; it < iterations; it++) {
            iteration(exchange, team, work, increment);
        }
        meld.barrier();
        double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);
        done += iterations;
        double sum = meld.allReduce(StencilKernel.absSum(out, n, rows), DoubleOp.SUM);
        boolean ok = StencilKernel.verify(sum, n, done);
        return new double[] {seconds / iterations, ok ? 1 : 0, done - iterations};
    }

    private static void iteration(Runnable exchange, Team team, IntConsumer work, IntConsumer increment) {
        exchange.run();
        if (team.size() == 1) {
            work.accept(0);
            increment.accept(0);
        } else {
            team.execute(work);
            team.execute(increment);
        }
    }

    /**
     * Node 0's line.
     *
     * @param nodes the nodes
     * @param threadsPerNode the threads of each node
     * @param n the grid is {@code n x n}
     * @param radius the star's radius
     * @param iterations the timed iterations of each version
     * @param secondsPerIteration one iteration on global arrays with signals
     * @param messagePassingSecondsPerIteration one iteration with send/receive
     * @param warmupIterations the untimed iterations before, on global arrays
     * @param verified whether both versions computed the grid expected
     */
    record Result(
            int nodes,
            int threadsPerNode,
            int n,
            int radius,
            int iterations,
            double secondsPerIteration,
            double messagePassingSecondsPerIteration,
            long warmupIterations,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "stencil_meld";
        }
    }
}
