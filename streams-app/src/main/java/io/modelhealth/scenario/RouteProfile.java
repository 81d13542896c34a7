package io.modelhealth.scenario;

import java.util.List;
import java.util.Objects;

/**
 * One route of a scenario on a normal day.
 *
 * @param route           route id {@code provider/model}
 * @param weight          relative share of the scenario's traffic (busier routes have more)
 * @param medianLatencyMs median end-to-end latency of a successful call
 * @param regions         regions its calls are served from, picked uniformly
 */
public record RouteProfile(String route, double weight, double medianLatencyMs, List<String> regions) {

    public RouteProfile {
        Objects.requireNonNull(route, "route");
        int slash = route.indexOf('/');
        if (slash <= 0 || slash == route.length() - 1) {
            throw new IllegalArgumentException("a route id is provider/model, got '" + route + "'");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(route + ": weight must be > 0");
        }
        if (!(medianLatencyMs > 0) || Double.isInfinite(medianLatencyMs)) {
            throw new IllegalArgumentException(route + ": median latency must be > 0");
        }
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new IllegalArgumentException(route + ": at least one region");
        }
    }

    public String provider() {
        return route.substring(0, route.indexOf('/'));
    }

    /** Everything after the first '/': a model id may itself contain '/'. */
    public String model() {
        return route.substring(route.indexOf('/') + 1);
    }
}
