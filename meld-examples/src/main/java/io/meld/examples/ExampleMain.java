package io.meld.examples;

import io.meld.Meld;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The main class of every node of {@code bin/meld example NAME}: {@code ExampleMain NAME [OPTIONS...]}.
 * Joins the cluster the launcher formed ({@link Meld#join()}), runs the example, and writes its result
 * line: rank 0 always, another node only when its own run failed. Rank 0 also writes the example's log.
 * The exit status is {@code 0} only when the result is OK, {@code 2} for bad arguments, else {@code 1}.
 */
public final class ExampleMain {
    private ExampleMain() {}

    /**
     * @param args the example's name, then its options
     */
    public static void main(String[] args) {
        int status = run(args, System.out);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Runs the example named by {@code args[0]} on the cluster this process belongs to.
     *
     * @param args the example's name, then its options
     * @param out where the log and the result line go
     * @return the exit status
     */
    static int run(String[] args, PrintStream out) {
        if (args.length == 0) {
            out.println(ExampleResult.PREFIX + "? FAIL no example named; choose one of " + Examples.names());
            return 2;
        }
        String name = args[0];
        Example example = Examples.find(name).orElse(null);
        if (example == null) {
            out.println(ExampleResult.fail("no such example; choose one of " + Examples.names())
                    .line(name));
            return 2;
        }
        ExampleOptions options;
        try {
            options = ExampleOptions.parse(example, Arrays.asList(args).subList(1, args.length));
        } catch (IllegalArgumentException e) {
            out.println(ExampleResult.fail(e.getMessage()).line(name));
            return 2;
        }
        ExampleResult result;
        int rank = -1;
        try (Meld meld = Meld.join()) {
            rank = meld.rank();
            result = runChecked(example, meld, options, meld.rank() == 0 ? out::println : Example.Log.NONE);
            if (meld.rank() == 0 || !result.ok()) {
                out.println(result.line(name));
                out.flush();
            }
        } catch (RuntimeException e) {
            // Joining or closing failed: the result (if any) is already written.
            result = ExampleResult.fail(describe(e));
            out.println(result.line(name) + (rank >= 0 ? " (node " + rank + ")" : ""));
        }
        return result.ok() ? 0 : 1;
    }

    /**
     * Runs the example, turning an exception into a failed result.
     *
     * @param example the example
     * @param meld this node
     * @param options the options
     * @param log the log
     * @return its result, or a failure naming the exception
     */
    public static ExampleResult runChecked(Example example, Meld meld, ExampleOptions options, Example.Log log) {
        try {
            return example.run(meld, options, log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExampleResult.fail("interrupted on node " + meld.rank());
        } catch (Exception e) {
            return ExampleResult.fail("node " + meld.rank() + ": " + describe(e));
        }
    }

    /**
     * @param example the example
     * @param args its options as arguments
     * @return the options
     */
    public static ExampleOptions options(Example example, String... args) {
        return ExampleOptions.parse(example, List.of(args));
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(": ").append(c);
        }
        return sb.toString();
    }
}
