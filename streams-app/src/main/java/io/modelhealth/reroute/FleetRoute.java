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

    /** Null while no alert is open: most routes never have one, and an empty map per route and scope adds up. */
    Map<String, OpenAlert> openAlerts;
    String publishedSignature;

    FleetRoute() {
    }

    FleetRoute(String route) {
        this.route = route;
    }

    /** The open alerts, by name; empty when none. Removing through its iterator is allowed. */
    Map<String, OpenAlert> alerts() {
        return openAlerts == null ? java.util.Collections.emptyMap() : openAlerts;
    }

    void openAlert(String name, OpenAlert alert) {
        if (openAlerts == null) {
            openAlerts = new LinkedHashMap<>();
        }
        openAlerts.put(name, alert);
    }

    /** After a read from the store: the shared copies of its strings, no empty alert map. */
    void compact() {
        if (openAlerts != null && openAlerts.isEmpty()) {
            openAlerts = null;
        }
        route = route.intern();
        if (verdict != null) {
            verdict = verdict.interned();
        }
        if (publishedSignature != null) {
            publishedSignature = publishedSignature.intern();
        }
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
