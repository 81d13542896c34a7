package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * {@code override.v1}: an operator's decision about one route, which wins over automation until it
 * expires (compacted topic, keyed by route; a tombstone clears it).
 *
 * @param route         route id
 * @param pinState      force this state regardless of telemetry (null: automation decides)
 * @param reroute       {@code FORCE} (move traffic to {@code target} now), {@code FORBID} (never
 *                      reroute automatically) or null
 * @param target        fallback for {@code FORCE}; null means the first healthy route of the chain
 * @param silenceAlerts no alerts for this route while the override is active
 * @param until         expiry (required: overrides are never forever)
 * @param reason        why, for the humans reading the state and alerts
 * @param author        who wrote it (optional in the schema; the monitor stamps {@link #UNKNOWN_AUTHOR} when absent)
 * @param createdAt     when it was written
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteOverride(
        String route,
        HealthState pinState,
        String reroute,
        String target,
        boolean silenceAlerts,
        Instant until,
        String reason,
        String author,
        Instant createdAt) {

    public static final String FORCE = "FORCE";
    public static final String FORBID = "FORBID";
    /** The author the monitor stamps on an override that names none, so every applied override has one. */
    public static final String UNKNOWN_AUTHOR = "unknown";
}
