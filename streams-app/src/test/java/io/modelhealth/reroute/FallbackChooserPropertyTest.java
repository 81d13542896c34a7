package io.modelhealth.reroute;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.MapFleet;
import io.modelhealth.schemas.HealthState;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class FallbackChooserPropertyTest {

    private static final List<String> ROUTES = List.of("p/a", "p/b", "p/c", "p/d", "p/e", "p/f");

    @Provide
    Arbitrary<Map<String, HealthState>> fleets() {
        return Arbitraries.maps(Arbitraries.of(ROUTES), Arbitraries.of(HealthState.class)).ofMaxSize(ROUTES.size());
    }

    @Provide
    Arbitrary<List<String>> chains() {
        return Arbitraries.of(ROUTES).list().ofMaxSize(6);
    }

    @Property(tries = 2000)
    void theChoiceIsAFitMemberOfTheChainAndNeverTheRouteItself(
            @ForAll("fleets") Map<String, HealthState> states, @ForAll("chains") List<String> chain) {
        MapFleet fleet = new MapFleet();
        states.forEach(fleet::set);
        String route = "p/a";
        String target = FallbackChooser.choose(route, chain, fleet);
        if (target == null) {
            assertThat(chain).allMatch(c -> c.equals(route) || (fleet.stateOf(c) != null && fleet.stateOf(c).isUnhealthy()));
            return;
        }
        assertThat(chain).contains(target);
        assertThat(target).isNotEqualTo(route);
        HealthState s = fleet.stateOf(target);
        assertThat(s == null || !s.isUnhealthy()).as("target %s is %s", target, s).isTrue();
        assertThat(FallbackChooser.stillFit(target, fleet)).isTrue();
        // nothing healthier stands before it in the chain
        for (String earlier : chain.subList(0, chain.indexOf(target))) {
            HealthState e = fleet.stateOf(earlier);
            if (s == HealthState.DEGRADED) {
                assertThat(earlier.equals(route) || (e != null && (e.isUnhealthy() || e == HealthState.DEGRADED)))
                        .as("%s (%s) before a degraded target", earlier, e).isTrue();
            } else {
                assertThat(earlier.equals(route) || (e != null && e.isUnhealthy() || e == HealthState.DEGRADED))
                        .as("%s (%s) before the target", earlier, e).isTrue();
            }
        }
    }
}
