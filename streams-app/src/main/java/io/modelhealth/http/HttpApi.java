package io.modelhealth.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's HTTP face, on the JDK's built-in server (no web framework to ship or patch).
 *
 * <pre>
 * GET /                                the status page (self-contained HTML; polls /api/routes?view=page)
 * GET /metrics                         Prometheus text format 0.0.4
 * GET /healthz                         200 "ok" while the process lives and its stream processing has not failed (liveness)
 * GET /readyz                          200 "ready" when the stores answer, else 503 and why (readiness)
 * GET /api/routes                      [model.health.state.v1, ...]
 * GET /api/routes?view=page            {now, counts, routes: [state + error ratio + p95]}: see StatusPageView
 * GET /api/routes/{provider}/{model}   {status, reroute, recent_windows, windows_available}
 * GET /api/reroutes                    [{route, target, weight, state, since, reason}, ...]
 * GET /internal/windows[/{p}/{m}]      recent windows of the routes this instance hosts (asked by peers)
 * </pre>
 *
 * Errors are JSON, {@code {"error": "...", "status": 404}}: 404 for an unknown path or route, 405
 * for a method other than GET/HEAD, 503 while the stores are not queryable, 500 (message only,
 * details in the log) for anything else. Listening starts in the constructor; {@link #close()}
 * stops it.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    static final String INTERNAL_WINDOWS = "/internal/windows";
    private static final String API_ROUTES = "/api/routes";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    /** Inline script and style only; the page fetches nothing but this origin's API. */
    private static final String PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final int THREADS = 4;

    private final PrometheusMeterRegistry registry;
    private final RouteQueries queries;
    private final Clock clock;
    private final byte[] page;
    private final HttpServer server;
    private final ExecutorService executor;

    /** Listens on every interface at {@code port} (0 picks a free port: see {@link #port()}). */
    public HttpApi(int port, PrometheusMeterRegistry registry, RouteQueries queries) throws IOException {
        this(new InetSocketAddress(port), registry, queries, Clock.systemUTC());
    }

    /**
     * @param address  where to listen; port 0 picks a free one
     * @param registry the registry {@code /metrics} scrapes
     * @param queries  the route data behind {@code /api} and the page
     * @param clock    the server time the page measures "since" against
     */
    public HttpApi(InetSocketAddress address, PrometheusMeterRegistry registry, RouteQueries queries, Clock clock)
            throws IOException {
        this.registry = registry;
        this.queries = queries;
        this.clock = clock;
        this.page = loadPage();
        this.server = HttpServer.create(address, 0);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "model-health-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("HTTP API listening on {}", server.getAddress());
    }

    /** The port actually listened on. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Response response;
            try {
                response = dispatch(exchange);
            } catch (NotReadyException e) {
                response = error(503, e.getMessage()).header("Retry-After", "1");
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = error(500, "internal error");
            }
            send(exchange, response);
        } catch (IOException e) {
            // The client went away mid-response: nothing to tell it.
            LOG.debug("{} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    private Response dispatch(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        Optional<Endpoint> endpoint = endpoint(path);
        if (endpoint.isEmpty()) {
            return error(404, "no such path: " + truncate(path));
        }
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return error(405, "method " + truncate(method) + " not allowed; use GET").header("Allow", "GET, HEAD");
        }
        return endpoint.get().answer(exchange.getRequestURI().getRawQuery());
    }

    /** One path's handler; the query string (raw, may be null) is its only input. */
    private interface Endpoint {
        Response answer(String rawQuery);
    }

    private Optional<Endpoint> endpoint(String path) {
        switch (path) {
            case "/":
                return Optional.of(q -> new Response(200, HTML, page).header("Content-Security-Policy", PAGE_CSP));
            case "/metrics":
                return Optional.of(q -> new Response(200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8)));
            case "/healthz":
                return Optional.of(q -> queries.alive() ? text(200, "ok") : text(503, "stream processing failed: restart me"));
            case "/readyz":
                return Optional.of(q -> queries.ready() ? text(200, "ready") : text(503, "not ready: " + queries.notReadyReason()));
            case API_ROUTES:
                return Optional.of(this::routes);
            case "/api/reroutes":
                return Optional.of(q -> json(200, queries.reroutes()));
            case INTERNAL_WINDOWS:
                return Optional.of(q -> json(200, queries.localWindows()));
            default:
                break;
        }
        if (path.startsWith(API_ROUTES + "/")) {
            return RoutePaths.routeId(path.substring(API_ROUTES.length() + 1)).map(route -> q -> queries.route(route)
                    .map(detail -> json(200, detail))
                    .orElseGet(() -> error(404, "unknown route: " + truncate(route))));
        }
        if (path.startsWith(INTERNAL_WINDOWS + "/")) {
            return RoutePaths.routeId(path.substring(INTERNAL_WINDOWS.length() + 1)).map(route -> q -> queries.localWindows(route)
                    .map(windows -> json(200, windows))
                    .orElseGet(() -> error(404, "route not hosted by this instance: " + truncate(route))));
        }
        return Optional.empty();
    }

    private Response routes(String rawQuery) {
        String view = queryParameter(rawQuery, "view");
        if (view == null) {
            return json(200, queries.routes());
        }
        if (view.equals("page")) {
            return json(200, StatusPageView.of(clock.instant(), queries.routes(), queries.recentWindows()));
        }
        return error(400, "unknown view '" + truncate(view) + "' (allowed: page)");
    }

    // ---------------------------------------------------------------- responses

    /** A response not yet sent. */
    private static final class Response {
        final int status;
        final String contentType;
        final byte[] body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Response(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }

        Response header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private static Response text(int status, String body) {
        return new Response(status, TEXT, (body + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static Response json(int status, Object body) {
        try {
            return new Response(status, JSON, Json.mapper().writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Response error(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        return json(status, body);
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", response.contentType);
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        response.headers.forEach(h::set);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) {
            h.set("Content-Length", Integer.toString(response.body.length));
            exchange.sendResponseHeaders(response.status, -1);
            return;
        }
        exchange.sendResponseHeaders(response.status, response.body.length == 0 ? -1 : response.body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The first value of a query parameter, percent-decoded; null when absent. */
    static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                String value = eq < 0 ? "" : pair.substring(eq + 1).replace('+', ' ');
                return RoutePaths.decode(value).orElse(value);
            }
        }
        return null;
    }

    /** Echoed input is cut short: error bodies stay small whatever the client sends. */
    private static String truncate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    private static byte[] loadPage() {
        try (InputStream in = HttpApi.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html missing from the classpath next to " + HttpApi.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
