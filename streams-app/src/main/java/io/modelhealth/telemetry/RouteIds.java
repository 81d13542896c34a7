package io.modelhealth.telemetry;

import io.modelhealth.schemas.LlmCall;

/** Route ids: {@code provider/model}, or {@code provider/model@region} when configured to include the region. */
public final class RouteIds {

    private final boolean includeRegion;

    public RouteIds(boolean includeRegion) {
        this.includeRegion = includeRegion;
    }

    public String of(LlmCall call) {
        String base = call.provider() + "/" + call.model();
        return includeRegion && call.region() != null ? base + "@" + call.region() : base;
    }

    /** The provider part of a route id. */
    public static String provider(String route) {
        int slash = route.indexOf('/');
        return slash < 0 ? route : route.substring(0, slash);
    }

    /**
     * The model part of a route id, as the route id spells it: everything after the first '/'.
     * Model ids may contain '/' and '@' themselves (hosted open models, Vertex AI's
     * {@code claude-sonnet-4@20250514}); with {@code telemetry.route-includes-region} use {@link #modelOf}.
     */
    public static String model(String route) {
        int slash = route.indexOf('/');
        return slash < 0 ? route : route.substring(slash + 1);
    }

    /** The model part of a route id made by this instance: without the {@code @region} suffix when it adds one. */
    public String modelOf(String route) {
        String rest = model(route);
        if (!includeRegion) {
            return rest;
        }
        int at = rest.lastIndexOf('@');
        return at < 0 ? rest : rest.substring(0, at);
    }
}
