package io.modelhealth.topology;

import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RouteOverride;

/**
 * What the route processor consumes: a call, or an operator override (null override with
 * {@code isOverride} = a tombstone that clears it). Never serialized: both inputs are repartitioned
 * in their own form first, then wrapped.
 */
public record RouteEvent(LlmCall call, RouteOverride override, boolean isOverride) {

    public static RouteEvent of(LlmCall call) {
        return new RouteEvent(call, null, false);
    }

    public static RouteEvent of(RouteOverride override) {
        return new RouteEvent(null, override, true);
    }
}
