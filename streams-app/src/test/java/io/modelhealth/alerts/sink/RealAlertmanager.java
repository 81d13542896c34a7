package io.modelhealth.alerts.sink;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
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
 * A real Alertmanager as a child process on a free port of 127.0.0.1: its own storage directory,
 * no clustering ({@code --cluster.listen-address=}), output in {@code alertmanager.log} beside the
 * storage. {@link #close()} stops it.
 */
final class RealAlertmanager implements AutoCloseable {

    private final Process process;
    private final String url;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RealAlertmanager(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** Starts {@code binary} with {@code config} in {@code dir} and returns once it is ready. */
    static RealAlertmanager start(Path binary, Path config, Path dir) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("data"));
        Path log = dir.resolve("alertmanager.log");
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--config.file=" + config,
                "--storage.path=" + storage,
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=",
                "--log.level=debug"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RealAlertmanager am = new RealAlertmanager(p, "http://127.0.0.1:" + port, log);
        try {
            await("Alertmanager ready at " + am.url).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("Alertmanager exited with " + p.exitValue() + ":\n" + am.log());
                        }
                        return am.get("/-/ready").statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            am.close();
            throw new IllegalStateException("Alertmanager did not start; its log:\n" + am.log(), e);
        }
        return am;
    }

    String url() {
        return url;
    }

    /** {@code GET /api/v2/alerts} (active, inhibited and silenced; resolved ones are not listed). */
    JsonNode alerts() {
        return json("/api/v2/alerts");
    }

    /** {@code GET /api/v2/alerts?filter=<matcher>}, e.g. {@code alertname="ModelProviderOutage"}. */
    JsonNode alerts(String matcher) {
        return json("/api/v2/alerts?filter=" + URLEncoder.encode(matcher, StandardCharsets.UTF_8));
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private JsonNode json(String path) {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        try {
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
