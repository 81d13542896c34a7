package io.modelhealth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} end to end as a user runs it, in a child JVM ({@code java -cp … Main demo}): slf4j reads
 * its settings once per JVM, so where the log lines go can only be seen in a fresh one. Each run is the
 * real thing — embedded broker, monitor, scenario — cut to {@code --duration 12} of scenario time
 * (the withdrawal comes 3 s after the monitor runs; the suite keeps to about 15 minutes).
 */
class DemoCommandIT {

    /** A timeline line, as the startup bench reads it: {@code +00:03.3  anthropic/claude-fable-5  BLOCKED …}. */
    private static final Pattern BLOCKED = Pattern.compile("(?m)^\\+\\d\\d:\\d\\d\\.\\d\\s+anthropic/claude-(fable|haiku)-5\\s+BLOCKED\\b");
    /** A log line of slf4j-simple as simplelogger.properties formats it. */
    private static final Pattern LOG_LINE = Pattern.compile("(?m)^\\S+ \\[(TRACE|DEBUG|INFO|WARN|ERROR)\\] ");
    private static final Pattern LOG_FILE = Pattern.compile("(?m)^Kafka logs: (\\S+) \\(--verbose shows them here\\)$");

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    @Test
    void theTerminalShowsTheStoryAndTheTimelineWhileTheLogLinesGoToTheFileNamedAtStart() throws Exception {
        Run run = demo("--duration", "12", "--http-port", "0");

        assertThat(run.exit()).as(run.err()).isZero();
        Matcher named = LOG_FILE.matcher(run.out());
        assertThat(named.find()).as(run.out()).isTrue();
        Path log = Path.of(named.group(1));
        assertThat(log.getFileName()).hasToString(DemoLog.FILE_NAME);
        assertThat(run.out().indexOf("Kafka logs: " + log)).as("named before the broker starts")
                .isLessThan(run.out().indexOf("starting an embedded Kafka broker"));
        String lines = Files.readString(log);
        assertThat(lines).contains("[INFO] EmbeddedKafkaBroker - Embedded Kafka broker started")
                .contains("[INFO] ModelHealthApp - kafka streams REBALANCING -> RUNNING")
                .containsPattern("\\[WARN\\] (StreamsConfig|DefaultStandbyTaskAssignor|StateDirectory|NetworkClient) - ");

        assertThat(LOG_LINE.matcher(run.out()).find()).as("no log line on stdout:\n" + run.out()).isFalse();
        assertThat(LOG_LINE.matcher(run.err()).find()).as("no log line on stderr:\n" + run.err()).isFalse();
        assertThat(run.out()).contains("expected story:", "monitor running", "demo over after")
                .containsPattern(BLOCKED)
                .endsWith("Kafka logs: " + log + System.lineSeparator());
    }

    @Test
    void withOtlpTheWithdrawnModelsAreBlockedFromSpansAndVerboseShowsTheLogHere() throws Exception {
        Run run = demo("--otlp", "--verbose", "--duration", "12", "--http-port", "0");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Kafka logs: on this terminal", "expected story (every call sent as an OpenTelemetry span):")
                .containsPattern(BLOCKED)
                .doesNotContain("malformed");
        // The monitor read the OTLP topic, and the calls went only there: the decision came from spans.
        assertThat(run.err()).containsPattern("\\[INFO\\] ModelHealthApp - starting model-health \\(config \\w+, 1 input "
                + "partitions \\+ 1 of OTLP spans \\(otlp_spans, otlp_proto\\)");
        assertThat(LOG_LINE.matcher(run.out()).find()).as("log lines go to stderr, not into the timeline").isFalse();
    }

    private Run demo(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", classpath(), Main.class.getName(), "demo"));
        command.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_HEALTH_"));
        Process p = builder.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("demo did not end within 240 s; stdout:\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Failsafe puts the test classpath here even when the JVM runs from a manifest-only jar. */
    private static String classpath() {
        String failsafe = System.getProperty("surefire.test.class.path");
        return failsafe != null && !failsafe.isBlank() ? failsafe : System.getProperty("java.class.path");
    }
}
