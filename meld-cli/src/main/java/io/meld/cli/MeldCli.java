package io.meld.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code meld} command: {@code bin/meld} runs {@link #main(String[])}.
 *
 * <pre>
 * meld run --nodes 3 [--threads T] [--classpath CP] [--jvm-opt OPT]... -- MAIN_CLASS [ARGS...]
 * meld demo
 * meld example NAME [--nodes N] [--threads T] [--jvm-opt OPT]... [EXAMPLE_OPTIONS]
 * meld bench gups [--nodes N] [--threads T] [--seconds S] [--table-log2 K] [--json]
 * meld version
 * </pre>
 *
 * <p>Exit status: what the command returns ({@code run}: the nodes' status), {@code 2} for a usage error
 * (the message names the bad value), {@code 1} when the command fails for another reason. Messages of the
 * command itself go to stderr, prefixed {@code [meld] }.
 *
 * <p><b>Concurrency</b>: one run per instance, on the calling thread; the subcommands reach the output
 * streams through their parent.
 */
@Command(
        name = "meld",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            ExampleCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class
        },
        description = "Meld: one logical memory across JVMs, work shipped to the data.",
        footer = {"", "Run 'meld COMMAND --help' for a command's options."})
public final class MeldCli implements Callable<Integer> {
    /** The exit status of a usage error. */
    static final int USAGE = CommandLine.ExitCode.USAGE;

    private static final String PREFIX = "[meld] ";

    final PrintStream out;
    final PrintStream err;
    /** Where long work shows its progress: drawn on stderr when it is a terminal, else {@link StatusLine#OFF}. */
    final StatusLine status;

    @Spec
    private CommandSpec spec;

    private MeldCli(PrintStream out, PrintStream err, StatusLine status) {
        this.out = out;
        this.err = err;
        this.status = status;
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        int status = execute(args, System.out, System.err, StatusLine.fromSystemProperties(System.err));
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Runs the command line in this JVM.
     *
     * @param args the command line, without the program name
     * @param out the command's standard output
     * @param err the command's standard error
     * @return the exit status
     */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, out, err, StatusLine.OFF);
    }

    /**
     * Runs the command line in this JVM.
     *
     * @param args the command line, without the program name
     * @param out the command's standard output
     * @param err the command's standard error
     * @param status where long work shows its progress
     * @return the exit status
     */
    static int execute(String[] args, PrintStream out, PrintStream err, StatusLine status) {
        CommandLine cli = new CommandLine(new MeldCli(out, err, status));
        // Arguments after MAIN_CLASS are the program's, even when they look like options or @files.
        cli.setExpandAtFiles(false);
        cli.getSubcommands().get("run").setStopAtPositional(true);
        // An example's own options (--table-log2 ...) are checked by the example, not by picocli.
        CommandLine example = cli.getSubcommands().get("example");
        example.setUnmatchedOptionsArePositionalParams(true);
        example.getCommandSpec().usageMessage().footer(ExampleCommand.footer());
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine command = e.getCommandLine();
            PrintWriter w = command.getErr();
            w.println(PREFIX + e.getMessage());
            w.print("Usage: " + command.getHelp().synopsis(0));
            w.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for the options.");
            w.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, parseResult) -> {
            PrintWriter w = command.getErr();
            w.println(PREFIX + "error: " + describe(e));
            w.flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cli.execute(args);
    }

    /** With no command: a usage error that lists the commands. */
    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "missing command: choose one of " + spec.subcommands().keySet());
    }

    /**
     * Writes a message of the command to stderr, prefixed {@code [meld] }.
     *
     * @param text the message
     */
    void message(String text) {
        status.print(() -> {
            err.println(PREFIX + text);
            err.flush();
        });
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.toString());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !sb.toString().contains(cause.getMessage())) {
                sb.append(": ").append(cause.getMessage());
            }
        }
        return sb.toString();
    }
}
