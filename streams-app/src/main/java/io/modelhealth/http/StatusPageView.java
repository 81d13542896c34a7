package io.modelhealth.http;

import io.modelhealth.schemas.Caller;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.ScopeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the status page polls ({@code GET /api/routes?view=page}): every route's state record
 * flattened, plus its error ratio, call count and latency p95 from its recent windows, plus the
 * server's clock so the page shows "since" relative to the server, not to the browser's clock.
 *
 * <pre>
 * {"now": "...", "counts": {"BLOCKED": 1, ...},
 *  "routes": [{"route": "anthropic/claude-fable-5", "state": "BLOCKED", "since": "...", "reason": "...",
 *              "reroute_target": "openai/gpt-5", "reroute_weight": 1.0, "calls": 40, "error_ratio": 0.75,
 *              "stats_window_seconds": 60, "latency_p95_ms": 812.0, "windows_available": true}, ...]}
 * </pre>
 *
 * @param now    server time of the answer
 * @param counts routes per state (every state present, zero when none)
 * @param routes one row per route, in route order (the page sorts by severity)
 */
record StatusPageView(Instant now, Map<HealthState, Integer> counts, List<Row> routes) {

    /** How far back (from a route's newest window) the error ratio and call count reach. */
    static final long STATS_WINDOW_SECONDS = 60;

    /**
     * One route on the page.
     *
     * @param calls              calls in the stats window, null when the windows are unavailable
     * @param errorRatio         share of those calls that count against the model (availability, rate
     *                           limit, policy block); null without calls
     * @param latencyP95Ms       p95 latency of the newest window that has one (the open bucket), or null
     * @param windowsAvailable   false when the instance hosting the route could not be asked
     * @param family             the route's model family, or null
     * @param scopes             its scopes (regions, tenants) that are not healthy, with their reroutes and blast radius
     * @param blastRadius        while the route is unhealthy: who still calls it
     */
    record Row(String route, String provider, String model, HealthState state, HealthState previousState,
               Instant since, String reason, String override, String rerouteTarget, Double rerouteWeight,
               Long calls, Double errorRatio, long statsWindowSeconds, Double latencyP95Ms, boolean windowsAvailable,
               String family, List<ScopeStatus> scopes, List<Caller> blastRadius) {
    }

    static StatusPageView of(Instant now, List<RouteStatus> statuses, Map<String, List<HealthWindow>> windows) {
        Map<HealthState, Integer> counts = new EnumMap<>(HealthState.class);
        for (HealthState s : HealthState.values()) {
            counts.put(s, 0);
        }
        List<Row> rows = new ArrayList<>(statuses.size());
        for (RouteStatus s : statuses) {
            if (s.state() != null) {
                counts.merge(s.state(), 1, Integer::sum);
            }
            rows.add(row(s, windows.get(s.route())));
        }
        return new StatusPageView(now, counts, rows);
    }

    private static Row row(RouteStatus s, List<HealthWindow> windows) {
        Long calls = null;
        Double ratio = null;
        Double p95 = null;
        if (windows != null) {
            Instant newest = null;
            for (HealthWindow w : windows) {
                if (w.windowEnd() != null && (newest == null || w.windowEnd().isAfter(newest))) {
                    newest = w.windowEnd();
                }
            }
            long total = 0;
            long errors = 0;
            Instant newestP95 = null;
            for (HealthWindow w : windows) {
                if (newest == null || w.windowEnd() == null
                        || !w.windowEnd().isAfter(newest.minusSeconds(STATS_WINDOW_SECONDS))) {
                    continue;
                }
                total += w.calls();
                if (w.byClass() != null) {
                    for (Map.Entry<OutcomeClass, Long> e : w.byClass().entrySet()) {
                        if (e.getKey().countsAgainstModel() && e.getValue() != null) {
                            errors += e.getValue();
                        }
                    }
                }
                if (w.latencyP95Ms() != null && (newestP95 == null || w.windowEnd().isAfter(newestP95))) {
                    newestP95 = w.windowEnd();
                    p95 = w.latencyP95Ms();
                }
            }
            calls = total;
            ratio = total == 0 ? null : (double) errors / total;
        }
        return new Row(s.route(), s.provider(), s.model(), s.state(), s.previousState(), s.since(), s.reason(),
                s.override(), s.rerouteTarget(), s.rerouteWeight(), calls, ratio, STATS_WINDOW_SECONDS, p95,
                windows != null, s.family(), s.scopes(), s.blastRadius());
    }
}
