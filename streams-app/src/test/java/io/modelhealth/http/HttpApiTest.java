package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.OutcomeClass;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every endpoint of {@link HttpApi} over an in-memory fleet and a real Prometheus registry. */
class HttpApiTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsRegistry metrics;
    private InMemoryRouteQueries queries;
    private HttpApi api;

    @BeforeEach
    void start() throws IOException {
        metrics = new MetricsRegistry();
        HealthMetrics health = new HealthMetrics(metrics.registry());
        for (int i = 0; i < 3; i++) {
            health.call(Fleet.BLOCKED, OutcomeClass.POLICY_BLOCK, 90, null);
        }
        health.call(Fleet.BLOCKED, OutcomeClass.SUCCESS, 812, 300.0);
        health.state(Fleet.BLOCKED, HealthState.BLOCKED);
        health.errorRatio(Fleet.BLOCKED, OutcomeClass.POLICY_BLOCK, "1m", 0.75);
        health.window(Fleet.window(Fleet.BLOCKED, Fleet.NOW, 8, 0, 8, 812.0));
        health.reroute(Fleet.BLOCKED, "REROUTE", "policy_block.window");
        health.alert("ModelBlocked", "page", "firing");
        health.deadLetter(DeadLetter.NOT_JSON);
        health.detected(0.4);
        queries = Fleet.duringIncident();
        api = new HttpApi(new InetSocketAddress("127.0.0.1", 0), metrics.registry(), queries,
                Clock.fixed(Fleet.NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        api.close();
        metrics.close();
    }

    // ---------------------------------------------------------------- probes and metrics

    @Test
    void listensOnAnEphemeralPort() {
        assertThat(api.port()).isPositive();
    }

    @Test
    void healthzIsOkWhileTheProcessLives() throws Exception {
        queries.notReady("rebalancing");
        HttpResponse<String> r = get("/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().trim()).isEqualTo("ok");
    }

    @Test
    void healthzFailsWhenTheStreamProcessingHasFailedSoTheProcessGetsRestarted() throws Exception {
        queries.alive(false);
        HttpResponse<String> r = get("/healthz");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("restart");
    }

    @Test
    void readyzFollowsTheQueries() throws Exception {
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);

        queries.notReady("Kafka Streams is REBALANCING");
        HttpResponse<String> notReady = get("/readyz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("Kafka Streams is REBALANCING");
    }

    @Test
    void metricsAreThePrometheusTextFormat() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String body = r.body();
        assertThat(body).contains("# TYPE model_health_calls_total counter");
        String route = "route=\"" + Fleet.BLOCKED + "\"";
        assertThat(sample(body, "model_health_calls_total", route, "class=\"policy_block\"", "provider=\"anthropic\"",
                "model=\"claude-fable-5\"")).isEqualTo(3.0);
        assertThat(sample(body, "model_health_calls_total", route, "class=\"success\"")).isEqualTo(1.0);
        assertThat(sample(body, "model_health_state", route, "state=\"BLOCKED\"")).isEqualTo(1.0);
        assertThat(sample(body, "model_health_state", route, "state=\"HEALTHY\"")).isEqualTo(0.0);
        assertThat(sample(body, "model_health_error_ratio", route, "class=\"policy_block\"", "window=\"1m\"")).isEqualTo(0.75);
        assertThat(sample(body, "model_health_latency_seconds", route, "quantile=\"0.95\"")).isEqualTo(0.812);
        assertThat(sample(body, "model_health_reroutes_total", route, "action=\"REROUTE\"",
                "reason=\"policy_block.window\"")).isEqualTo(1.0);
        assertThat(sample(body, "model_health_alerts_total", "alertname=\"ModelBlocked\"", "status=\"firing\"")).isEqualTo(1.0);
        assertThat(sample(body, "model_health_dead_letters_total", "reason=\"not_json\"")).isEqualTo(1.0);
        assertThat(sample(body, "model_health_dead_letters_total", "reason=\"too_large\"")).isEqualTo(0.0);
        assertThat(sample(body, "model_health_detection_seconds_count")).isEqualTo(1.0);
        // JVM and process binders of MetricsRegistry
        // Summed over the heap pools: one pool (e.g. the survivor space) may well be empty right now.
        assertThat(body.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()).isPositive();
        assertThat(sample(body, "jvm_threads_live_threads")).isPositive();
        assertThat(sample(body, "jvm_classes_loaded_classes")).isPositive();
        assertThat(sample(body, "process_uptime_seconds")).isPositive();
        assertThat(body).contains("system_cpu_count", "jvm_gc_");
    }

    // ---------------------------------------------------------------- API

    @Test
    void routesListsEveryStateRecordAsJson() throws Exception {
        HttpResponse<String> r = get("/api/routes");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode routes = Json.mapper().readTree(r.body());
        assertThat(routes.isArray()).isTrue();
        List<String> ids = new ArrayList<>();
        routes.forEach(n -> ids.add(n.get("route").asText()));
        assertThat(ids).containsExactlyInAnyOrderElementsOf(Fleet.routes());
        JsonNode blocked = find(routes, Fleet.BLOCKED);
        assertThat(blocked.get("state").asText()).isEqualTo("BLOCKED");
        assertThat(blocked.get("previous_state").asText()).isEqualTo("HEALTHY");
        assertThat(blocked.get("reroute_target").asText()).isEqualTo(Fleet.FALLBACK);
        assertThat(blocked.get("reroute_weight").asDouble()).isEqualTo(1.0);
        assertThat(blocked.get("since").asText()).isEqualTo(Fleet.NOW.minusSeconds(130).toString());
        assertThat(blocked.get("evidence").get("rule").asText()).isEqualTo("test.rule");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/api/routes/aws.bedrock/anthropic.claude-v2@eu-west-1",
            "/api/routes/aws.bedrock/anthropic.claude-v2%40eu-west-1",
            "/api/routes/aws%2Ebedrock/anthropic.claude-v2%40eu-west-1"})
    void routeIdsWithDotsDashesAndRegionsResolve(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode detail = Json.mapper().readTree(r.body());
        assertThat(detail.get("status").get("route").asText()).isEqualTo(Fleet.UNAVAILABLE);
        assertThat(detail.get("status").get("state").asText()).isEqualTo("UNAVAILABLE");
        assertThat(detail.get("reroute").get("target").asText()).isEqualTo(Fleet.FALLBACK);
        assertThat(detail.get("reroute").get("weight").asDouble()).isEqualTo(0.5);
    }

    @Test
    void routeDetailCarriesRecentWindows() throws Exception {
        HttpResponse<String> r = get("/api/routes/anthropic/claude-fable-5");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode detail = Json.mapper().readTree(r.body());
        assertThat(detail.get("windows_available").asBoolean()).isTrue();
        JsonNode windows = detail.get("recent_windows");
        assertThat(windows.size()).isEqualTo(3);
        JsonNode newest = windows.get(2);
        assertThat(newest.get("calls").asLong()).isEqualTo(8);
        assertThat(newest.get("by_class").get("policy_block").asLong()).isEqualTo(8);
        assertThat(newest.get("latency_p95_ms").asDouble()).isEqualTo(812.0);
        assertThat(newest.get("window_start").asText()).isEqualTo(Fleet.NOW.minusSeconds(10).toString());
    }

    @Test
    void routeWithoutWindowsSaysSoInsteadOfFailing() throws Exception {
        HttpResponse<String> r = get("/api/routes/google/gemini-3-pro");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode detail = Json.mapper().readTree(r.body());
        assertThat(detail.get("windows_available").asBoolean()).isFalse();
        assertThat(detail.get("recent_windows").size()).isZero();
        assertThat(detail.get("status").get("state").asText()).isEqualTo("DEGRADED");
        assertThat(detail.get("reroute").isNull()).isTrue();
    }

    @Test
    void unknownRouteIs404Json() throws Exception {
        HttpResponse<String> r = get("/api/routes/anthropic/claude-nonexistent-9");
        assertError(r, 404, "unknown route: anthropic/claude-nonexistent-9");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/nope", "/api", "/api/routes/anthropic", "/api/routes/anthropic/", "/api/routes//claude",
            "/api/reroutes/x", "/metrics/", "/index.html"})
    void badPathsAre404Json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(404);
        assertThat(body.get("error").asText()).isNotBlank();
    }

    @Test
    void reroutesListsTheRoutesWhoseTrafficMoves() throws Exception {
        HttpResponse<String> r = get("/api/reroutes");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode reroutes = Json.mapper().readTree(r.body());
        List<String> routes = new ArrayList<>();
        reroutes.forEach(n -> routes.add(n.get("route").asText()));
        assertThat(routes).containsExactlyInAnyOrder(Fleet.BLOCKED, Fleet.UNAVAILABLE, Fleet.RECOVERING);
        JsonNode blocked = find(reroutes, Fleet.BLOCKED);
        assertThat(blocked.get("target").asText()).isEqualTo(Fleet.FALLBACK);
        assertThat(blocked.get("weight").asDouble()).isEqualTo(1.0);
        assertThat(blocked.get("state").asText()).isEqualTo("BLOCKED");
        assertThat(blocked.get("reason").asText()).startsWith("policy_block");
        assertThat(find(reroutes, Fleet.RECOVERING).get("weight").asDouble()).isEqualTo(0.25);
    }

    @Test
    void pageViewAddsErrorRatioLatencyAndCounts() throws Exception {
        HttpResponse<String> r = get("/api/routes?view=page");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode view = Json.mapper().readTree(r.body());
        assertThat(view.get("now").asText()).isEqualTo(Fleet.NOW.toString());
        JsonNode counts = view.get("counts");
        for (HealthState s : HealthState.values()) {
            // Two HEALTHY routes: the fallback, and the one with a BLOCKED region.
            assertThat(counts.get(s.name()).asInt()).as(s.name()).isEqualTo(s == HealthState.HEALTHY ? 2 : 1);
        }
        JsonNode scoped = find(view.get("routes"), Fleet.SCOPED);
        assertThat(scoped.get("family").asText()).isEqualTo("gpt-5-mini");
        assertThat(scoped.get("scopes").get(0).get("scope").get("region").asText()).isEqualTo("swedencentral");
        assertThat(scoped.get("scopes").get(0).get("blast_radius").get(0).get("calls_per_minute").asDouble()).isEqualTo(42.0);
        JsonNode blocked = find(view.get("routes"), Fleet.BLOCKED);
        assertThat(blocked.get("state").asText()).isEqualTo("BLOCKED");
        assertThat(blocked.get("calls").asLong()).isEqualTo(40);
        assertThat(blocked.get("error_ratio").asDouble()).isEqualTo(16.0 / 40);
        assertThat(blocked.get("latency_p95_ms").asDouble()).isEqualTo(812.0);
        assertThat(blocked.get("reroute_target").asText()).isEqualTo(Fleet.FALLBACK);
        assertThat(blocked.get("windows_available").asBoolean()).isTrue();
        JsonNode degraded = find(view.get("routes"), Fleet.DEGRADED);
        assertThat(degraded.get("windows_available").asBoolean()).isFalse();
        assertThat(degraded.has("error_ratio") && !degraded.get("error_ratio").isNull()).isFalse();
    }

    @Test
    void unknownViewIs400() throws Exception {
        assertError(get("/api/routes?view=fancy"), 400, "unknown view 'fancy' (allowed: page)");
    }

    @Test
    void internalWindowsServeOnlyHostedRoutes() throws Exception {
        HttpResponse<String> all = get("/internal/windows");
        assertThat(all.statusCode()).isEqualTo(200);
        JsonNode byRoute = Json.mapper().readTree(all.body());
        List<String> routes = new ArrayList<>();
        byRoute.fieldNames().forEachRemaining(routes::add);
        assertThat(routes).containsExactlyInAnyOrder(Fleet.BLOCKED, Fleet.FALLBACK, Fleet.UNAVAILABLE);

        HttpResponse<String> one = get("/internal/windows/anthropic/claude-fable-5");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(one.body()).size()).isEqualTo(3);

        assertThat(get("/internal/windows/google/gemini-3-pro").statusCode()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- errors

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void otherMethodsAre405(String method) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/api/routes"))
                .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(r, 405, "method " + method + " not allowed; use GET");
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/api/routes"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void notReadyIs503JsonEverywhereInTheApi() throws Exception {
        queries.notReady("state stores are not queryable right now");
        for (String path : List.of("/api/routes", "/api/routes/anthropic/claude-fable-5", "/api/reroutes",
                "/api/routes?view=page", "/internal/windows")) {
            HttpResponse<String> r = get(path);
            assertError(r, 503, "state stores are not queryable right now");
            assertThat(r.headers().firstValue("Retry-After")).as(path).hasValue("1");
        }
        // The page itself and the probes still answer: the page shows "not ready" from the 503.
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void failuresAre500WithoutInternals() throws Exception {
        queries.failWith(() -> new IllegalStateException("secret detail from deep inside"));
        HttpResponse<String> r = get("/api/routes");
        assertError(r, 500, "internal error");
        assertThat(r.body()).doesNotContain("secret", "IllegalStateException", "at io.");
    }

    // ---------------------------------------------------------------- page

    @Test
    void statusPageIsSelfContainedHtml() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'none'", "connect-src 'self'"));
        String html = r.body();
        assertThat(html).startsWith("<!DOCTYPE html>").contains("fetch(\"/api/routes?view=page\"", "data-route", "data-state");
        // No external fetches: no absolute URLs to load scripts, styles or fonts from.
        assertThat(html).doesNotContainPattern("(src|href)=\"(https?:)?//");
        assertThat(html).doesNotContain("@import", "url(http");
    }

    // ---------------------------------------------------------------- helpers

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }

    private static void assertError(HttpResponse<String> r, int status, String message) throws IOException {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).isEqualTo(message);
        assertThat(body.size()).isEqualTo(2);
    }

    private static JsonNode find(JsonNode array, String route) {
        for (JsonNode n : array) {
            if (n.get("route").asText().equals(route)) {
                return n;
            }
        }
        throw new AssertionError("no " + route + " in " + array);
    }

    /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
    static double sample(String scrape, String name, String... labels) {
        List<Double> found = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            boolean all = true;
            for (String label : labels) {
                all &= series.contains(label);
            }
            if (all) {
                found.add(Double.parseDouble(line.substring(space + 1)));
            }
        }
        assertThat(found).as("samples of %s with %s in:%n%s", name, List.of(labels), scrape).isNotEmpty();
        return found.get(0);
    }
}
