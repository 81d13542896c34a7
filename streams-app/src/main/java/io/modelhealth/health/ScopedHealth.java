package io.modelhealth.health;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.Scopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A route and its scopes (README "Scoped health"): every call is judged by {@link RouteHealth} in
 * the scope of each configured dimension it carries ({@code region=eu-west-1}, {@code tenant=search})
 * and by the route as a whole. Plain Java, no Kafka.
 *
 * <p>The hierarchy decides which unit fails:
 * <ul>
 *   <li>a scope is <em>failing</em> while it is unhealthy or suspect (a fresh policy refusal or error
 *       burst, see {@link RouteHealth#failingUntil});</li>
 *   <li>while the failing scopes of a dimension are no more than {@code scopes.route-wide-share} of its
 *       active ones, their calls are left out of the route's own judgement (and of the scopes of later
 *       dimensions): a region refused on every call fails alone, and chance runs of its refusals cannot
 *       block the whole route;</li>
 *   <li>when more of them fail, nothing is left out: the route is judged on all its traffic and fails
 *       as a whole, as before.</li>
 * </ul>
 * Scopes are bounded: at most {@code scopes.max-per-route} per route and dimension; calls of further
 * values are judged with the route only (and counted, {@link HealthOutputs#scopeFolded}). A scope's
 * outputs are its verdicts only: windows, anomalies and the late and detection counts stay the route's.
 */
public final class ScopedHealth {

    /** A scope quiet this long (event time) and healthy is forgotten: its slot is free for another value. */
    static final long FORGET_SCOPE_AFTER_MS = Duration.ofHours(1).toMillis();

    /** The states of a route's units, as the caller stores them. */
    public interface Units {
        /** The unit's state, or null when it has none yet. */
        RouteState get(String key);

        /** The unit's state changed: it must be written. */
        void put(RouteState state);

        /** The unit is forgotten. */
        void remove(String key);
    }

    private final RouteHealth engine;
    private final List<String> dimensions;
    private final int maxPerRoute;
    private final double routeWideShare;
    private final long activeMs;

    public ScopedHealth(AppConfig config, RouteHealth engine) {
        this.engine = engine;
        // With route-includes-region every route is one region already: region scopes would repeat it.
        this.dimensions = config.telemetry().routeIncludesRegion()
                ? config.scopes().dimensions().stream().filter(d -> !d.equals("region")).toList()
                : config.scopes().dimensions();
        this.maxPerRoute = config.scopes().maxPerRoute();
        this.routeWideShare = config.scopes().routeWideShare();
        this.activeMs = config.detection().idleAfter().toMillis();
    }

    public RouteHealth engine() {
        return engine;
    }

    /**
     * One call of {@code route}: judged in its scopes, then by the route unless the hierarchy leaves it out.
     * Returns false when the call was too late to count.
     */
    public boolean onCall(RouteState route, Units units, LlmCall call, OutcomeClass cls, long ts, HealthOutputs out) {
        if (dimensions.isEmpty()) {
            return engine.onCall(route, call, cls, ts, out);
        }
        List<String> keys = new ArrayList<>(dimensions.size());
        boolean leftOut = false;
        for (String dim : dimensions) {
            String value = valueOf(call, dim);
            if (!Scopes.isValidValue(value)) {
                continue;
            }
            String key = dim + "=" + value;
            RouteState.ScopeMark mark = route.scopes == null ? null : route.scopes.get(key);
            if (mark == null) {
                if (count(route, dim) >= maxPerRoute) {
                    out.scopeFolded(route.route, dim);
                    continue;
                }
                if (route.scopes == null) {
                    route.scopes = new LinkedHashMap<>();
                }
                mark = new RouteState.ScopeMark();
                route.scopes.put(key, mark);
            }
            String unitKey = route.route + Scopes.SEPARATOR + key;
            RouteState scope = units.get(unitKey);
            if (scope == null) {
                scope = engine.newScopeState(route.route, route.provider, route.model, dim, value);
            }
            if (!leftOut) {
                engine.onCall(scope, call, cls, ts, verdictsOnly(out));
                units.put(scope);
            }
            mark.lastCallAt = Math.max(mark.lastCallAt, ts);
            mark.failingUntil = engine.failingUntil(scope);
            keys.add(key);
            // A failing scope of this dimension keeps its calls from the scopes of later ones, and from the route.
            leftOut = leftOut || failingAlone(route, key, ts);
        }
        // Left-out calls still count in the route's windows (and keep it from looking idle); its rules skip them.
        return engine.onCall(route, call, cls, ts, !leftOut, out);
    }

    /**
     * A clock tick for one unit. A scope's tick updates what its route knows of it; a healthy scope quiet
     * for an hour is forgotten (its state removed, its slot freed).
     */
    public void onTick(RouteState unit, Units units, long now, HealthOutputs out) {
        if (unit.scopeDim == null) {
            engine.onTick(unit, now, out);
            return;
        }
        engine.onTick(unit, now, verdictsOnly(out));
        RouteState route = units.get(unit.route);
        if (route == null || route.scopes == null) {
            return;
        }
        String key = unit.scopeDim + "=" + unit.scopeValue;
        RouteState.ScopeMark mark = route.scopes.get(key);
        if (mark == null) {
            return;
        }
        long failing = engine.failingUntil(unit);
        boolean quiet = unit.lastCallAt == Long.MIN_VALUE || now - unit.lastCallAt > FORGET_SCOPE_AFTER_MS;
        if (quiet && failing == Long.MIN_VALUE) {
            route.scopes.remove(key);
            if (route.scopes.isEmpty()) {
                route.scopes = null;
            }
            units.put(route);
            units.remove(unit.key());
        } else if (failing != mark.failingUntil) {
            mark.failingUntil = failing;
            units.put(route);
        }
    }

    /** True while the scope is failing and its dimension's failing scopes are a minority of its active ones. */
    boolean failingAlone(RouteState route, String key, long now) {
        RouteState.ScopeMark mark = route.scopes.get(key);
        if (mark == null || mark.failingUntil <= now) {
            return false;
        }
        String prefix = key.substring(0, key.indexOf('=') + 1);
        int active = 0;
        int failing = 0;
        for (Map.Entry<String, RouteState.ScopeMark> e : route.scopes.entrySet()) {
            RouteState.ScopeMark m = e.getValue();
            if (!e.getKey().startsWith(prefix) || m.lastCallAt == Long.MIN_VALUE || now - m.lastCallAt > activeMs) {
                continue;
            }
            active++;
            if (m.failingUntil > now) {
                failing++;
            }
        }
        return active > 0 && failing <= routeWideShare * active;
    }

    /** The unit keys of a route's scopes ({@code route|field=value}). */
    public static List<String> scopeKeys(RouteState route) {
        if (route.scopes == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(route.scopes.size());
        for (Iterator<String> it = route.scopes.keySet().iterator(); it.hasNext(); ) {
            keys.add(route.route + Scopes.SEPARATOR + it.next());
        }
        return keys;
    }

    private static int count(RouteState route, String dim) {
        if (route.scopes == null) {
            return 0;
        }
        int n = 0;
        for (String k : route.scopes.keySet()) {
            if (k.startsWith(dim) && k.charAt(dim.length()) == '=') {
                n++;
            }
        }
        return n;
    }

    static String valueOf(LlmCall call, String dim) {
        return switch (dim) {
            case "region" -> call.region();
            case "tenant" -> call.tenant();
            default -> null;
        };
    }

    private static HealthOutputs verdictsOnly(HealthOutputs out) {
        return new HealthOutputs() {
            @Override
            public void window(HealthWindow window, long timestamp) {
            }

            @Override
            public void anomaly(Anomaly anomaly, long timestamp) {
            }

            @Override
            public void state(RouteStatus status, long timestamp) {
            }

            @Override
            public void command(RerouteCommand command, long timestamp) {
            }

            @Override
            public void alert(Alert alert, long timestamp) {
            }

            @Override
            public void verdict(RouteVerdict verdict, long timestamp) {
                out.verdict(verdict, timestamp);
            }
        };
    }
}
