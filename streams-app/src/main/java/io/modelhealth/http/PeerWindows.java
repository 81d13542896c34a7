package io.modelhealth.http;

import com.fasterxml.jackson.core.type.TypeReference;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks other instances for the windows of routes they host, on {@link HttpApi}'s internal paths
 * ({@code GET /internal/windows[/{provider}/{model}]} on their {@code application.server}). The
 * windows live in the owning instance's local store, so this is the only way to show them
 * elsewhere. Best effort with a short timeout: a peer that does not answer means "windows
 * unavailable", never a failed request. With {@code http.auth-token} set, every instance of the app
 * has the same token and sends it to the others ({@code Authorization: Bearer}).
 */
final class PeerWindows {

    private static final Logger LOG = LoggerFactory.getLogger(PeerWindows.class);
    private static final TypeReference<List<HealthWindow>> WINDOWS = new TypeReference<>() { };
    private static final TypeReference<Map<String, List<HealthWindow>>> WINDOWS_BY_ROUTE = new TypeReference<>() { };

    /** One peer: {@code host:port} as in {@code application.server}. */
    record Peer(String host, int port) {
        URI uri(String path) {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            return URI.create("http://" + h + ":" + port + path);
        }
    }

    private final HttpClient client;
    private final Duration timeout;
    private final String token;

    /** @param token the {@code http.auth-token} the peers want, or null when they want none */
    PeerWindows(Duration timeout, String token) {
        this.timeout = timeout;
        this.token = token;
        this.client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** One route's windows from the peer that hosts it; empty when it cannot say. */
    Optional<List<HealthWindow>> route(Peer peer, String routeId) {
        try {
            HttpResponse<byte[]> response = client.send(request(peer, RoutePaths.path(HttpApi.INTERNAL_WINDOWS + "/", routeId)),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.debug("peer {} answered {} for the windows of {}", peer, response.statusCode(), routeId);
                return Optional.empty();
            }
            return Optional.of(Json.mapper().readValue(response.body(), WINDOWS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.debug("no windows of {} from peer {}: {}", routeId, peer, e.toString());
            return Optional.empty();
        }
    }

    /** The windows of every route the peers host, asked in parallel; peers that fail are left out. */
    Map<String, List<HealthWindow>> all(Collection<Peer> peers) {
        List<CompletableFuture<Map<String, List<HealthWindow>>>> calls = new ArrayList<>();
        for (Peer peer : peers) {
            calls.add(client.sendAsync(request(peer, HttpApi.INTERNAL_WINDOWS), HttpResponse.BodyHandlers.ofByteArray())
                    .thenApply(r -> {
                        if (r.statusCode() != 200) {
                            LOG.debug("peer {} answered {} for its windows", peer, r.statusCode());
                            return Map.<String, List<HealthWindow>>of();
                        }
                        try {
                            return Json.mapper().readValue(r.body(), WINDOWS_BY_ROUTE);
                        } catch (IOException e) {
                            LOG.debug("unreadable windows from peer {}: {}", peer, e.toString());
                            return Map.<String, List<HealthWindow>>of();
                        }
                    })
                    .exceptionally(e -> {
                        LOG.debug("no windows from peer {}: {}", peer, e.toString());
                        return Map.of();
                    }));
        }
        Map<String, List<HealthWindow>> all = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (CompletableFuture<Map<String, List<HealthWindow>>> call : calls) {
            try {
                all.putAll(call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                call.cancel(true);
            }
        }
        return all;
    }

    private HttpRequest request(Peer peer, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(peer.uri(path)).timeout(timeout).GET()
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }
}
