package io.modelhealth.health;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;

/**
 * Where the engine's decisions go. The topology forwards each to its topic with the given event
 * time as the record timestamp; tests collect them in a list.
 */
public interface HealthOutputs {

    void window(HealthWindow window, long timestamp);

    void anomaly(Anomaly anomaly, long timestamp);

    void state(RouteStatus status, long timestamp);

    void command(RerouteCommand command, long timestamp);

    void alert(Alert alert, long timestamp);

    /** A route's verdict changed: for the fleet stage, which issues commands, state records and incident alerts. */
    default void verdict(RouteVerdict verdict, long timestamp) {
    }

    /** A call arrived further behind the route's time than the lateness bound ({@code windows.grace}). Counted, not used. */
    default void late(String route) {
    }

    /** After each fleet decision: whether the route's reroute is held by the panic guard, or finds no fallback. */
    default void held(String route, boolean panicGuard, boolean noFallback) {
    }

    /** A call's value of a scope dimension found the route's scopes full: it is judged with the route only. */
    default void scopeFolded(String route, String dimension) {
    }

    /** A scope of a route changed state (for its gauge). */
    default void scopeState(String route, String scope, io.modelhealth.schemas.HealthState state) {
    }

    /** First bad call → decision, in seconds of event time. */
    default void detected(String route, String rule, double seconds) {
    }
}
