package io.modelhealth.reroute;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.OpenAlert;
import io.modelhealth.health.RouteVerdict;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.topology.FleetProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The fleet stage's entry per route and scope, as its store keeps it: compact in memory, the same through a restart. */
class FleetRouteTest {

    private final Serde<FleetRoute> serde = FleetProcessor.routeSerde();

    private static RouteVerdict healthy(String route, Map<String, String> scope) {
        return new RouteVerdict(route, "anthropic", "claude-fable-5", HealthState.HEALTHY, null, 1_000L, "no errors", null, false, null,
                0, null, null, false, false, 1, scope, null);
    }

    private FleetRoute roundTrip(FleetRoute r) {
        FleetRoute back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", r));
        back.compact();
        return back;
    }

    @Test
    void anEntryWithoutAlertsHoldsNoMapAndKeepsItsAlertsThroughTheStore() {
        FleetRoute r = new FleetRoute("anthropic/claude-fable-5");
        r.verdict = healthy("anthropic/claude-fable-5", null);
        assertThat(r.openAlerts).isNull();
        assertThat(new String(serde.serializer().serialize("t", r), StandardCharsets.UTF_8)).doesNotContain("open_alerts");
        assertThat(roundTrip(r).alerts()).isEmpty();

        r.openAlert("ModelRouteBlocked", new OpenAlert("f1", 5L, "critical", "blocked", "details"));
        FleetRoute back = roundTrip(r);
        assertThat(back.alerts()).containsOnlyKeys("ModelRouteBlocked");
        assertThat(back.alerts().get("ModelRouteBlocked").summary()).isEqualTo("blocked");
        assertThat(back.alerts().get("ModelRouteBlocked").startsAt()).isEqualTo(5L);
    }

    @Test
    void anEntryStoredWithAnEmptyAlertMapIsReadWithoutOne() {
        byte[] older = "{\"route\":\"openai/gpt-5\",\"epoch\":3,\"open_alerts\":{}}".getBytes(StandardCharsets.UTF_8);
        FleetRoute r = serde.deserializer().deserialize("t", older);
        r.compact();
        assertThat(r.openAlerts).isNull();
        assertThat(r.epoch()).isEqualTo(3);
    }

    @Test
    void entriesReadApartShareOneCopyOfTheirRepeatedStrings() {
        FleetRoute a = scopeEntry("anthropic/claude-fable-5", "eu-west-1");
        FleetRoute b = scopeEntry("anthropic/claude-fable-5", "us-east-1");
        FleetRoute x = roundTrip(a);
        FleetRoute y = roundTrip(b);
        assertThat(x.verdict().provider()).isSameAs(y.verdict().provider());
        assertThat(x.verdict().route()).isSameAs(y.verdict().route());
        assertThat(x.verdict().reason()).isSameAs(y.verdict().reason());
        assertThat(x.verdict().scope().keySet().iterator().next()).isSameAs(y.verdict().scope().keySet().iterator().next());
        assertThat(x.verdict()).isEqualTo(a.verdict());
    }

    @Test
    void verdictsOfOneScopeOnDifferentRoutesShareOneScopeMap() {
        FleetRoute a = scopeEntry("anthropic/claude-fable-5", "eu-west-1");
        FleetRoute b = scopeEntry("openai/gpt-5", "eu-west-1");
        FleetRoute c = scopeEntry("openai/gpt-5", "us-east-1");
        FleetRoute x = roundTrip(a);
        FleetRoute y = roundTrip(b);
        FleetRoute z = roundTrip(c);
        assertThat(x.verdict().scope()).isSameAs(y.verdict().scope()).isEqualTo(Map.of("region", "eu-west-1"));
        assertThat(z.verdict().scope()).isNotSameAs(x.verdict().scope()).isEqualTo(Map.of("region", "us-east-1"));
        assertThat(x.verdict().key()).isEqualTo("anthropic/claude-fable-5|region=eu-west-1");
    }

    /** The fleet entry of a route's region scope, healthy. */
    private static FleetRoute scopeEntry(String route, String region) {
        FleetRoute r = new FleetRoute(route + "|region=" + region);
        r.verdict = healthy(route, Map.of("region", region));
        return r;
    }
}
