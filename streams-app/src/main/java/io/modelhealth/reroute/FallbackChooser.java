package io.modelhealth.reroute;

import io.modelhealth.schemas.HealthState;
import java.util.List;

/**
 * Picks the route to move traffic to: the first route of the configured chain that is HEALTHY, IDLE
 * or not yet seen (a cold standby has no telemetry); failing that, the first DEGRADED one (it still
 * serves). Never the route itself, never one that is UNAVAILABLE, BLOCKED or RECOVERING — and since
 * every rerouted route is in one of those states, a target can never be rerouted itself: no cycles.
 */
public final class FallbackChooser {

    private FallbackChooser() {
    }

    /** The target, or null when no route of the chain is fit to take traffic. Suspect routes are fit. */
    public static String choose(String route, List<String> chain, FleetView fleet) {
        return choose(route, chain, fleet, true);
    }

    /**
     * The target, or null when no route of the chain is fit to take traffic.
     *
     * @param allowSuspect false: a route with fresh errors that no rule has judged yet is not fit either
     */
    public static String choose(String route, List<String> chain, FleetView fleet, boolean allowSuspect) {
        String degraded = null;
        for (String candidate : chain) {
            if (candidate.equals(route) || (!allowSuspect && fleet.suspect(candidate))) {
                continue;
            }
            HealthState s = fleet.stateOf(candidate);
            if (s == null || s == HealthState.HEALTHY || s == HealthState.IDLE) {
                return candidate;
            }
            if (s == HealthState.DEGRADED && degraded == null) {
                degraded = candidate;
            }
        }
        return degraded;
    }

    /** True while {@code target} may keep the traffic it already has. */
    public static boolean stillFit(String target, FleetView fleet) {
        HealthState s = fleet.stateOf(target);
        return s == null || !s.isUnhealthy();
    }
}
