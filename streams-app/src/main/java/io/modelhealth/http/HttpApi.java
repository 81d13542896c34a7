package io.modelhealth.http;

import static org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's HTTP face (README "HTTP API and status page"; keys {@code http.*} in
 * docs/configuration.md).
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
 * POST /login                          with http.auth-token: the status page's sign-in form (sets the session cookie)
 * </pre>
 *
 * <p><b>Guards.</b> With {@code http.auth-token} set, everything but {@code /healthz}, {@code /readyz}
 * (and {@code /metrics} unless {@code http.metrics-auth}) needs the token ({@link BearerAuth}):
 * otherwise 401 with {@code WWW-Authenticate: Bearer}, and for {@code /} a sign-in page. The probes are
 * answered on the server's own threads at once; everything else is handed to a bounded pool (the API's,
 * or the scrape's for {@code /metrics}) that answers 503 when full, so no load on the API can make the
 * liveness probe fail. An answer not ready within {@code http.request-timeout} (a slow peer, a slow
 * store) is cut with 503; a client whose request head does not arrive within it is disconnected
 * ({@link HeaderDeadline}). {@code /}'s data, {@code /api/routes} and {@code /api/reroutes} come from
 * {@link Snapshot}s at most {@code http.status-cache} old.
 *
 * <p><b>Why Jetty, not the JDK's {@code com.sun.net.httpserver}.</b> The JDK server reads a request's
 * headers with a blocking read on one of its handler threads, so a few clients that send headers
 * slowly hold every thread, probes included; its only limit on that is a JVM-wide system property
 * ({@code sun.net.httpserver.maxReqTime}), read once per JVM. Jetty's core (no servlet API, four jars)
 * parses without blocking, bounds header sizes, has per-connector idle timeouts and lets a handler
 * answer from another thread, which is what the handoff to the bounded pools needs. It is maintained
 * with regular security releases. Javalin would add Kotlin's runtime on top of the same Jetty, for
 * routing this class does in one switch.
 *
 * <p>Errors are JSON, {@code {"error": "...", "status": 404}}: 401 without the token, 404 for an
 * unknown path or route, 405 for a method other than GET/HEAD, 503 while the stores are not
 * queryable, when the pool is full or the answer took too long, 500 (message only, details in the
 * log) for anything else. Listening starts in the constructor; {@link #close()} stops it.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    static final String INTERNAL_WINDOWS = "/internal/windows";
    private static final String API_ROUTES = "/api/routes";
    private static final String HEALTHZ = "/healthz";
    private static final String READYZ = "/readyz";
    private static final String METRICS = "/metrics";
    static final String LOGIN = "/login";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    /** Inline script and style only; the page fetches nothing but this origin's API. */
    private static final String PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The sign-in page: no script at all; its one form posts to this origin. */
    private static final String SIGN_IN_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final String SIGN_IN_MESSAGE = "<!--message-->";
    /** Jetty's own threads: one acceptor, one selector, the rest answer probes and hand requests off. */
    private static final int SERVER_THREADS = 8;
    /** API work (store scans, peer calls): a few at a time; a short queue absorbs a burst of tabs. */
    private static final int API_THREADS = 4;
    private static final int API_QUEUE = 16;
    /** Prometheus scrapes: a couple of scrapers, each every few seconds. */
    private static final int SCRAPE_THREADS = 2;
    private static final int SCRAPE_QUEUE = 4;
    /** A sign-in form is one field; anything larger is not ours. */
    private static final int LOGIN_MAX_BYTES = 4096;

    private final PrometheusMeterRegistry registry;
    private final RouteQueries queries;
    private final BearerAuth auth;
    private final boolean metricsAuth;
    private final Duration requestTimeout;
    private final byte[] page;
    private final String signIn;
    private final Snapshot<byte[]> routes;
    private final Snapshot<byte[]> pageView;
    private final Snapshot<byte[]> reroutes;
    private final ExecutorService api;
    private final ExecutorService scrape;
    private final Server server;
    private final ServerConnector connector;

    /**
     * Listens at {@code address} with the other {@code http} keys at their defaults (no token): for
     * tests and tools that need the API without its guards' configuration.
     */
    public HttpApi(InetSocketAddress address, PrometheusMeterRegistry registry, RouteQueries queries, Clock clock)
            throws IOException {
        this(new AppConfig.Http(address.getPort(), address.getHostString(), null, false, AppConfig.Http.DEFAULT.requestTimeout(),
                AppConfig.Http.DEFAULT.statusCache()), registry, queries, clock);
    }

    /**
     * @param http     bind address, port (0 picks a free one: see {@link #port()}), token, timeouts, cache
     * @param registry the registry {@code /metrics} scrapes
     * @param queries  the route data behind {@code /api} and the page
     * @param clock    the server time the page measures "since" against, and the snapshots' age
     * @throws IOException when it cannot listen there (address not local, port taken)
     */
    public HttpApi(AppConfig.Http http, PrometheusMeterRegistry registry, RouteQueries queries, Clock clock)
            throws IOException {
        this.registry = registry;
        this.queries = queries;
        this.auth = http.authToken() == null ? null : new BearerAuth(http.authToken());
        this.metricsAuth = http.metricsAuth();
        this.requestTimeout = http.requestTimeout();
        this.page = resource("status.html");
        this.signIn = new String(resource("signin.html"), StandardCharsets.UTF_8);
        this.routes = new Snapshot<>(clock, http.statusCache(), now -> bytes(queries.routes()));
        this.pageView = new Snapshot<>(clock, http.statusCache(),
                now -> bytes(StatusPageView.of(now, queries.routes(), queries.recentWindows())));
        this.reroutes = new Snapshot<>(clock, http.statusCache(), now -> bytes(queries.reroutes()));
        this.api = boundedPool("model-health-api-", API_THREADS, API_QUEUE);
        this.scrape = boundedPool("model-health-scrape-", SCRAPE_THREADS, SCRAPE_QUEUE);

        QueuedThreadPool threads = new QueuedThreadPool(SERVER_THREADS, 2);
        threads.setName("model-health-http");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        this.server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        // Jetty reuses a connection's parsed header fields when a later one matches ignoring case: an
        // Authorization header with the token in other case would then pass as the cached right one.
        config.setHeaderCacheCaseSensitive(true);
        // Route ids may hold an encoded slash or an empty segment; RoutePaths decides, on the raw path.
        config.setUriCompliance(UriCompliance.DEFAULT.with("model-health", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        // 0.0.0.0 means every interface, IPv6 as well: Jetty's wildcard, not the IPv4-only address.
        connector.setHost(http.host().equals("0.0.0.0") ? null : http.host());
        connector.setPort(http.port());
        connector.setIdleTimeout(requestTimeout.toMillis());
        connector.addBean(new HeaderDeadline(connector.getScheduler(), requestTimeout));
        server.addConnector(connector);
        server.setHandler(new Dispatcher());
        server.setStopTimeout(0);
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IOException("cannot listen on " + http.host() + ":" + http.port() + ": " + e.getMessage(), e);
        }
        LOG.info("HTTP API listening on {}{}", address(), auth == null ? " (no http.auth-token: the API is open)" : "");
    }

    /** The port actually listened on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The address actually bound (the configured {@code http.host}; the wildcard for {@code 0.0.0.0}). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) ((ServerSocketChannel) connector.getTransport()).getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP server: {}", e.toString());
        }
        api.shutdownNow();
        scrape.shutdownNow();
    }

    // ---------------------------------------------------------------- dispatch

    /** Runs on Jetty's threads: answers the probes itself, hands everything else to a bounded pool. */
    private final class Dispatcher extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            if (path.equals(LOGIN) && auth != null) {
                login(request, response, callback);
                return true;
            }
            if (needsToken(path) && !authenticated(request)) {
                send(request, response, callback, unauthorized(request, path));
                return true;
            }
            Optional<Endpoint> endpoint = endpoint(path);
            if (endpoint.isEmpty()) {
                send(request, response, callback, error(404, "no such path: " + truncate(path)));
                return true;
            }
            String method = request.getMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(request, response, callback,
                        error(405, "method " + truncate(method) + " not allowed; use GET").header("Allow", "GET, HEAD"));
                return true;
            }
            String query = request.getHttpURI().getQuery();
            if (path.equals(HEALTHZ) || path.equals(READYZ)) {
                send(request, response, callback, answer(endpoint.get(), query));
            } else {
                handOff(path.equals(METRICS) ? scrape : api, () -> answer(endpoint.get(), query), request, response, callback);
            }
            return true;
        }
    }

    /**
     * Answers from {@code pool} within {@code http.request-timeout}: 503 when the pool is full, 503
     * when the answer takes longer (the work is then interrupted; its late answer is dropped).
     */
    private void handOff(ExecutorService pool, Supplier<Answer> work, Request request, Response response, Callback callback) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Future<?> task;
        try {
            task = pool.submit(() -> answer.complete(work.get()));
        } catch (RejectedExecutionException e) {
            send(request, response, callback, error(503, "busy: too many requests in flight; retry shortly")
                    .header("Retry-After", "1"));
            return;
        }
        Scheduler.Task timer = connector.getScheduler().schedule(() -> {
            if (answer.complete(error(503, "no answer within http.request-timeout (" + requestTimeout + ")")
                    .header("Retry-After", "1"))) {
                task.cancel(true);
            }
        }, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        answer.thenAccept(a -> {
            timer.cancel();
            send(request, response, callback, a);
        });
    }

    private Answer answer(Endpoint endpoint, String rawQuery) {
        try {
            return endpoint.answer(rawQuery);
        } catch (NotReadyException e) {
            return error(503, e.getMessage()).header("Retry-After", "1");
        } catch (RuntimeException e) {
            LOG.warn("HTTP request failed", e);
            return error(500, "internal error");
        }
    }

    /** One path's handler; the query string (raw, may be null) is its only input. */
    private interface Endpoint {
        Answer answer(String rawQuery);
    }

    private Optional<Endpoint> endpoint(String path) {
        switch (path) {
            case "/":
                return Optional.of(q -> new Answer(200, HTML, page).header("Content-Security-Policy", PAGE_CSP));
            case METRICS:
                return Optional.of(q -> new Answer(200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8)));
            case HEALTHZ:
                return Optional.of(q -> queries.alive() ? text(200, "ok") : text(503, "stream processing failed: restart me"));
            case READYZ:
                return Optional.of(q -> queries.ready() ? text(200, "ready") : text(503, "not ready: " + queries.notReadyReason()));
            case API_ROUTES:
                return Optional.of(this::routes);
            case "/api/reroutes":
                return Optional.of(q -> new Answer(200, JSON, reroutes.get()));
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

    private Answer routes(String rawQuery) {
        String view = queryParameter(rawQuery, "view");
        if (view == null) {
            return new Answer(200, JSON, routes.get());
        }
        if (view.equals("page")) {
            return new Answer(200, JSON, pageView.get());
        }
        return error(400, "unknown view '" + truncate(view) + "' (allowed: page)");
    }

    // ---------------------------------------------------------------- authentication

    /** The probes never need the token (a kubelet has none); {@code /metrics} only with {@code http.metrics-auth}. */
    private boolean needsToken(String path) {
        if (auth == null || path.equals(HEALTHZ) || path.equals(READYZ)) {
            return false;
        }
        return !path.equals(METRICS) || metricsAuth;
    }

    private boolean authenticated(Request request) {
        if (auth.acceptsHeader(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            return true;
        }
        for (HttpCookie cookie : Request.getCookies(request)) {
            if (cookie.getName().equals(BearerAuth.COOKIE) && auth.acceptsCookie(cookie.getValue())) {
                return true;
            }
        }
        return false;
    }

    /** 401: the sign-in page for the status page, JSON for the rest; RFC 6750's error code for a wrong token. */
    private Answer unauthorized(Request request, String path) {
        boolean presented = request.getHeaders().contains(HttpHeader.AUTHORIZATION);
        String challenge = "Bearer realm=\"model-health\"" + (presented ? ", error=\"invalid_token\"" : "");
        Answer answer = path.equals("/")
                ? signInPage(401, "")
                : error(401, presented ? "wrong token" : "this path needs Authorization: Bearer <http.auth-token>");
        return answer.header("WWW-Authenticate", challenge);
    }

    /**
     * {@code POST /login} with the form field {@code token}: a right token sets the session cookie
     * (HttpOnly, SameSite=Strict, Secure over HTTPS) and goes back to {@code /}; a wrong one shows the
     * form again. The body is read without blocking and is at most {@value #LOGIN_MAX_BYTES} bytes.
     */
    private void login(Request request, Response response, Callback callback) {
        if (!request.getMethod().equals("POST")) {
            send(request, response, callback, error(405, "method " + truncate(request.getMethod()) + " not allowed; use POST")
                    .header("Allow", "POST"));
            return;
        }
        // NON_BLOCKING: the check and the answer are quick, so Jetty may run them where the body arrives.
        FormFields.onFields(request, StandardCharsets.UTF_8, 2, LOGIN_MAX_BYTES, Promise.Invocable.from(NON_BLOCKING, (fields, failure) -> {
            String token = failure == null ? fields.getValue("token") : null;
            if (!auth.acceptsToken(token)) {
                send(request, response, callback, signInPage(401, "<p class=\"wrong\">Wrong token.</p>")
                        .header("WWW-Authenticate", "Bearer realm=\"model-health\""));
                return;
            }
            boolean https = request.isSecure()
                    || "https".equalsIgnoreCase(request.getHeaders().get(HttpHeader.X_FORWARDED_PROTO));
            send(request, response, callback, new Answer(303, TEXT, "signed in\n".getBytes(StandardCharsets.UTF_8))
                    .header("Location", "/")
                    .header("Set-Cookie", BearerAuth.COOKIE + "=" + auth.sessionValue()
                            + "; Path=/; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "")));
        }));
    }

    private Answer signInPage(int status, String message) {
        return new Answer(status, HTML, signIn.replace(SIGN_IN_MESSAGE, message).getBytes(StandardCharsets.UTF_8))
                .header("Content-Security-Policy", SIGN_IN_CSP);
    }

    // ---------------------------------------------------------------- responses

    /** A response not yet sent. */
    private static final class Answer {
        final int status;
        final String contentType;
        final byte[] body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Answer(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }

        Answer header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private static Answer text(int status, String body) {
        return new Answer(status, TEXT, (body + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static Answer json(int status, Object body) {
        return new Answer(status, JSON, bytes(body));
    }

    private static byte[] bytes(Object body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Answer error(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        return json(status, body);
    }

    /** Writes the answer (headers only for HEAD: Jetty drops the body and keeps Content-Length). */
    private static void send(Request request, Response response, Callback callback, Answer answer) {
        response.setStatus(answer.status);
        HttpFields.Mutable h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, answer.contentType);
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        h.put("X-Content-Type-Options", "nosniff");
        answer.headers.forEach(h::put);
        h.put(HttpHeader.CONTENT_LENGTH, answer.body.length);
        response.write(true, ByteBuffer.wrap(answer.body), callback);
    }

    private static ExecutorService boundedPool(String name, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, name + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
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

    private static byte[] resource(String name) {
        try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the classpath next to " + HttpApi.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
