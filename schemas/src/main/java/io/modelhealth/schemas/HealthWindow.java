package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * {@code model.health.window.v1}: one route's calls in one tumbling time bucket, by outcome class.
 * Emitted when the bucket closes (its end plus the grace period has passed in event time); a late
 * re-emission of the same window carries the full totals, so the last record for a window wins.
 *
 * @param route        route id
 * @param provider     provider of the route
 * @param model        model of the route
 * @param windowStart  inclusive start
 * @param windowEnd    exclusive end
 * @param calls        all calls in the window
 * @param byClass      calls per outcome class; every class is present, zero when none
 * @param latencyP50Ms median end-to-end latency, null when there were no calls
 * @param latencyP95Ms 95th percentile latency, null when there were no calls
 * @param latencyP99Ms 99th percentile latency, null when there were no calls
 * @param lateCalls    calls that arrived after the window was first emitted (included in the counts), null when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthWindow(
        String route,
        String provider,
        String model,
        Instant windowStart,
        Instant windowEnd,
        long calls,
        Map<OutcomeClass, Long> byClass,
        Double latencyP50Ms,
        Double latencyP95Ms,
        Double latencyP99Ms,
        Long lateCalls) {

    public HealthWindow(String route, String provider, String model, Instant windowStart, Instant windowEnd, long calls,
                        Map<OutcomeClass, Long> byClass, Double latencyP50Ms, Double latencyP95Ms, Double latencyP99Ms) {
        this(route, provider, model, windowStart, windowEnd, calls, byClass, latencyP50Ms, latencyP95Ms, latencyP99Ms, null);
    }
}
