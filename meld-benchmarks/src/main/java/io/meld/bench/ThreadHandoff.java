package io.meld.bench;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * What it costs one thread to hand a value to another and get one back, in one JVM, three ways: the
 * waiting thread parks and is unparked (a kernel wake-up each way), yields between looks, or spins. The
 * scale against which Meld's hand-offs between a program thread and an I/O thread are weighed in
 * docs/performance.md.
 *
 * <p>Run: {@code java -cp meld-benchmarks/target/classes io.meld.bench.ThreadHandoff}. Prints the median of
 * 5 repetitions of 40,000 round trips for each way.
 */
public final class ThreadHandoff {
    private static final int ROUND_TRIPS = 40_000;
    private static final int REPETITIONS = 5;

    private static volatile long ping;
    private static volatile long pong;

    private enum Way {
        PARK,
        YIELD,
        SPIN
    }

    private ThreadHandoff() {}

    /** @param args none */
    public static void main(String[] args) throws InterruptedException {
        for (Way way : Way.values()) {
            System.out.printf("%-5s %.2f us per round trip%n", way.name().toLowerCase(), median(way));
        }
    }

    private static double median(Way way) throws InterruptedException {
        ping = 0;
        pong = 0;
        Thread client = Thread.currentThread();
        long total = (long) ROUND_TRIPS * REPETITIONS;
        Thread server = new Thread(() -> {
            for (long i = 1; i <= total; i++) {
                while (ping != i) {
                    idle(way);
                }
                pong = i;
                if (way == Way.PARK) {
                    LockSupport.unpark(client);
                }
            }
        });
        server.setDaemon(true);
        server.start();
        double[] means = new double[REPETITIONS];
        long i = 0;
        for (int r = 0; r < REPETITIONS; r++) {
            long start = System.nanoTime();
            for (int k = 0; k < ROUND_TRIPS; k++) {
                ping = ++i;
                if (way == Way.PARK) {
                    LockSupport.unpark(server);
                }
                while (pong != i) {
                    idle(way);
                }
            }
            means[r] = (System.nanoTime() - start) / 1e3 / ROUND_TRIPS;
        }
        server.join();
        Arrays.sort(means);
        return means[REPETITIONS / 2];
    }

    private static void idle(Way way) {
        switch (way) {
            case PARK -> LockSupport.parkNanos(1_000_000);
            case YIELD -> Thread.yield();
            case SPIN -> Thread.onSpinWait();
        }
    }
}
