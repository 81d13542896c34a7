package io.modelhealth.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where {@code demo} sends the log lines of Kafka, its embedded broker and the monitor, so that the
 * terminal shows the story and the timeline only: a file {@code model-health-demo.log} in a new
 * temporary directory (kept after the demo), or the terminal (stderr, as every other command) with
 * {@code --verbose}. slf4j-simple reads {@code org.slf4j.simpleLogger.logFile} once, when the first
 * logger is made; {@link #setUp} must run before anything logs, which holds when {@code demo} is the
 * JVM's command ({@code java -jar model-health.jar demo}). A {@code -Dorg.slf4j.simpleLogger.logFile}
 * given on the command line wins.
 */
final class DemoLog {

    static final String LOG_FILE_PROPERTY = "org.slf4j.simpleLogger.logFile";
    static final String FILE_NAME = "model-health-demo.log";

    /** The log file, or null when the lines go to the terminal. */
    private final Path file;

    private DemoLog(Path file) {
        this.file = file;
    }

    static DemoLog setUp(boolean verbose) throws IOException {
        String given = System.getProperty(LOG_FILE_PROPERTY);
        if (given != null) {
            return new DemoLog(given.equals("System.err") || given.equals("System.out") ? null : Path.of(given));
        }
        if (verbose) {
            return new DemoLog(null);
        }
        Path file = Files.createTempDirectory("model-health-demo-").resolve(FILE_NAME);
        System.setProperty(LOG_FILE_PROPERTY, file.toString());
        // slf4j-simple opens the file when it configures itself, at this first logger. No file then means
        // logging was configured earlier (the demo run inside another program, e.g. a test): the lines go
        // where that configuration sends them, and saying they are in the file would be wrong.
        LoggerFactory.getLogger(DemoLog.class);
        if (!Files.exists(file)) {
            System.clearProperty(LOG_FILE_PROPERTY);
            return new DemoLog(null);
        }
        return new DemoLog(file);
    }

    /** The line the demo prints at start. */
    String describe() {
        return file == null ? "Kafka logs: on this terminal (stderr)" : "Kafka logs: " + file + " (--verbose shows them here)";
    }

    /** Null when the lines go to the terminal. */
    Path file() {
        return file;
    }
}
