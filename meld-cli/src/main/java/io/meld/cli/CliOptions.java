package io.meld.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks shared by the commands' options: a bad value is a usage error that names the option and value. */
final class CliOptions {
    private CliOptions() {}

    /**
     * @param spec the command, for the usage message
     * @param option the option's name, e.g. {@code --nodes}
     * @param value what was given
     * @param min the least allowed
     * @param max the most allowed
     * @return {@code value}
     * @throws ParameterException when {@code value} is outside {@code [min, max]}
     */
    static int inRange(CommandSpec spec, String option, int value, int min, int max) {
        return inRange(spec, option, value, min, max, "");
    }

    /**
     * @param qualifier what follows the range in the message, e.g. {@code " per node"}
     * @see #inRange(CommandSpec, String, int, int, int)
     */
    static int inRange(CommandSpec spec, String option, int value, int min, int max, String qualifier) {
        if (value < min || value > max) {
            throw new ParameterException(
                    spec.commandLine(), option + " must be from " + min + " to " + max + qualifier + ", not " + value);
        }
        return value;
    }
}
