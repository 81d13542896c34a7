package io.modelhealth.reliability;

import static org.awaitility.Awaitility.await;

import io.modelhealth.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The monitor as operators run it — {@code java -cp … io.modelhealth.cli.Main run --config F} —
 * in a child JVM, so that a test can kill it as the kernel would ({@code SIGKILL}: no shutdown
 * hook, no commit, no flush, no leaving the group). Its output goes to a log file that failures
 * quote.
 */
final class ChildApp implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final int httpPort;

    private ChildApp(String name, Process process, Path log, int httpPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /**
     * Starts {@code run --config F --bootstrap-servers B --http-port P}; returns at once. The log
     * goes to {@code target/reliability-logs/<name>-<pid>.log} (kept for the CI report).
     */
    static ChildApp run(String name, TestAppConfig config, int httpPort) throws IOException {
        Path logDir = Path.of("target", "reliability-logs");
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000 + ".log");
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx512m", "-cp", classpath(), Main.class.getName(),
                "run", "--config", config.file().toString(), "--bootstrap-servers", config.bootstrap(),
                "--http-port", Integer.toString(httpPort)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Only the config file and the flags configure it, whatever the test JVM's environment holds.
        builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_HEALTH_"));
        return new ChildApp(name, builder.start(), log, httpPort);
    }

    /** A TCP port that was free a moment ago. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /readyz} says ready (Kafka Streams RUNNING, stores queryable); fails at once if the process exits. */
    ChildApp awaitReady(Duration timeout) {
        await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail(40));
            }
            return status("/readyz") == 200;
        });
        return this;
    }

    /** The HTTP status of {@code GET path}, or -1 when nothing answers. */
    int status(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@code GET path}: status and body. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(5)).build();
    }

    int httpPort() {
        return httpPort;
    }

    /** The value of one Prometheus sample line of {@code /metrics} (summed over its labels), or -1. */
    double metric(String name) {
        try {
            HttpResponse<String> r = get("/metrics");
            return r.body().lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: the JVM dies mid-transaction, with whatever it had not committed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die from SIGKILL within 30 s");
        }
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops it as Ctrl-C would (its shutdown hook closes the app cleanly); kills it if that takes over 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", http :" + httpPort + ")";
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test classpath: surefire/failsafe put the real one here even when the JVM runs from a manifest-only jar. */
    private static String classpath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
