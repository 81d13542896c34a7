package io.modelhealth.backtest;

import io.modelhealth.schemas.HealthState;
import java.time.Duration;
import java.time.Instant;

/**
 * One incident of a backtest run on one route: from the decision that made it UNAVAILABLE or
 * BLOCKED to its next HEALTHY ({@link Recording#incidents()}).
 *
 * @param route       route id
 * @param state       UNAVAILABLE or BLOCKED: the state it was detected in
 * @param reason      the reason of that decision
 * @param firstError  the first failing call before the detection (null if unknown)
 * @param detectedAt  the decision's time
 * @param reroutedAt  the first REROUTE command of the incident (null: never rerouted)
 * @param target      that command's target and weight
 * @param restoredAt  the RESTORE to weight 0 (null: not restored within the input)
 * @param endedAt     back to HEALTHY (null: not within the input)
 */
public record RouteIncident(String route, HealthState state, String reason, Instant firstError, Instant detectedAt,
                            Instant reroutedAt, String target, Instant restoredAt, Instant endedAt) {

    /** First error → unhealthy decision; null when the first error is unknown. */
    public Duration timeToDetect() {
        return firstError == null ? null : Duration.between(firstError, detectedAt);
    }

    /** How long traffic was moved: first REROUTE → final RESTORE, or → {@code inputEnd} when never restored. */
    public Duration timeRerouted(Instant inputEnd) {
        if (reroutedAt == null) {
            return null;
        }
        Instant end = restoredAt != null ? restoredAt : inputEnd;
        return end == null || end.isBefore(reroutedAt) ? Duration.ZERO : Duration.between(reroutedAt, end);
    }

    /** Whether the incident's span [detected, ended] (open-ended when not ended) overlaps [from, to] (to null: open-ended). */
    public boolean overlaps(Instant from, Instant to) {
        boolean startsBeforeTheirEnd = to == null || !detectedAt.isAfter(to);
        boolean endsAfterTheirStart = endedAt == null || !endedAt.isBefore(from);
        return startsBeforeTheirEnd && endsAfterTheirStart;
    }

    static final class Builder {
        private final String route;
        private final HealthState state;
        private final String reason;
        private final Instant firstError;
        private final Instant detectedAt;
        private Instant reroutedAt;
        private String target;
        private Instant restoredAt;

        Builder(String route, HealthState state, String reason, Instant firstError, Instant detectedAt) {
            this.route = route;
            this.state = state;
            this.reason = reason;
            this.firstError = firstError;
            this.detectedAt = detectedAt;
        }

        void rerouted(Instant at, String target) {
            if (reroutedAt == null) {
                reroutedAt = at;
                this.target = target;
            }
        }

        void restored(Instant at) {
            restoredAt = at;
        }

        RouteIncident closed(Instant endedAt) {
            return new RouteIncident(route, state, reason, firstError, detectedAt, reroutedAt, target, restoredAt, endedAt);
        }
    }
}
