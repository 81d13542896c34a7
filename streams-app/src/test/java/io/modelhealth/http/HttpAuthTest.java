package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code http.auth-token} and {@code http.metrics-auth}: which paths need the token, the 401s, the
 * sign-in form's session cookie, and the peers' calls carrying the token.
 */
class HttpAuthTest {

    private static final String TOKEN = "s3cret-token-for-tests";
    private static final List<String> GUARDED = List.of("/", "/api/routes", "/api/routes?view=page",
            "/api/routes/anthropic/claude-fable-5", "/api/reroutes", "/internal/windows", "/internal/windows/anthropic/claude-fable-5");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final InMemoryRouteQueries fleet = Fleet.duringIncident();
    private HttpApi api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void everyGuardedPathNeedsTheToken() throws Exception {
        start(false);
        for (String path : GUARDED) {
            HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).as(path).hasValue("Bearer realm=\"model-health\"");
            assertThat(none.body()).as(path).doesNotContain("claude-fable-5\",");

            HttpResponse<String> wrong = get(path, "Bearer not-" + TOKEN);
            assertThat(wrong.statusCode()).as(path).isEqualTo(401);
            assertThat(wrong.headers().firstValue("WWW-Authenticate")).as(path)
                    .hasValue("Bearer realm=\"model-health\", error=\"invalid_token\"");

            assertThat(get(path, "Bearer " + TOKEN).statusCode()).as(path).isEqualTo(200);
            // The scheme is case-insensitive (RFC 7235); the token is not.
            assertThat(get(path, "bearer " + TOKEN).statusCode()).as(path).isEqualTo(200);
            assertThat(get(path, "Bearer " + TOKEN.toUpperCase()).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, "Basic " + TOKEN).statusCode()).as(path).isEqualTo(401);
        }
    }

    @Test
    void aWrongTokenIsToldApartFromNone() throws Exception {
        start(false);
        JsonNode none = Json.mapper().readTree(get("/api/routes", null).body());
        assertThat(none.get("error").asText()).isEqualTo("this path needs Authorization: Bearer <http.auth-token>");
        JsonNode wrong = Json.mapper().readTree(get("/api/routes", "Bearer nope").body());
        assertThat(wrong.get("error").asText()).isEqualTo("wrong token");
        assertThat(wrong.get("status").asInt()).isEqualTo(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/readyz", "/metrics"})
    void probesAndByDefaultMetricsNeedNoToken(String path) throws Exception {
        start(false);
        assertThat(get(path, null).statusCode()).isEqualTo(200);
    }

    @Test
    void metricsNeedTheTokenWithMetricsAuth() throws Exception {
        start(true);
        HttpResponse<String> none = get("/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        HttpResponse<String> with = get("/metrics", "Bearer " + TOKEN);
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(with.body()).contains("# TYPE http_auth_test_total counter");
        // The probes stay open whatever metrics-auth says: a kubelet has no token.
        assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get("/readyz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathsAre401NotAMapOfWhatExists() throws Exception {
        start(false);
        assertThat(get("/nope", null).statusCode()).isEqualTo(401);
        assertThat(get("/nope", "Bearer " + TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void aBrowserSignsInOnceAndThePageAndItsFetchesWorkWithTheCookie() throws Exception {
        start(false);
        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<form method=\"post\" action=\"/login\">", "name=\"token\"").doesNotContain("<script");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("form-action 'self'", "default-src 'none'").doesNotContain("script-src"));

        HttpResponse<String> wrong = login("not-it");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong token.");
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();

        HttpResponse<String> right = login(TOKEN);
        assertThat(right.statusCode()).isEqualTo(303);
        assertThat(right.headers().firstValue("Location")).hasValue("/");
        String setCookie = right.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(BearerAuth.COOKIE + "=").contains("HttpOnly", "SameSite=Strict", "Path=/")
                .doesNotContain(TOKEN);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        for (String path : GUARDED) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(path)).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
        }
        HttpResponse<String> forged = client.send(HttpRequest.newBuilder(uri("/api/routes"))
                .header("Cookie", BearerAuth.COOKIE + "=" + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(401);
    }

    @Test
    void loginTakesOnlyAPost() throws Exception {
        start(false);
        HttpResponse<String> r = get("/login", null);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void withoutATokenThereIsNoLogin() throws Exception {
        api = new HttpApi(http(null, false), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), fleet, Clock.systemUTC());
        assertThat(get("/api/routes", null).statusCode()).isEqualTo(200);
        assertThat(login(TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void peersSendTheToken() throws Exception {
        start(false);
        PeerWindows.Peer peer = new PeerWindows.Peer("127.0.0.1", api.port());
        PeerWindows withToken = new PeerWindows(Duration.ofSeconds(5), TOKEN);
        assertThat(withToken.route(peer, Fleet.BLOCKED)).hasValue(fleet.localWindows().get(Fleet.BLOCKED));
        assertThat(withToken.all(List.of(peer))).isEqualTo(fleet.localWindows());

        PeerWindows without = new PeerWindows(Duration.ofSeconds(5), null);
        assertThat(without.route(peer, Fleet.BLOCKED)).isEmpty();
        assertThat(without.all(List.of(peer))).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private void start(boolean metricsAuth) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("http.auth.test").increment();
        api = new HttpApi(http(TOKEN, metricsAuth), registry, fleet, Clock.fixed(Fleet.NOW, ZoneOffset.UTC));
    }

    private static AppConfig.Http http(String token, boolean metricsAuth) {
        return new AppConfig.Http(0, "127.0.0.1", token, metricsAuth, Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    private HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String token) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }
}
