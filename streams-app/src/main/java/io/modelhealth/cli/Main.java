package io.modelhealth.cli;

import io.modelhealth.app.StartupException;
import io.modelhealth.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar model-health.jar <command>}: the one entry point. */
@Command(name = "model-health", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Streaming model-health monitor for LLM traffic.",
        subcommands = {RunCommand.class, DemoCommand.class, SimulateCommand.class, TopicsCommand.class,
                BacktestCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    /** Exit code for a bad configuration or a failed start-up check. */
    public static final int CONFIG_ERROR = 2;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException || e instanceof StartupException) {
                cmd.getErr().println(cmd.getColorScheme().errorText(
                        (e instanceof ConfigException ? "config error: " : "cannot start: ") + e.getMessage()));
                return CONFIG_ERROR;
            }
            if (e instanceof IllegalArgumentException) {
                // A value the options parser could not judge (e.g. an unknown scenario name).
                cmd.getErr().println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
                return CONFIG_ERROR;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
