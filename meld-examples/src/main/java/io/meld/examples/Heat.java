package io.meld.examples;

import io.meld.Distribution;
import io.meld.DoubleOp;
import io.meld.GlobalDoubleArray;
import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.Signal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * Heat diffusion on a square plate, by Jacobi iteration, written three ways: the three machines of the
 * hybrid story side by side.
 *
 * <p>The plate is {@code n x n} interior points; its top edge is held at 1, the other edges at 0, the
 * interior starts at 0. Every step replaces each interior point by the mean of its four neighbours (the
 * five-point stencil), reading only the previous step's values. Each version keeps the rows it updates in
 * a plain buffer with one padding row above and below and one padding column on each side, and sums the
 * four neighbours in the same order ({@link #sweep}), so the three agree to the last bit; the check
 * allows 1e-9.
 *
 * <ul>
 *   <li><b>shared memory</b>: one JVM (node 0), {@code size x threads} threads over one grid; a {@link
 *       CyclicBarrier} between steps. Nothing is distributed: the machine inside a box.
 *   <li><b>global arrays</b>: two global arrays, the plate before and after each step, whose
 *       distribution gives each node a block that is its padded buffer: its rows with room around them.
 *       Each node sweeps its block through its local view, at memory speed, then puts its edge rows
 *       straight into its neighbours' blocks with a signal, and waits for its own signals: no barrier,
 *       no message named. Distributed shared memory: the neighbours' rows are written where they are
 *       read, as OpenSHMEM programs write into each other's symmetric arrays.
 *   <li><b>message passing</b>: the same row blocks; every step a node sends its edge rows to its
 *       neighbours and receives their edge rows as its halos; no global barrier, neighbours pace each
 *       other. Distributed memory, as in MPI.
 * </ul>
 *
 * <p>The result is compared point by point with the shared-memory grid (broadcast from node 0).
 */
final class Heat implements Example {
    /** The temperature of the top edge. */
    static final double HOT = 1.0;

    /** The largest difference the check accepts between two versions. */
    static final double TOLERANCE = 1e-9;

    @Override
    public String name() {
        return "heat";
    }

    @Override
    public String description() {
        return "2-D Jacobi heat diffusion three ways (shared memory; global arrays; message passing), which"
                + " must agree to 1e-9; a table of their times";
    }

    @Override
    public void check(ExampleOptions options) {
        Checkpointing.check(options);
    }

    @Override
    public List<ExampleOption> options() {
        List<ExampleOption> o = new ArrayList<>(List.of(
                ExampleOption.number("n", "N", 1024, 2, 16384, "the plate has N x N interior points"),
                ExampleOption.number("steps", "S", 500, 1, 1_000_000, "Jacobi steps"),
                ExampleOption.number(
                        "warmup",
                        "W",
                        500,
                        0,
                        1_000_000,
                        "untimed steps each version runs first, so that each is timed with the JIT's compiled code"),
                ExampleOption.flag("corrupt", "change one point of the global-arrays result, to show the check failing")
                        .hide()));
        o.addAll(Checkpointing.options("steps of the global-arrays version"));
        return List.copyOf(o);
    }

    /** The rows {@code [lo, hi)} of the plate that a node updates. */
    record Rows(int lo, int hi) {
        static Rows of(int n, int nodes, int rank) {
            int per = rowsPerNode(n, nodes);
            int lo = Math.min(n, rank * per);
            return new Rows(lo, Math.min(n, lo + per));
        }

        static int rowsPerNode(int n, int nodes) {
            return (n + nodes - 1) / nodes;
        }

        int count() {
            return hi - lo;
        }
    }

    /** One version's timing and its largest difference from the shared-memory grid. */
    record Outcome(String name, String machine, double seconds, double maxDiff) {}

    @Override
    public ExampleResult run(Meld meld, ExampleOptions options, Log log) throws Exception {
        int n = options.getInt("n");
        int steps = options.getInt("steps");
        int warmup = options.getInt("warmup");
        boolean corrupt = options.isSet("corrupt");
        Rows rows = Rows.of(n, meld.size(), meld.rank());
        int w = n + 2;

        // 1. Shared memory, on node 0 only, with as many threads as the cluster has.
        double[] reference = new double[0];
        double sharedSeconds = 0;
        int sharedThreads = meld.size() * meld.threads();
        if (meld.rank() == 0) {
            if (warmup > 0) {
                sharedMemory(n, warmup, sharedThreads);
            }
            long start = System.nanoTime();
            double[] grid = sharedMemory(n, steps, sharedThreads);
            sharedSeconds = (System.nanoTime() - start) / 1e9;
            reference = interior(grid, n, 1, n + 1);
        }
        reference = meld.broadcast(reference, 0);
        sharedSeconds = meld.allReduce(sharedSeconds, DoubleOp.MAX);

        List<Outcome> outcomes = new ArrayList<>();
        outcomes.add(new Outcome("shared memory", "1 JVM x " + threads(sharedThreads), sharedSeconds, 0));

        // 2. Global arrays.
        if (warmup > 0) {
            globalArrays(meld, n, warmup, rows, Checkpointing.none());
        }
        meld.barrier();
        long start = System.nanoTime();
        double[] mine = globalArrays(meld, n, steps, rows, Checkpointing.of(options));
        double seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);
        if (corrupt && meld.rank() == 0 && rows.count() > 0) {
            mine[(rows.count() / 2) * w + w / 2] += 1e-6;
        }
        outcomes.add(new Outcome(
                "global arrays",
                meld.size() + " JVMs x " + threads(meld.threads()),
                seconds,
                meld.allReduce(maxDiff(mine, reference, rows, n), DoubleOp.MAX)));
        double heat = meld.allReduce(sum(mine, rows, n), DoubleOp.SUM);

        // 3. Message passing.
        if (warmup > 0) {
            messagePassing(meld, n, warmup, rows);
        }
        meld.barrier();
        start = System.nanoTime();
        double[] passed = messagePassing(meld, n, steps, rows);
        seconds = meld.allReduce((System.nanoTime() - start) / 1e9, DoubleOp.MAX);
        outcomes.add(new Outcome(
                "message passing",
                meld.size() + " JVMs x " + threads(meld.threads()),
                seconds,
                meld.allReduce(maxDiff(passed, reference, rows, n), DoubleOp.MAX)));

        table(log, n, steps, outcomes);
        String figures = String.format(
                Locale.ROOT,
                "n=%d steps=%d heat=%.12g %s nodes=%d threads=%d",
                n,
                steps,
                heat,
                String.join(
                        " ",
                        outcomes.stream()
                                .map(o -> o.name().replace(' ', '-') + "="
                                        + String.format(Locale.ROOT, "%.3fs", o.seconds()))
                                .toList()),
                meld.size(),
                meld.threads());
        for (Outcome o : outcomes) {
            if (!(o.maxDiff() <= TOLERANCE)) {
                return ExampleResult.fail(String.format(
                        Locale.ROOT,
                        "%s differs from shared memory by %.3g (tolerance %.0e); %s",
                        o.name(),
                        o.maxDiff(),
                        TOLERANCE,
                        figures));
            }
        }
        if (!(heat > 0 && Double.isFinite(heat))) {
            return ExampleResult.fail("the plate's total heat is " + heat + ", not a positive number; " + figures);
        }
        return ExampleResult.ok(figures);
    }

    private static String threads(int t) {
        return t + (t == 1 ? " thread" : " threads");
    }

    private static void table(Log log, int n, int steps, List<Outcome> outcomes) {
        log.println(String.format(
                Locale.ROOT,
                "heat: %d x %d plate, %d Jacobi steps, the same answer %d ways:",
                n,
                n,
                steps,
                outcomes.size()));
        log.println(
                String.format(Locale.ROOT, "  %-16s %-22s %10s %14s", "version", "machine", "seconds", "max |diff|"));
        for (Outcome o : outcomes) {
            log.println(String.format(
                    Locale.ROOT, "  %-16s %-22s %10.3f %14.3g", o.name(), o.machine(), o.seconds(), o.maxDiff()));
        }
    }

    /**
     * One Jacobi step over rows {@code [rowFrom, rowTo)} of a padded buffer of width {@code w}.
     *
     * @param src the previous values, with their padding rows and columns
     * @param dst where the new values go
     * @param w the buffer's width, {@code n + 2}
     * @param rowFrom the first buffer row to update
     * @param rowTo past the last
     */
    static void sweep(double[] src, double[] dst, int w, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int base = r * w;
            for (int i = base + 1, end = base + w - 1; i < end; i++) {
                dst[i] = 0.25 * (src[i - w] + src[i + w] + src[i - 1] + src[i + 1]);
            }
        }
    }

    /**
     * The whole plate in one JVM.
     *
     * @return the padded grid after {@code steps} steps: {@code (n + 2) x (n + 2)}, the edges included
     */
    static double[] sharedMemory(int n, int steps, int threads) throws Exception {
        int w = n + 2;
        double[][] grids = {new double[w * w], new double[w * w]};
        for (double[] g : grids) {
            for (int c = 1; c <= n; c++) {
                g[c] = HOT;
            }
        }
        int t = Math.min(threads, n);
        int[] step = {0};
        CyclicBarrier sync = new CyclicBarrier(t, () -> step[0]++);
        Team.run(t, "heat-shared", id -> {
            int from = 1 + Team.start(n, t, id);
            int to = 1 + Team.start(n, t, id + 1);
            try {
                for (int s = 0; s < steps; s++) {
                    sweep(grids[s & 1], grids[(s + 1) & 1], w, from, to);
                    sync.await();
                }
            } catch (Exception e) {
                sync.reset();
                throw e;
            }
        });
        return grids[steps & 1];
    }

    /**
     * This node's rows, computed in two global arrays, the plate before and after each step: each node's
     * block of a plate is its padded buffer (its rows, a border column on each side, and a row above and
     * below for the neighbours' edge rows), and the node sweeps it through its {@linkplain
     * GlobalDoubleArray#local() local view}, at memory speed. After a step a node puts its new first and
     * last rows straight into its neighbours' blocks of the new plate, each with a {@link Signal} that
     * counts the arrival, and waits only for its own two counts: no barrier. A neighbour cannot overwrite
     * a row still being read, since it writes a plate's border again only after this node's next edge rows,
     * which this node sends once it has swept that plate.
     *
     * <p>With {@code --checkpoint}, the plate after a step goes, as an {@code n x n} array {@code heat.plate}
     * in row order (whatever the cluster's size), with the step in {@code heat.step}, into a checkpoint:
     * thread 0 writes it after its exchange, while the other threads wait for it. With {@code --restore},
     * the run starts from such a checkpoint's plate and step, on any number of nodes.
     *
     * @return this node's padded buffer after the last step: {@code (rows + 2) x (n + 2)}
     */
    static double[] globalArrays(Meld meld, int n, int steps, Rows rows, Checkpointing checkpoints) throws Exception {
        int w = n + 2;
        int count = rows.count();
        int me = meld.rank();
        int block = Math.multiplyExact(Rows.rowsPerNode(n, meld.size()) + 2, w);
        Distribution blocks = Distribution.blockCyclic(block);
        GlobalDoubleArray[] plates = {
            meld.doubleArray("heat.plate.0", (long) block * meld.size(), blocks),
            meld.doubleArray("heat.plate.1", (long) block * meld.size(), blocks)
        };
        // arrived[2p] counts the rows node p got from above, arrived[2p + 1] those from below.
        GlobalLongArray arrived = meld.longArray("heat.arrived", 2L * meld.size(), Distribution.blockCyclic(2));
        boolean imaged = checkpoints.writes() || checkpoints.restores();
        GlobalDoubleArray image = imaged ? meld.doubleArray("heat.plate", (long) n * n) : null;
        GlobalLongArray stepOf = imaged ? meld.longArray("heat.step", 1) : null;
        try {
            double[][] buffers = {plates[0].local().array(), plates[1].local().array()};
            if (rows.lo() == 0 && count > 0) {
                for (double[] b : buffers) {
                    for (int c = 1; c <= n; c++) {
                        b[c] = HOT;
                    }
                }
            }
            double[] packed = new double[count * n];
            int first = 0;
            if (checkpoints.restores()) {
                checkpoints.restore(meld, image, stepOf);
                first = (int) stepOf.get(0);
                if (first > steps) {
                    throw new IllegalStateException(
                            "the checkpoint is of step " + first + ", past the run's last step " + steps);
                }
                if (count > 0) {
                    // The node's rows, and its neighbours' edge rows of that step into its border rows.
                    int from = Math.max(0, rows.lo() - 1);
                    int to = Math.min(n, rows.hi() + 1);
                    double[] read = new double[(to - from) * n];
                    image.get((long) from * n, read, 0, read.length);
                    for (int row = from; row < to; row++) {
                        System.arraycopy(read, (row - from) * n, buffers[first & 1], (row - rows.lo() + 1) * w + 1, n);
                    }
                }
            }
            int start = first;
            boolean up = count > 0 && rows.lo() > 0;
            boolean down = count > 0 && rows.hi() < n;
            int t = Math.max(1, Math.min(meld.threads(), count));
            meld.barrier(); // every node's buffers are set up before any neighbour writes into them
            // After each step, thread 0 sends the edge rows and waits for the neighbours'. Always the same
            // thread: a thread's operations to one node arrive in order, and a count of s arrivals must
            // mean the rows of step s, not a later step's that overtook them from another thread.
            IntConsumer exchange = s -> {
                long arrivals = s - start; // the counts start at 0 with this run, the steps may not
                GlobalDoubleArray plate = plates[s & 1];
                double[] b = buffers[s & 1];
                if (up) { // my first row becomes the bottom border row of the node above
                    long at = (long) (me - 1) * block + (long) (Rows.rowsPerNode(n, meld.size()) + 1) * w;
                    plate.put(at, b, w, w, Signal.add(arrived, 2L * (me - 1) + 1, 1));
                }
                if (down) { // my last row becomes the top border row of the node below
                    plate.put((long) (me + 1) * block, b, count * w, w, Signal.add(arrived, 2L * (me + 1), 1));
                }
                if (up) {
                    arrived.waitUntil(2L * me, v -> v >= arrivals);
                }
                if (down) {
                    arrived.waitUntil(2L * me + 1, v -> v >= arrivals);
                }
                if (checkpoints.due(s, steps)) {
                    for (int r = 0; r < count; r++) {
                        System.arraycopy(b, (r + 1) * w + 1, packed, r * n, n);
                    }
                    image.put((long) rows.lo() * n, packed, 0, count * n);
                    if (me == 0) {
                        stepOf.set(0, s);
                    }
                    checkpoints.write(meld, s, image, stepOf); // starts with a barrier: the puts are in
                }
            };
            CyclicBarrier swept = new CyclicBarrier(t);
            CyclicBarrier exchanged = new CyclicBarrier(t);
            Team.run(t, "heat-global", id -> {
                int from = 1 + Team.start(count, t, id);
                int to = 1 + Team.start(count, t, id + 1);
                try {
                    for (int s = start; s < steps; s++) {
                        sweep(buffers[s & 1], buffers[(s + 1) & 1], w, from, to);
                        swept.await();
                        if (id == 0) {
                            exchange.accept(s + 1);
                        }
                        exchanged.await();
                    }
                } catch (Exception e) {
                    swept.reset();
                    exchanged.reset();
                    throw e;
                }
            });
            meld.barrier(); // no neighbour writes into the plates any more
            return Arrays.copyOf(buffers[steps & 1], (count + 2) * w);
        } finally {
            plates[0].close();
            plates[1].close();
            arrived.close();
            if (imaged) {
                image.close();
                stepOf.close();
            }
        }
    }

    /** The tag of an edge row sent to the node above (it becomes that node's bottom halo). */
    static final int TAG_UP = 601;

    /** The tag of an edge row sent to the node below (its top halo). */
    static final int TAG_DOWN = 602;

    /**
     * This node's rows, its halos exchanged with its neighbours by messages.
     *
     * @return this node's padded buffer after the last step: {@code (rows + 2) x (n + 2)}
     */
    static double[] messagePassing(Meld meld, int n, int steps, Rows rows) throws Exception {
        int w = n + 2;
        int count = rows.count();
        int up = count > 0 && rows.lo() > 0 ? meld.rank() - 1 : -1;
        int down = count > 0 && rows.hi() < n ? meld.rank() + 1 : -1;
        double[][] buffers = {padded(rows, n), padded(rows, n)};
        int t = Math.max(1, Math.min(meld.threads(), count));
        int[] step = {0};
        // Runs once per step, on the last thread to arrive: the new rows are complete, so send the edge
        // rows and wait for the neighbours' (messages of one sender and tag arrive in order).
        CyclicBarrier sync = new CyclicBarrier(t, () -> {
            step[0]++;
            double[] b = buffers[step[0] & 1];
            if (up >= 0) {
                meld.send(up, TAG_UP, java.util.Arrays.copyOfRange(b, w + 1, w + 1 + n));
            }
            if (down >= 0) {
                meld.send(down, TAG_DOWN, java.util.Arrays.copyOfRange(b, count * w + 1, count * w + 1 + n));
            }
            if (up >= 0) {
                System.arraycopy(meld.receive(up, TAG_DOWN).doubles(), 0, b, 1, n);
            }
            if (down >= 0) {
                System.arraycopy(meld.receive(down, TAG_UP).doubles(), 0, b, (count + 1) * w + 1, n);
            }
        });
        // The first step's halos are the neighbours' starting rows: zero, as the buffers are.
        Team.run(t, "heat-messages", id -> {
            int from = 1 + Team.start(count, t, id);
            int to = 1 + Team.start(count, t, id + 1);
            try {
                for (int s = 0; s < steps; s++) {
                    sweep(buffers[s & 1], buffers[(s + 1) & 1], w, from, to);
                    sync.await();
                }
            } catch (Exception e) {
                sync.reset();
                throw e;
            }
        });
        return buffers[steps & 1];
    }

    /** @return a zeroed buffer for {@code rows}, with the hot edge in its top padding row when it has row 0 */
    static double[] padded(Rows rows, int n) {
        int w = n + 2;
        double[] b = new double[(rows.count() + 2) * w];
        if (rows.lo() == 0 && rows.count() > 0) {
            for (int c = 1; c <= n; c++) {
                b[c] = HOT;
            }
        }
        return b;
    }

    /** @return rows {@code [rowFrom, rowTo)} of a padded buffer, without the padding columns */
    static double[] interior(double[] buffer, int n, int rowFrom, int rowTo) {
        int w = n + 2;
        double[] out = new double[(rowTo - rowFrom) * n];
        for (int r = rowFrom; r < rowTo; r++) {
            System.arraycopy(buffer, r * w + 1, out, (r - rowFrom) * n, n);
        }
        return out;
    }

    /** @return the largest difference between this node's buffer and its rows of the whole interior */
    static double maxDiff(double[] buffer, double[] reference, Rows rows, int n) {
        int w = n + 2;
        double max = 0;
        for (int r = 0; r < rows.count(); r++) {
            for (int c = 0; c < n; c++) {
                double d = Math.abs(buffer[(r + 1) * w + 1 + c] - reference[(rows.lo() + r) * n + c]);
                if (!(d <= max)) {
                    max = d; // NaN sticks
                }
            }
        }
        return max;
    }

    private static double sum(double[] buffer, Rows rows, int n) {
        int w = n + 2;
        double s = 0;
        for (int r = 1; r <= rows.count(); r++) {
            for (int c = 1; c <= n; c++) {
                s += buffer[r * w + c];
            }
        }
        return s;
    }
}
