package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.config.AppConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What guards {@link HttpApi} beyond its endpoints: the bind address ({@code http.host}), the
 * request timeout against slow clients and slow answers ({@code http.request-timeout}), probes that
 * no API load can starve, and the status cache ({@code http.status-cache}). The token is
 * {@link HttpAuthTest}'s.
 */
class HttpGuardsTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- http.host

    @Test
    void bindsTheConfiguredHostOnly() throws Exception {
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, LONG, Duration.ZERO), Fleet.duringIncident(),
                Clock.systemUTC());
        assertThat(api.address().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(get(api, "/healthz").statusCode()).isEqualTo(200);

        // Another address of this host, when it has one, does not answer.
        Optional<InetAddress> other = otherLocalAddress();
        if (other.isPresent()) {
            try (Socket s = new Socket()) {
                assertThat(connects(s, new InetSocketAddress(other.get(), api.port()))).as("connect to %s", other.get()).isFalse();
            }
        }
    }

    @Test
    void theDefaultHostIsEveryInterface() throws Exception {
        HttpApi api = start(AppConfig.Http.DEFAULT.withPort(0), Fleet.duringIncident(), Clock.systemUTC());
        assertThat(api.address().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(get(api, "/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void anAddressThatIsNotThisHostsFailsAtStartNamingIt() {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this host.
        assertThatThrownBy(() -> start(new AppConfig.Http(0, "192.0.2.1", null, false, LONG, Duration.ZERO),
                Fleet.duringIncident(), Clock.systemUTC()))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot listen on 192.0.2.1:0");
    }

    // ---------------------------------------------------------------- http.request-timeout

    @Test
    void aClientThatTricklesItsHeadersIsDisconnected() throws Exception {
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, Duration.ofSeconds(1), Duration.ZERO),
                Fleet.duringIncident(), Clock.systemUTC());
        try (Socket loris = new Socket("127.0.0.1", api.port())) {
            OutputStream out = loris.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicBoolean dropped = new AtomicBoolean();
            Thread reader = new Thread(() -> dropped.set(readsToEnd(loris)), "loris-reader");
            reader.setDaemon(true);
            reader.start();
            // One byte every 200 ms: never idle for the 1 s idle timeout, yet the head never completes.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    out.write('x');
                    out.flush();
                } catch (IOException e) {
                    return true;
                }
                return dropped.get();
            });
        }
        // Nothing held: the next client is served.
        assertThat(get(api, "/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void anAnswerSlowerThanTheRequestTimeoutIsCutWith503() throws Exception {
        GatedRouteQueries queries = new GatedRouteQueries(Fleet.duringIncident()).close();
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, Duration.ofMillis(300), Duration.ZERO), queries,
                Clock.systemUTC());
        try {
            for (String path : List.of("/api/routes/anthropic/claude-fable-5", "/api/routes?view=page", "/internal/windows")) {
                HttpResponse<String> r = get(api, path);
                assertThat(r.statusCode()).as(path).isEqualTo(503);
                assertThat(r.body()).as(path).contains("no answer within http.request-timeout (PT0.3S)");
                assertThat(r.headers().firstValue("Retry-After")).as(path).hasValue("1");
            }
        } finally {
            queries.open();
        }
        // The cut work was interrupted: its threads are free again.
        await().atMost(Duration.ofSeconds(10)).until(() -> queries.waiting() == 0);
        assertThat(get(api, "/api/routes/anthropic/claude-fable-5").statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- probes

    @Test
    void probesAndScrapesAnswerWhileTheApiIsSaturated() throws Exception {
        GatedRouteQueries queries = new GatedRouteQueries(Fleet.duringIncident()).close();
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, LONG, Duration.ZERO), queries, Clock.systemUTC());
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                flood.add(client.sendAsync(HttpRequest.newBuilder(uri(api, "/api/routes/anthropic/claude-fable-5")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            // Every API thread is stuck on a store (or peer) that does not answer.
            await().atMost(Duration.ofSeconds(20)).until(() -> queries.waiting() >= 4);

            for (int i = 0; i < 20; i++) {
                assertThat(get(api, "/healthz").statusCode()).isEqualTo(200);
                assertThat(get(api, "/readyz").statusCode()).isEqualTo(200);
            }
            assertThat(get(api, "/metrics").statusCode()).isEqualTo(200);
        } finally {
            queries.open();
        }
        // What did not fit the pool and its queue was refused at once, not queued without bound.
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> r : flood) {
            HttpResponse<String> response = r.get();
            statuses.add(response.statusCode());
            if (response.statusCode() == 503) {
                assertThat(response.body()).contains("busy");
            }
        }
        assertThat(statuses).containsOnly(200, 503);
        assertThat(statuses.stream().filter(s -> s == 503).count()).isGreaterThanOrEqualTo(60 - 4 - 16);
    }

    // ---------------------------------------------------------------- http.status-cache

    @Test
    void manyTabsWithinTheCachePeriodCostOneScanAndOneRoundOfPeerCalls() throws Exception {
        GatedRouteQueries queries = new GatedRouteQueries(Fleet.duringIncident());
        MutableClock clock = new MutableClock(Fleet.NOW);
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, LONG, Duration.ofSeconds(2)), queries, clock);

        List<CompletableFuture<HttpResponse<String>>> tabs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tabs.add(client.sendAsync(HttpRequest.newBuilder(uri(api, "/api/routes?view=page")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        String first = null;
        for (CompletableFuture<HttpResponse<String>> tab : tabs) {
            HttpResponse<String> r = tab.get();
            assertThat(r.statusCode()).isEqualTo(200);
            first = first == null ? r.body() : first;
            assertThat(r.body()).isEqualTo(first);
        }
        assertThat(queries.windowFetches()).isEqualTo(1);
        assertThat(queries.scans()).isEqualTo(1);

        for (int i = 0; i < 10; i++) {
            assertThat(get(api, "/api/routes").statusCode()).isEqualTo(200);
            assertThat(get(api, "/api/reroutes").statusCode()).isEqualTo(200);
        }
        assertThat(queries.scans()).isEqualTo(3);

        // Within the period: still the snapshot. At its end: one new one.
        clock.advance(Duration.ofMillis(1999));
        get(api, "/api/routes?view=page");
        assertThat(queries.windowFetches()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        HttpResponse<String> fresh = get(api, "/api/routes?view=page");
        assertThat(queries.windowFetches()).isEqualTo(2);
        assertThat(fresh.body()).contains("\"now\":\"" + Fleet.NOW.plusSeconds(2) + "\"");
    }

    @Test
    void aZeroCacheAsksEveryTime() throws Exception {
        GatedRouteQueries queries = new GatedRouteQueries(Fleet.duringIncident());
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, LONG, Duration.ZERO), queries,
                Clock.fixed(Fleet.NOW, ZoneOffset.UTC));
        for (int i = 0; i < 5; i++) {
            assertThat(get(api, "/api/routes?view=page").statusCode()).isEqualTo(200);
        }
        assertThat(queries.windowFetches()).isEqualTo(5);
    }

    @Test
    void aFailedScanIsNotCached() throws Exception {
        InMemoryRouteQueries fleet = Fleet.duringIncident().notReady("rebalancing");
        GatedRouteQueries queries = new GatedRouteQueries(fleet);
        HttpApi api = start(new AppConfig.Http(0, "127.0.0.1", null, false, LONG, Duration.ofSeconds(2)), queries,
                Clock.fixed(Fleet.NOW, ZoneOffset.UTC));
        assertThat(get(api, "/api/routes").statusCode()).isEqualTo(503);
        fleet.notReady(null);
        assertThat(get(api, "/api/routes").statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- helpers

    private HttpApi start(AppConfig.Http http, RouteQueries queries, Clock clock) throws IOException {
        HttpApi api = new HttpApi(http, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), queries, clock);
        open.add(api);
        return api;
    }

    private HttpResponse<String> get(HttpApi api, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(api, path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(HttpApi api, String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }

    /** Reads until the server closes the connection; true when it did (end of stream or reset). */
    private static boolean readsToEnd(Socket socket) {
        try (InputStream in = socket.getInputStream()) {
            while (in.read() >= 0) {
                // an error response before the close is fine too: the connection still goes
            }
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    static boolean connects(Socket socket, InetSocketAddress address) throws IOException {
        try {
            socket.connect(address, 2000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    /** A non-loopback IPv4 address of this host, if it has one. */
    static Optional<InetAddress> otherLocalAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** A clock the test moves. */
    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
