package io.modelhealth.alerts.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.modelhealth.config.Secrets;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * {@code List<PostableAlert>} ⇒ one {@code POST {url}/api/v2/alerts} ⇒ {@link Response}. Never
 * throws for what the network or Alertmanager does; the caller decides what a failure means.
 *
 * <p>The base URL may carry a path prefix (Alertmanager behind {@code --web.route-prefix}) and
 * credentials ({@code https://user:password@alertmanager:9093}), which are sent as HTTP basic auth
 * and never logged: {@link #toString()} shows the URL without them.
 */
final class AlertmanagerClient {

    static final String PATH = "/api/v2/alerts";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_DETAIL = 300;

    /** What became of one POST. */
    enum Outcome {
        /** 2xx: Alertmanager has the alerts. */
        DELIVERED,
        /** 400 / 422: Alertmanager read the body and refused (some of) the alerts; sending them again won't help. */
        REJECTED,
        /** No answer, 5xx, or another 4xx (wrong path, auth, 429): worth retrying, the alerts are fine. */
        FAILED
    }

    /** @param status HTTP status, 0 when there was no answer */
    record Response(Outcome outcome, int status, String detail) {
    }

    private final URI endpoint;
    private final String displayUrl;
    private final String authorization;
    private final HttpClient http;

    /**
     * @param baseUrl Alertmanager's base URL, e.g. {@code http://alertmanager:9093}
     * @throws IllegalArgumentException naming {@code alerts.alertmanager-url} if it is not an http(s) URL
     */
    AlertmanagerClient(String baseUrl) {
        URI base;
        try {
            base = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            // The parser's message quotes the input, userinfo and all: masked, and without the cause, whose
            // stack trace would quote it again.
            throw new IllegalArgumentException("alerts.alertmanager-url: not a URL: " + Secrets.maskValue(e.getMessage()));
        }
        if (base.getScheme() == null || !base.getScheme().matches("(?i)https?") || base.getHost() == null) {
            throw new IllegalArgumentException("alerts.alertmanager-url: must be an http(s) URL with a host, e.g. http://alertmanager:9093");
        }
        String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        String hostPort = base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort());
        this.endpoint = URI.create(base.getScheme() + "://" + hostPort + path + PATH);
        this.displayUrl = base.getScheme() + "://" + hostPort + path;
        String userInfo = base.getUserInfo();
        this.authorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        // HTTP/1.1: Alertmanager serves no cleartext HTTP/2, so the upgrade attempt would be wasted.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
    }

    Response post(List<PostableAlert> alerts) throws InterruptedException {
        byte[] body;
        try {
            body = Json.mapper().writeValueAsBytes(alerts);
        } catch (JsonProcessingException e) {
            // Records of strings and instants always serialize; this would be a bug, and retrying won't fix it.
            return new Response(Outcome.REJECTED, 0, "cannot serialize the alerts: " + e.getMessage());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "model-health-alertmanager-sink")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Response(Outcome.FAILED, 0, message);
        }
        int status = response.statusCode();
        String detail = abbreviate(response.body());
        if (status >= 200 && status < 300) {
            return new Response(Outcome.DELIVERED, status, detail);
        }
        if (status == 400 || status == 422) {
            return new Response(Outcome.REJECTED, status, detail);
        }
        return new Response(Outcome.FAILED, status, "HTTP " + status + (detail.isEmpty() ? "" : ": " + detail));
    }

    /** The endpoint, for tests. */
    URI endpoint() {
        return endpoint;
    }

    /** The base URL without credentials. */
    @Override
    public String toString() {
        return displayUrl;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= MAX_DETAIL ? one : one.substring(0, MAX_DETAIL) + "…";
    }
}
