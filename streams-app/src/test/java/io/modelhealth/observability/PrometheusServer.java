package io.modelhealth.observability;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server as a child process, for tests: listens on a free port of 127.0.0.1,
 * keeps its TSDB in a temporary directory, scrapes one target every second under
 * {@code job="model-health"} and evaluates the given rule files every second. Answers PromQL
 * through its HTTP API ({@code /api/v1/query}, {@code query_range}, label values, rules).
 */
final class PrometheusServer implements AutoCloseable {

    static final String JOB = "model-health";

    private final Process process;
    private final URI base;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /** Starts Prometheus and waits until it is ready (not until it has scraped). */
    static PrometheusServer start(Path binary, Path workDir, String target, List<Path> ruleFiles) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StringBuilder config = new StringBuilder()
                .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
                .append("rule_files:\n");
        ruleFiles.forEach(f -> config.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        config.append("scrape_configs:\n  - job_name: ").append(JOB).append("\n    static_configs:\n")
                .append("      - targets: ['").append(target).append("']\n");
        Path configFile = workDir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        Path log = workDir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + workDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, URI.create("http://127.0.0.1:" + port), log);
        try {
            await("Prometheus ready on port " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("prometheus exited " + p.exitValue() + ":\n" + server.log());
                        }
                        return server.get("/-/ready").statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException("Prometheus did not start:\n" + server.log(), e);
        }
        return server;
    }

    /** An instant query at the current time: the API's whole answer ({@code status}, {@code data} or {@code error}). */
    JsonNode query(String promql) {
        return getJson("/api/v1/query?query=" + encode(promql));
    }

    /** A range query, as a Grafana time-series panel sends it. */
    JsonNode queryRange(String promql, Instant start, Instant end, Duration step) {
        return getJson("/api/v1/query_range?query=" + encode(promql) + "&start=" + start.getEpochSecond()
                + "&end=" + end.getEpochSecond() + "&step=" + step.toSeconds() + "s");
    }

    /** What Grafana's {@code label_values(selector, label)} offers. */
    JsonNode labelValues(String label, String selector) {
        return getJson("/api/v1/label/" + label + "/values?match[]=" + encode(selector));
    }

    /** The loaded rule groups with each rule's health, last error and state. */
    JsonNode rules() {
        return getJson("/api/v1/rules");
    }

    /** The result list of a successful instant query (empty if none or failed). */
    JsonNode result(String promql) {
        return query(promql).path("data").path("result");
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private JsonNode getJson(String pathAndQuery) {
        HttpResponse<String> r = get(pathAndQuery);
        try {
            return ObservabilityFiles.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON from " + pathAndQuery + " (HTTP " + r.statusCode() + "): " + r.body(), e);
        }
    }

    private HttpResponse<String> get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
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
