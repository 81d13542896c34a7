package io.modelhealth.http;

import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.ScopeStatus;
import io.modelhealth.schemas.Caller;
import io.modelhealth.telemetry.RouteIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet in the middle of an incident, as the HTTP tests and the page screenshot see it: one route
 * of each state, the withdrawn model BLOCKED and rerouted, a route id with a region.
 */
final class Fleet {

    static final Instant NOW = Instant.parse("2026-11-27T03:10:00Z");
    static final String BLOCKED = "anthropic/claude-fable-5";
    static final String FALLBACK = "openai/gpt-5";
    static final String DEGRADED = "google/gemini-3-pro";
    static final String UNAVAILABLE = "aws.bedrock/anthropic.claude-v2@eu-west-1";
    static final String RECOVERING = "mistral/mistral-large-2.1";
    static final String IDLE = "cohere/command-r";
    /** HEALTHY as a whole, one region BLOCKED and rerouted on its own. */
    static final String SCOPED = "openai/gpt-5-mini";

    private Fleet() {
    }

    static InMemoryRouteQueries duringIncident() {
        InMemoryRouteQueries q = new InMemoryRouteQueries();
        q.put(status(BLOCKED, HealthState.BLOCKED, HealthState.HEALTHY, NOW.minusSeconds(130),
                "policy_block: 6 of 6 calls in 30s (403 model_not_available)", FALLBACK, 1.0, null));
        q.put(status(FALLBACK, HealthState.HEALTHY, null, NOW.minusSeconds(3 * 3600), "no errors", null, null, null));
        q.put(status(DEGRADED, HealthState.DEGRADED, HealthState.HEALTHY, NOW.minusSeconds(40),
                "availability: 4.1% errors in 1m", null, null, null));
        q.put(status(UNAVAILABLE, HealthState.UNAVAILABLE, HealthState.DEGRADED, NOW.minusSeconds(600),
                "availability: burn rate 15.2x over 5m and 1m", "openai/gpt-5", 0.5, null));
        q.put(status(RECOVERING, HealthState.RECOVERING, HealthState.UNAVAILABLE, NOW.minusSeconds(95),
                "probe traffic healthy for 60s: restoring step 2 of 4", "openai/gpt-5", 0.25,
                "forbid reroute until 04:00Z (ops-1234)"));
        q.put(status(IDLE, HealthState.IDLE, HealthState.HEALTHY, NOW.minusSeconds(26 * 3600), "no traffic", null, null, null));
        RouteStatus scoped = status(SCOPED, HealthState.HEALTHY, null, NOW.minusSeconds(3600), "no errors", null, null, null);
        q.put(new RouteStatus(scoped.route(), scoped.provider(), scoped.model(), scoped.state(), null, scoped.since(), scoped.reason(),
                scoped.evidence(), null, null, null, "cfg-1", scoped.updatedAt(), "gpt-5-mini",
                List.of(new ScopeStatus(Map.of("region", "swedencentral"), HealthState.BLOCKED, NOW.minusSeconds(60),
                        "3 consecutive policy refusals from 2 tenants (451 export_controlled)", FALLBACK, 1.0,
                        List.of(new Caller("search", "swedencentral", 120, 42.0, NOW.minusSeconds(60), NOW.minusSeconds(1))))),
                List.of()));

        q.windows(BLOCKED, List.of(
                window(BLOCKED, NOW.minusSeconds(30), 20, 0, 0, 620.0),
                window(BLOCKED, NOW.minusSeconds(20), 12, 0, 8, null),
                window(BLOCKED, NOW.minusSeconds(10), 8, 0, 8, 812.0)));
        q.windows(FALLBACK, List.of(
                window(FALLBACK, NOW.minusSeconds(90), 100, 0, 0, 400.0),   // older than the 1m stats window
                window(FALLBACK, NOW.minusSeconds(10), 50, 1, 0, 430.0)));
        q.windows(UNAVAILABLE, List.of(window(UNAVAILABLE, NOW.minusSeconds(10), 40, 30, 0, 2400.0)));
        return q;
    }

    static RouteStatus status(String route, HealthState state, HealthState previous, Instant since, String reason,
                              String target, Double weight, String override) {
        Evidence evidence = state == HealthState.IDLE ? null : new Evidence("test.rule", 30, since.minusSeconds(30), since,
                10, state == HealthState.HEALTHY ? 0 : 6, state == HealthState.HEALTHY ? 0 : 0.6, 0.5, null, "cfg-1");
        return new RouteStatus(route, RouteIds.provider(route), RouteIds.model(route), state, previous, since, reason,
                evidence, target, weight, override, "cfg-1", since);
    }

    /** A 10 s window of {@code calls} calls, {@code availability} + {@code blocked} of them failed. */
    static HealthWindow window(String route, Instant start, long calls, long availability, long blocked, Double p95) {
        Map<OutcomeClass, Long> byClass = new EnumMap<>(OutcomeClass.class);
        for (OutcomeClass c : OutcomeClass.values()) {
            byClass.put(c, 0L);
        }
        byClass.put(OutcomeClass.AVAILABILITY, availability);
        byClass.put(OutcomeClass.POLICY_BLOCK, blocked);
        byClass.put(OutcomeClass.SUCCESS, calls - availability - blocked);
        return new HealthWindow(route, RouteIds.provider(route), RouteIds.model(route), start, start.plusSeconds(10),
                calls, byClass, p95 == null ? null : p95 / 2, p95, p95 == null ? null : p95 * 1.5);
    }

    static List<String> routes() {
        return new ArrayList<>(List.of(BLOCKED, FALLBACK, DEGRADED, UNAVAILABLE, RECOVERING, IDLE, SCOPED));
    }
}
