package io.modelhealth.health;

import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.Caller;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.Scopes;
import java.util.List;
import java.util.Map;

/**
 * What one route's engine concluded at an event time, for the fleet stage: its state and why, how
 * much traffic it wants moved, and whether it looks like it is starting to fail ("suspect") before
 * any rule has tripped. Emitted only when one of these changes; {@code seq} counts a route's verdicts,
 * so the fleet stage orders verdicts of one instant the same way on every run.
 *
 * @param incident            the route is in an incident (unhealthy, or IDLE in the middle of one)
 * @param incidentClass       availability, rate_limit, policy_block or override; null outside an incident
 * @param desiredWeight       share of traffic to move: 1 while UNAVAILABLE or BLOCKED, the restore step's
 *                            weight while RECOVERING, 0 when healthy; negative = keep whatever is in force (IDLE)
 * @param desiredReason       the reason a command for that weight carries (class + rule, or recovery.step_N)
 * @param availabilitySuspect a burst of availability or rate-limit errors in the last short window
 * @param policySuspect       a policy refusal within {@code reroute.suspect-hold}
 * @param scope               the scope judged ({@code {region: eu-west-1}}), null for the route as a whole
 * @param callers             while unhealthy: who still sends calls (the blast radius), busiest first
 */
public record RouteVerdict(
        String route,
        String provider,
        String model,
        HealthState state,
        HealthState previousState,
        long since,
        String reason,
        Evidence evidence,
        boolean incident,
        String incidentClass,
        double desiredWeight,
        String desiredReason,
        RouteOverride override,
        boolean availabilitySuspect,
        boolean policySuspect,
        long seq,
        Map<String, String> scope,
        List<Caller> callers) {

    public RouteVerdict {
        scope = scope == null || scope.isEmpty() ? null : Map.copyOf(scope);
        callers = callers == null ? List.of() : List.copyOf(callers);
    }

    /** A route-wide verdict with no blast radius. */
    public RouteVerdict(String route, String provider, String model, HealthState state, HealthState previousState, long since,
                        String reason, Evidence evidence, boolean incident, String incidentClass, double desiredWeight,
                        String desiredReason, RouteOverride override, boolean availabilitySuspect, boolean policySuspect, long seq) {
        this(route, provider, model, state, previousState, since, reason, evidence, incident, incidentClass, desiredWeight,
                desiredReason, override, availabilitySuspect, policySuspect, seq, null, List.of());
    }

    /** The unit the verdict is about: the route id, or {@code route|field=value}. */
    public String key() {
        return Scopes.key(route, scope);
    }

    public boolean scoped() {
        return scope != null;
    }

    /** {@code region=eu-west-1} (fields in name order, space-separated); empty for the whole route. */
    public String scopeText() {
        if (scope == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(scope).forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    public boolean suspect() {
        return availabilitySuspect || policySuspect;
    }

    /**
     * This verdict with its strings canonical ({@link String#intern}): the fleet stage keeps the last verdict of
     * every route and scope, each read fresh off {@code fleet-events}, where provider, model, the reasons and
     * the scope's field and value repeat across thousands of them. Verdicts arrive only when something changes,
     * so this runs rarely per route.
     */
    public RouteVerdict interned() {
        Map<String, String> s = null;
        if (scope != null) {
            s = SCOPES.get(scope);
            if (s == null) {
                Map<String, String> copy = new java.util.HashMap<>();
                for (Map.Entry<String, String> e : scope.entrySet()) {
                    copy.put(e.getKey().intern(), e.getValue().intern());
                }
                s = Map.copyOf(copy);
                if (SCOPES.size() < MAX_SHARED_SCOPES) {
                    s = java.util.Objects.requireNonNullElse(SCOPES.putIfAbsent(s, s), s);
                }
            }
        }
        return new RouteVerdict(intern(route), intern(provider), intern(model), state, previousState, since, intern(reason), evidence,
                incident, intern(incidentClass), desiredWeight, intern(desiredReason), override, availabilitySuspect, policySuspect,
                seq, s, callers);
    }

    /**
     * One copy of each scope ({@code region=eu-west-1}) for all the verdicts kept: a route's scope verdicts share their
     * field and value with thousands of other routes'. Immutable maps, so sharing is safe; bounded, beyond which a
     * verdict keeps its own.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Map<String, String>, Map<String, String>> SCOPES =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_SHARED_SCOPES = 4_096;

    private static String intern(String s) {
        return s == null ? null : s.intern();
    }

    /** The parts whose change is news for the fleet (everything but the sequence number). */
    String signature() {
        StringBuilder names = new StringBuilder();
        for (Caller c : callers) {
            appendCaller(names, c.tenant(), c.region());
        }
        return signature(state, previousState, since, reason, incident, incidentClass, desiredWeight, desiredReason, override,
                availabilitySuspect, policySuspect, names.toString());
    }

    /**
     * The signature of a verdict with these parts: the engine compares it with the last one it sent before it
     * makes the verdict. {@code callerNames}: who is in the blast radius, in its order, each as
     * {@link #appendCaller} writes it (not how much they call: rates change with every call).
     */
    static String signature(HealthState state, HealthState previousState, long since, String reason, boolean incident,
                            String incidentClass, double desiredWeight, String desiredReason, RouteOverride override,
                            boolean availabilitySuspect, boolean policySuspect, String callerNames) {
        return state + "|" + previousState + "|" + since + "|" + reason + "|" + incident + "|" + incidentClass + "|"
                + desiredWeight + "|" + desiredReason + "|" + override + "|" + availabilitySuspect + "|" + policySuspect + "|"
                + callerNames;
    }

    static void appendCaller(StringBuilder b, String tenant, String region) {
        b.append(tenant).append('@').append(region).append(',');
    }
}
