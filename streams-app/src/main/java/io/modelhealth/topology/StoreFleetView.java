package io.modelhealth.topology;

import io.modelhealth.reroute.FleetView;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** {@link FleetView} over the global store of {@code model.health.state}: every instance sees every route. */
final class StoreFleetView implements FleetView {

    private final ReadOnlyKeyValueStore<String, RouteStatus> store;

    StoreFleetView(ReadOnlyKeyValueStore<String, RouteStatus> store) {
        this.store = store;
    }

    @Override
    public HealthState stateOf(String route) {
        RouteStatus s = store.get(route);
        return s == null ? null : s.state();
    }

    @Override
    public FleetCounts availabilityCounts(String exclude) {
        int active = 0;
        int unavailable = 0;
        try (KeyValueIterator<String, RouteStatus> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, RouteStatus> kv = it.next();
                if (kv.value == null || kv.key.equals(exclude)) {
                    continue;
                }
                HealthState s = kv.value.state();
                if (s == HealthState.IDLE || s == HealthState.BLOCKED) {
                    continue;
                }
                active++;
                if (s == HealthState.UNAVAILABLE) {
                    unavailable++;
                }
            }
        }
        return new FleetCounts(active, unavailable);
    }
}
