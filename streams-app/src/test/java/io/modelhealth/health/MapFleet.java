package io.modelhealth.health;

import io.modelhealth.reroute.FleetView;
import io.modelhealth.schemas.HealthState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link FleetView} over a map that a test sets by hand (route → state), or that
 * {@link EngineHarness} keeps up to date from the state records the engine emits, the way the
 * global {@code model.health.state} store does in the topology. Counts the same way as the
 * topology's store-backed view: IDLE and BLOCKED routes are not "active" for the panic guard.
 */
public final class MapFleet implements FleetView {

    private final Map<String, HealthState> states = new LinkedHashMap<>();

    public MapFleet set(String route, HealthState state) {
        if (state == null) {
            states.remove(route);
        } else {
            states.put(route, state);
        }
        return this;
    }

    @Override
    public HealthState stateOf(String route) {
        return states.get(route);
    }

    @Override
    public FleetCounts availabilityCounts(String exclude) {
        int active = 0;
        int unavailable = 0;
        for (Map.Entry<String, HealthState> e : states.entrySet()) {
            if (e.getKey().equals(exclude) || e.getValue() == HealthState.IDLE || e.getValue() == HealthState.BLOCKED) {
                continue;
            }
            active++;
            if (e.getValue() == HealthState.UNAVAILABLE) {
                unavailable++;
            }
        }
        return new FleetCounts(active, unavailable);
    }
}
