package io.meld.bench;

import io.meld.runtime.LauncherProgress;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * A warm-up that lasts until the JIT is quiet: the benchmark runs rounds of its work untimed and asks
 * {@link #another} after each, so that it then measures compiled code, not the compiler at work. It ends
 * after a round in which this JVM, and with {@code anyNode} every node's, spent at most {@value
 * #QUIET_SHARE} of the round compiling, once at least its minimum has passed; at its maximum in any case.
 *
 * <p>The launcher's progress line shows "warming up", then "measuring" ({@link LauncherProgress}).
 *
 * <p>A fixed warm-up of a second or two is too short where a path runs once per frame rather than once
 * per element: Meld's I/O paths run a few thousand times a second, so C2 reaches them only seconds in,
 * and would still be compiling them, on the same cores, while timed GUPS and bulk get runs keep both
 * cores busy. PageRank's kernels run once per iteration, so a warm-up of a few iterations would leave
 * them to be compiled during the first timed ones.
 */
final class Warmup {
    /** The length of one round of a timed benchmark's warm-up, in seconds. */
    static final double ROUND_SECONDS = 0.5;
    /** The share of a round a JVM may spend compiling and still count as quiet. */
    static final double QUIET_SHARE = 0.02;
    /** The longest warm-up of {@link #forRun}, in seconds. */
    static final double MAX_SECONDS = 15;

    private final double min;
    private final double max;
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final long start = System.nanoTime();
    private long roundStart = start;
    private long compiled = jit.getTotalCompilationTime();

    /**
     * Starts a warm-up.
     *
     * @param min the shortest warm-up, in seconds
     * @param max the longest, in seconds
     */
    Warmup(double min, double max) {
        this.min = min;
        this.max = Math.max(min, max);
        warmingUp();
    }

    /** Tells the launcher's progress line that a warm-up begins (done by the constructor too). */
    static void warmingUp() {
        LauncherProgress.phase("warming up");
    }

    /** Tells the launcher's progress line that the measured part begins (done by {@link #another} too). */
    static void measuring() {
        LauncherProgress.phase("measuring");
    }

    /**
     * Starts the warm-up before a timed run of {@code seconds}: at least {@link #fixedSeconds}, at most three
     * times the run, up to {@value #MAX_SECONDS} s.
     *
     * @return the warm-up
     */
    static Warmup forRun(double seconds) {
        return new Warmup(fixedSeconds(seconds), Math.min(MAX_SECONDS, 3 * seconds));
    }

    /**
     * The fixed warm-up before a run of {@code seconds}, for work whose hot paths run once per element:
     * as long as the run, between 0.2 and 2 s. Less is too little for short runs on busy cores: with 4
     * nodes (8 busy threads) on 2 cores, C2 needs more than a second to compile GUPS's block-form loops,
     * and a short run that starts before it is done measures the compiler.
     *
     * @return the warm-up, in seconds
     */
    static double fixedSeconds(double seconds) {
        return Math.min(2, Math.max(0.2, seconds));
    }

    /**
     * Called after each round: whether to run another.
     *
     * @param anyNode given 1 when this node wants another round and 0 when not, whether any node does:
     *     {@code v -> meld.allReduce(v, LongOp.MAX)} on a cluster (a collective: every node calls it
     *     after each round), {@code v -> v} in one JVM
     * @return whether to run another round
     */
    boolean another(LongUnaryOperator anyNode) {
        long now = System.nanoTime();
        long total = jit.getTotalCompilationTime();
        boolean busy = total - compiled > QUIET_SHARE * (now - roundStart) / 1e6;
        compiled = total;
        roundStart = now;
        double elapsed = (now - start) / 1e9;
        boolean want = elapsed < max && (elapsed < min || busy);
        if (anyNode.applyAsLong(want ? 1 : 0) != 0) {
            return true;
        }
        roundStart = System.nanoTime();
        measuring();
        return false;
    }

    /**
     * Runs a benchmark's iteration untimed until the JIT is quiet: once, then rounds of as many
     * iterations as take about {@value #ROUND_SECONDS} s, until {@link #another} says no. For iterations
     * that are collectives, every node runs as many: the round's size comes from the slowest node's
     * first iteration, and {@code anyNode} agrees on whether to go on.
     *
     * @param iteration one iteration
     * @param slowest given this node's seconds, the largest of every node's ({@code v -> v} in one JVM)
     * @param anyNode as for {@link #another}
     * @return how many iterations ran
     */
    int iterate(Runnable iteration, DoubleUnaryOperator slowest, LongUnaryOperator anyNode) {
        long first = System.nanoTime();
        iteration.run();
        double seconds = slowest.applyAsDouble((System.nanoTime() - first) / 1e9);
        int round = (int) Math.max(1, Math.min(100_000, ROUND_SECONDS / Math.max(1e-9, seconds)));
        int done = 1;
        do {
            for (int k = 0; k < round; k++) {
                iteration.run();
            }
            done += round;
        } while (another(anyNode));
        return done;
    }

    /** @return the seconds from the start to the end of the last round */
    double seconds() {
        return (roundStart - start) / 1e9;
    }
}
