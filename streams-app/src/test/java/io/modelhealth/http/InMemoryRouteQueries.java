package io.modelhealth.http;

import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/**
 * {@link RouteQueries} over maps, for HTTP tests: statuses, the windows of the routes it "hosts",
 * readiness, and an optional failure to throw from every query.
 */
final class InMemoryRouteQueries implements RouteQueries {

    private final Map<String, RouteStatus> statuses = new ConcurrentSkipListMap<>();
    private final Map<String, List<HealthWindow>> windows = new ConcurrentHashMap<>();
    private volatile String notReady;
    private volatile Supplier<RuntimeException> failure;

    InMemoryRouteQueries put(RouteStatus status) {
        statuses.put(status.route(), status);
        return this;
    }

    /** The route's windows, as if this instance hosted it. */
    InMemoryRouteQueries windows(String route, List<HealthWindow> w) {
        windows.put(route, List.copyOf(w));
        return this;
    }

    private volatile boolean alive = true;

    /** Whether the stream processing still lives (false: it failed for good). */
    InMemoryRouteQueries alive(boolean alive) {
        this.alive = alive;
        return this;
    }

    @Override
    public boolean alive() {
        return alive;
    }

    /** Not ready for the given reason; null makes it ready again. */
    InMemoryRouteQueries notReady(String reason) {
        this.notReady = reason;
        return this;
    }

    /** Every query throws what the supplier gives (null: answer normally). */
    InMemoryRouteQueries failWith(Supplier<RuntimeException> failure) {
        this.failure = failure;
        return this;
    }

    private void check() {
        Supplier<RuntimeException> f = failure;
        if (f != null) {
            throw f.get();
        }
        if (notReady != null) {
            throw new NotReadyException(notReady);
        }
    }

    @Override
    public List<RouteStatus> routes() {
        check();
        return new ArrayList<>(statuses.values());
    }

    @Override
    public Optional<RouteDetail> route(String routeId) {
        check();
        RouteStatus s = statuses.get(routeId);
        if (s == null) {
            return Optional.empty();
        }
        List<HealthWindow> w = windows.get(routeId);
        return Optional.of(w == null ? RouteDetail.withoutWindows(s) : RouteDetail.of(s, w));
    }

    @Override
    public List<ActiveReroute> reroutes() {
        check();
        List<ActiveReroute> all = new ArrayList<>();
        for (RouteStatus s : statuses.values()) {
            ActiveReroute r = ActiveReroute.of(s);
            if (r != null) {
                all.add(r);
            }
        }
        return all;
    }

    @Override
    public boolean ready() {
        return notReady == null && failure == null;
    }

    @Override
    public String notReadyReason() {
        return notReady == null ? "failing" : notReady;
    }

    @Override
    public Map<String, List<HealthWindow>> localWindows() {
        check();
        return Map.copyOf(windows);
    }
}
