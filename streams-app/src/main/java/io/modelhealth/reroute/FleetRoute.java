package io.modelhealth.reroute;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.modelhealth.health.OpenAlert;
import io.modelhealth.health.RouteVerdict;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the fleet stage remembers about one route: its latest {@link RouteVerdict} and what the
 * automation did about it — the reroute in force, its epoch, whether it is held, the route's open
 * incident alerts, and when it must be looked at again. Mutable; owned by {@link FleetDecider}.
 * Times are event-time epoch millis.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class FleetRoute {

    String route;
    RouteVerdict verdict;

    String target;
    double weight;
    String rerouteReason;
    long epoch;
    long lastIssuedAt = Long.MIN_VALUE;
    boolean noFallback;
    boolean panicHeld;
    /** Since when the route has wanted a target it could not get without taking a suspect one. */
    long waitingSince = Long.MIN_VALUE;
    /** When the route must next be reconciled (Long.MIN_VALUE: not scheduled). */
    long dueAt = Long.MIN_VALUE;

    Map<String, OpenAlert> openAlerts = new LinkedHashMap<>();
    String publishedSignature;

    FleetRoute() {
    }

    FleetRoute(String route) {
        this.route = route;
    }

    public String route() {
        return route;
    }

    public RouteVerdict verdict() {
        return verdict;
    }

    public String target() {
        return target;
    }

    public double weight() {
        return weight;
    }

    public long epoch() {
        return epoch;
    }

    public boolean noFallback() {
        return noFallback;
    }

    public boolean panicHeld() {
        return panicHeld;
    }
}
