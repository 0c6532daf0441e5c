package io.meld.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParentCommand;

/** {@code meld version}: Meld's version, and the Java and machine it runs on. */
@Command(name = "version", description = "Prints Meld's version, and the Java and machine it runs on.")
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    private MeldCli cli;

    @Override
    public Integer call() {
        for (String line : lines()) {
            cli.out.println(line);
        }
        cli.out.flush();
        return 0;
    }

    /** @return Meld's version, from the build; {@code unknown} when the resource is missing */
    static String meldVersion() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown
        }
        return p.getProperty("version", "unknown");
    }

    static String[] lines() {
        Runtime.Version java = Runtime.version();
        return new String[] {
            "meld " + meldVersion(),
            "java " + java + " (" + System.getProperty("java.vendor", "unknown vendor") + ") at "
                    + System.getProperty("java.home"),
            System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                    + Runtime.getRuntime().availableProcessors() + " cores"
        };
    }

    /** The same lines for {@code meld --version}. */
    static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
