package io.modelhealth.http;

import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the HTTP API asks of the running monitor: route states, one route's detail, active
 * reroutes, readiness. {@link StreamsRouteQueries} answers from Kafka Streams' stores; tests use an
 * in-memory one. Implementations are called from HTTP threads concurrently.
 *
 * <p>Every query but {@link #ready()} may throw {@link NotReadyException} while the data is not
 * queryable (start-up, rebalance); the API turns that into 503.
 */
public interface RouteQueries {

    /** The latest state record of every route, in route order. */
    List<RouteStatus> routes();

    /** One route's state with its recent windows and reroute; empty when the route is unknown. */
    Optional<RouteDetail> route(String routeId);

    /** The routes whose traffic is currently moved, in route order. */
    List<ActiveReroute> reroutes();

    /** True when queries can be answered: the engine runs and its stores are queryable. */
    boolean ready();

    /**
     * False when the process should be restarted: the stream processing has failed for good
     * (Kafka Streams in ERROR). Liveness, unlike readiness, stays true while rebalancing or restoring.
     */
    default boolean alive() {
        return true;
    }

    /** Why {@link #ready()} is false, for {@code /readyz}; called only after it returned false. */
    default String notReadyReason() {
        return "not ready";
    }

    /**
     * Recent windows of every route whose windows can be had (best effort: a route whose windows are
     * unreachable is missing from the map). For the status page, which shows every route's error
     * ratio and latency; implementations should answer it with a few calls, not one per route.
     */
    default Map<String, List<HealthWindow>> recentWindows() {
        Map<String, List<HealthWindow>> all = new LinkedHashMap<>();
        for (RouteStatus s : routes()) {
            route(s.route()).filter(RouteDetail::windowsAvailable)
                    .ifPresent(d -> all.put(s.route(), d.recentWindows()));
        }
        return all;
    }

    /**
     * Recent windows of the routes this instance hosts, and only those: what peers fetch from
     * {@code /internal/windows}. Empty by default (a single instance needs no peers).
     */
    default Map<String, List<HealthWindow>> localWindows() {
        return Map.of();
    }

    /** {@link #localWindows()} for one route; empty when this instance does not host it. */
    default Optional<List<HealthWindow>> localWindows(String routeId) {
        return Optional.ofNullable(localWindows().get(routeId));
    }
}
