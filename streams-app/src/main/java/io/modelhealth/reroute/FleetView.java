package io.modelhealth.reroute;

import io.modelhealth.schemas.HealthState;

/**
 * What one route's decision may know about the others: their states and suspect signals as of the
 * decision's event time. Backed by {@link FleetDecider}, which sees every route's verdicts in order.
 */
public interface FleetView {

    /** The last known state of a route, or null when it has never been seen. */
    HealthState stateOf(String route);

    /** True while the route shows fresh errors (a policy refusal, an error burst) that no rule has judged yet. */
    default boolean suspect(String route) {
        return false;
    }

    /**
     * Counts for the panic guard over every known route except {@code exclude}: routes with traffic
     * that can be judged on availability (not IDLE, not BLOCKED), and how many of them are UNAVAILABLE.
     */
    FleetCounts availabilityCounts(String exclude);

    record FleetCounts(int active, int unavailable) {
    }

    FleetView EMPTY = new FleetView() {
        @Override
        public HealthState stateOf(String route) {
            return null;
        }

        @Override
        public FleetCounts availabilityCounts(String exclude) {
            return new FleetCounts(0, 0);
        }
    };
}
