package io.modelhealth.reroute;

import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.Scopes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Picks the route to move traffic to: the first route of the configured chain that is HEALTHY, IDLE
 * or not yet seen (a cold standby has no telemetry); failing that, the first DEGRADED one (it still
 * serves). Never the route itself, never one that is UNAVAILABLE, BLOCKED or RECOVERING — and since
 * every rerouted route is in one of those states, a target can never be rerouted itself: no cycles.
 *
 * <p>For a scope (a region, a tenant), a candidate must also be fit in that scope, where the fleet has
 * seen it there. Model families (config {@code families}: one model served by several providers)
 * change the order: for an availability outage the same model elsewhere is the best fallback and is
 * tried first; for a policy block it is skipped — a ban or a withdrawal usually reaches every
 * provider of the model — unless its own live traffic (in the scope, for a scope) shows it HEALTHY.
 */
public final class FallbackChooser {

    /** What the choice is for: the scope being moved, the cause, and the failing route's family. */
    public record Need(Map<String, String> scope, String incidentClass, Collection<String> family) {
        public static final Need ROUTE = new Need(Map.of(), null, List.of());

        public Need {
            scope = scope == null ? Map.of() : scope;
            family = family == null ? List.of() : family;
        }

        boolean policy() {
            return OutcomeClass.POLICY_BLOCK.wireName().equals(incidentClass);
        }
    }

    private FallbackChooser() {
    }

    /** The target, or null when no route of the chain is fit to take traffic. Suspect routes are fit. */
    public static String choose(String route, List<String> chain, FleetView fleet) {
        return choose(route, chain, fleet, true, Need.ROUTE);
    }

    /** As {@link #choose(String, List, FleetView, boolean, Need)} for a route-wide need with no family. */
    public static String choose(String route, List<String> chain, FleetView fleet, boolean allowSuspect) {
        return choose(route, chain, fleet, allowSuspect, Need.ROUTE);
    }

    /**
     * The target, or null when no route of the chain is fit to take traffic.
     *
     * @param allowSuspect false: a route with fresh errors that no rule has judged yet is not fit either
     */
    public static String choose(String route, List<String> chain, FleetView fleet, boolean allowSuspect, Need need) {
        String degraded = null;
        for (String candidate : ordered(chain, need)) {
            if (candidate.equals(route)) {
                continue;
            }
            String inScope = Scopes.key(candidate, need.scope());
            if (!allowSuspect && (fleet.suspect(candidate) || (!need.scope().isEmpty() && fleet.suspect(inScope)))) {
                continue;
            }
            if (need.policy() && need.family().contains(candidate) && !provenHealthy(candidate, inScope, need, fleet)) {
                continue;
            }
            HealthState scoped = need.scope().isEmpty() ? null : fleet.stateOf(inScope);
            if (scoped != null && (scoped.isUnhealthy() || scoped == HealthState.RECOVERING)) {
                continue;
            }
            HealthState s = fleet.stateOf(candidate);
            boolean scopedDegraded = scoped == HealthState.DEGRADED;
            if ((s == null || s == HealthState.HEALTHY || s == HealthState.IDLE) && !scopedDegraded) {
                return candidate;
            }
            if ((s == null || s == HealthState.HEALTHY || s == HealthState.IDLE || s == HealthState.DEGRADED) && degraded == null) {
                degraded = candidate;
            }
        }
        return degraded;
    }

    /** True while {@code target} may keep the traffic it already has (in the scope, if any). */
    public static boolean stillFit(String target, FleetView fleet) {
        return stillFit(target, Map.of(), fleet);
    }

    public static boolean stillFit(String target, Map<String, String> scope, FleetView fleet) {
        HealthState s = fleet.stateOf(target);
        if (s != null && s.isUnhealthy()) {
            return false;
        }
        HealthState scoped = scope == null || scope.isEmpty() ? null : fleet.stateOf(Scopes.key(target, scope));
        return scoped == null || !scoped.isUnhealthy();
    }

    /** The chain, with the failing route's family first for an availability outage (stable otherwise). */
    private static List<String> ordered(List<String> chain, Need need) {
        if (need.family().isEmpty() || need.policy()) {
            return chain;
        }
        List<String> first = new ArrayList<>(chain.size());
        List<String> rest = new ArrayList<>(chain.size());
        for (String c : chain) {
            (need.family().contains(c) ? first : rest).add(c);
        }
        first.addAll(rest);
        return first;
    }

    /** The same model on another provider, under a policy block: only on the evidence of its own live traffic. */
    private static boolean provenHealthy(String candidate, String inScope, Need need, FleetView fleet) {
        if (fleet.stateOf(candidate) != HealthState.HEALTHY || fleet.suspect(candidate)) {
            return false;
        }
        return need.scope().isEmpty() || (fleet.stateOf(inScope) == HealthState.HEALTHY && !fleet.suspect(inScope));
    }
}
