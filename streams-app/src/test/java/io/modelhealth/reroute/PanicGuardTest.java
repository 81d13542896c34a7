package io.modelhealth.reroute;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.MapFleet;
import io.modelhealth.schemas.HealthState;
import org.junit.jupiter.api.Test;

class PanicGuardTest {

    private final PanicGuard guard = new PanicGuard(0.5, 3);

    @Test
    void engagesWhenMoreThanTheThresholdOfActiveRoutesIsUnavailable() {
        // the route itself counts as one more unavailable route
        MapFleet f = new MapFleet().set("p/b", HealthState.UNAVAILABLE).set("p/c", HealthState.HEALTHY);
        assertThat(guard.engaged("p/a", f)).isTrue(); // 2 of 3
        f.set("p/d", HealthState.HEALTHY);
        assertThat(guard.engaged("p/a", f)).isFalse(); // 2 of 4: not more than half
        f.set("p/e", HealthState.UNAVAILABLE);
        assertThat(guard.engaged("p/a", f)).isTrue(); // 3 of 5
    }

    @Test
    void idleAndBlockedRoutesAreNotActiveAndTheRouteItselfIsExcluded() {
        MapFleet f = new MapFleet().set("p/a", HealthState.HEALTHY).set("p/b", HealthState.UNAVAILABLE)
                .set("p/c", HealthState.HEALTHY).set("p/d", HealthState.HEALTHY)
                .set("p/x", HealthState.BLOCKED).set("p/y", HealthState.BLOCKED).set("p/z", HealthState.IDLE);
        assertThat(guard.engaged("p/a", f)).isFalse(); // 2 of 4
        f.set("p/c", HealthState.UNAVAILABLE);
        assertThat(guard.engaged("p/a", f)).isTrue(); // 3 of 4
    }

    @Test
    void needsAMinimumNumberOfActiveRoutes() {
        MapFleet f = new MapFleet().set("p/b", HealthState.UNAVAILABLE);
        assertThat(guard.engaged("p/a", f)).isFalse(); // 2 of 2, but fewer than 3 routes
        assertThat(guard.engaged("p/a", FleetView.EMPTY)).isFalse();
        assertThat(new PanicGuard(0.5, 1).engaged("p/a", FleetView.EMPTY)).isTrue();
    }
}
