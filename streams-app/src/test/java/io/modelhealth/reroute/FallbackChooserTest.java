package io.modelhealth.reroute;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.MapFleet;
import io.modelhealth.schemas.HealthState;
import java.util.List;
import org.junit.jupiter.api.Test;

class FallbackChooserTest {

    static final String A = "acme/alpha";

    @Test
    void firstHealthyIdleOrUnseenRouteOfTheChain() {
        MapFleet f = new MapFleet().set("p/b", HealthState.UNAVAILABLE).set("p/c", HealthState.IDLE).set("p/d", HealthState.HEALTHY);
        assertThat(FallbackChooser.choose(A, List.of("p/b", "p/c", "p/d"), f)).isEqualTo("p/c");
        assertThat(FallbackChooser.choose(A, List.of("p/b", "p/d", "p/c"), f)).isEqualTo("p/d");
        // a cold standby that never sent telemetry is fit
        assertThat(FallbackChooser.choose(A, List.of("p/b", "p/new"), f)).isEqualTo("p/new");
    }

    @Test
    void neverAnUnhealthyRouteNorTheRouteItself() {
        MapFleet f = new MapFleet().set("p/b", HealthState.UNAVAILABLE).set("p/c", HealthState.BLOCKED)
                .set("p/d", HealthState.RECOVERING).set(A, HealthState.HEALTHY);
        assertThat(FallbackChooser.choose(A, List.of(A, "p/b", "p/c", "p/d"), f)).isNull();
        assertThat(FallbackChooser.choose(A, List.of(), f)).isNull();
    }

    @Test
    void degradedOnlyAsALastResort() {
        MapFleet f = new MapFleet().set("p/b", HealthState.DEGRADED).set("p/c", HealthState.UNAVAILABLE)
                .set("p/d", HealthState.DEGRADED).set("p/e", HealthState.HEALTHY);
        assertThat(FallbackChooser.choose(A, List.of("p/b", "p/c", "p/e"), f)).isEqualTo("p/e");
        assertThat(FallbackChooser.choose(A, List.of("p/c", "p/d", "p/b"), f)).isEqualTo("p/d");
    }

    @Test
    void aTargetStaysFitUnlessItIsUnhealthy() {
        MapFleet f = new MapFleet();
        for (HealthState s : HealthState.values()) {
            f.set("p/x", s);
            assertThat(FallbackChooser.stillFit("p/x", f)).as(s.name()).isEqualTo(!s.isUnhealthy());
        }
        assertThat(FallbackChooser.stillFit("p/unknown", f)).isTrue();
    }
}
