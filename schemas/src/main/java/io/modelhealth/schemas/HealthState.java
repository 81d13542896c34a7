package io.modelhealth.schemas;

/**
 * The health state of one route. {@link #UNAVAILABLE}, {@link #BLOCKED} and {@link #RECOVERING}
 * are the states in which traffic is (partly) moved away.
 */
public enum HealthState {
    HEALTHY,
    /** Warning: errors above normal but below the reroute thresholds. No reroute. */
    DEGRADED,
    /** Availability or rate-limit errors over threshold: traffic rerouted. */
    UNAVAILABLE,
    /** Policy refusals (model withdrawn, access revoked): rerouted at once, long hold-down. */
    BLOCKED,
    /** Healing: traffic moves back step by step while the probe traffic stays healthy. */
    RECOVERING,
    /** No traffic. Not an error; the last decision stays in force. */
    IDLE;

    /** True for the states in which a route is not a valid fallback target. */
    public boolean isUnhealthy() {
        return this == UNAVAILABLE || this == BLOCKED || this == RECOVERING;
    }
}
