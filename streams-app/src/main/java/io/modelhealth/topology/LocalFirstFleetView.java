package io.modelhealth.topology;

import io.modelhealth.health.RouteState;
import io.modelhealth.reroute.FleetView;
import io.modelhealth.schemas.HealthState;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The fleet as this task knows it best: a route owned by this task is read from the task's own
 * state store (its latest decision, even one taken a millisecond ago), any other route from the
 * global view of {@code model.health.state}, which trails by about a commit interval. So two
 * routes of one task that fail together never pick each other as fallback.
 */
final class LocalFirstFleetView implements FleetView {

    private final KeyValueStore<String, RouteState> local;
    private final FleetView global;

    LocalFirstFleetView(KeyValueStore<String, RouteState> local, FleetView global) {
        this.local = local;
        this.global = global;
    }

    @Override
    public HealthState stateOf(String route) {
        RouteState s = local.get(route);
        return s != null ? s.state() : global.stateOf(route);
    }

    @Override
    public FleetCounts availabilityCounts(String exclude) {
        return global.availabilityCounts(exclude);
    }
}
