package io.modelhealth.reroute;

import io.modelhealth.schemas.HealthState;

/**
 * What one route's decision may know about the others: their last published states. Backed by a
 * global store of {@code model.health.state} in the topology, by a map in tests.
 */
public interface FleetView {

    /** The last known state of a route, or null when it has never been seen. */
    HealthState stateOf(String route);

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
