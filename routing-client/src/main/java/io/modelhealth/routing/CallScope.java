package io.modelhealth.routing;

/**
 * The fields of a call that scoped reroute commands select on ({@code llm.call.v1} {@code region} and
 * {@code tenant}); either may be null. See {@link RerouteView#resolve(String, CallScope, String, java.time.Instant)}.
 */
public record CallScope(String region, String tenant) {

    /** A call with neither field: only route-wide commands apply to it. */
    public static final CallScope NONE = new CallScope(null, null);

    public static CallScope of(String region, String tenant) {
        return new CallScope(region, tenant);
    }

    public static CallScope region(String region) {
        return new CallScope(region, null);
    }

    public static CallScope tenant(String tenant) {
        return new CallScope(null, tenant);
    }
}
