package io.modelhealth.http;

import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import java.util.List;

/**
 * One route as {@code GET /api/routes/{provider}/{model}} shows it.
 *
 * @param status           the route's latest {@code model.health.state.v1} record
 * @param reroute          the active reroute, null when traffic is not moved
 * @param recentWindows    the route's recent time buckets, oldest first (empty when unavailable)
 * @param windowsAvailable false when the instance hosting the route could not be asked (the
 *                         windows live in that instance's local store); the state is still exact
 */
public record RouteDetail(RouteStatus status, ActiveReroute reroute, List<HealthWindow> recentWindows,
                          boolean windowsAvailable) {

    public RouteDetail {
        recentWindows = List.copyOf(recentWindows);
    }

    /** A detail whose windows could not be had. */
    public static RouteDetail withoutWindows(RouteStatus status) {
        return new RouteDetail(status, ActiveReroute.of(status), List.of(), false);
    }

    public static RouteDetail of(RouteStatus status, List<HealthWindow> windows) {
        return new RouteDetail(status, ActiveReroute.of(status), windows, true);
    }
}
