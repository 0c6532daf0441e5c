package io.meld.cli;

import io.meld.LongOp;
import io.meld.Meld;
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

    /** Does not join; says it is ready, then sleeps until stopped. */
    static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("ready");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
