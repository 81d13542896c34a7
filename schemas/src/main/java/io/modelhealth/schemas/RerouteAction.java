package io.modelhealth.schemas;

/** What a {@link RerouteCommand} asks routing services to do. */
public enum RerouteAction {
    /** Move {@code weight} of the route's traffic (less the probe share) to {@code target}. */
    REROUTE,
    /** Move traffic back: {@code weight} is what still goes to the target; 0 means fully restored. */
    RESTORE
}
