package io.modelhealth.health;

import io.modelhealth.reroute.FleetView;
import io.modelhealth.schemas.HealthState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Other routes' states, set by hand. Standalone ({@code new MapFleet()}) it is a {@link FleetView}
 * over a map, counting as the fleet stage does (IDLE and BLOCKED routes are not "active" for the
 * panic guard). In an {@link EngineHarness} it injects verdicts into the harness's
 * {@link io.modelhealth.reroute.FleetDecider}, as if those routes had sent them (verdicts that ask
 * for nothing: they keep whatever is in force), and reads go to the decider.
 */
public final class MapFleet implements FleetView {

    private final EngineHarness harness;
    private final Map<String, HealthState> states = new LinkedHashMap<>();

    public MapFleet() {
        this(null);
    }

    MapFleet(EngineHarness harness) {
        this.harness = harness;
    }

    public MapFleet set(String route, HealthState state) {
        if (harness != null) {
            harness.injectVerdict(route, state);
        } else if (state == null) {
            states.remove(route);
        } else {
            states.put(route, state);
        }
        return this;
    }

    @Override
    public HealthState stateOf(String route) {
        return harness != null ? harness.decider.stateOf(route) : states.get(route);
    }

    @Override
    public FleetCounts availabilityCounts(String exclude) {
        if (harness != null) {
            return harness.decider.availabilityCounts(exclude);
        }
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
