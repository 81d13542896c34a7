package io.modelhealth.routing;

import static io.modelhealth.routing.Commands.BLOCKED;
import static io.modelhealth.routing.Commands.FALLBACK;
import static io.modelhealth.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.RerouteCommand;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The most specific command in force that matches a call decides: tenant, then region, then the route. */
class ScopedResolutionTest {

    static final Instant NOW = T0.plusSeconds(60);
    static final List<String> USERS = IntStream.range(0, 500).mapToObj(i -> "u" + i).toList();
    static final Map<String, String> EU = Map.of("region", "eu-west-1");

    static long moved(RerouteView view, CallScope scope) {
        return USERS.stream().filter(u -> view.resolve(BLOCKED, scope, u, NOW).rerouted()).count();
    }

    @Test
    void aRegionCommandMovesOnlyCallsFromThatRegion() {
        RerouteView view = new RerouteView();
        assertThat(view.apply(Commands.scoped(Commands.reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1), EU))).isTrue();
        assertThat(moved(view, CallScope.region("eu-west-1"))).isEqualTo(USERS.size());
        assertThat(moved(view, CallScope.region("us-east-1"))).isZero();
        assertThat(moved(view, CallScope.NONE)).as("a call that says nothing of its region").isZero();
        assertThat(USERS.stream().filter(u -> view.resolve(BLOCKED, u, NOW).rerouted())).as("the route-wide resolve").isEmpty();
        Route r = view.resolve(BLOCKED, CallScope.of("eu-west-1", "search"), "u1", NOW);
        assertThat(r.route()).isEqualTo(FALLBACK);
        assertThat(r.command()).isEqualTo(BLOCKED + "|region=eu-west-1");
    }

    @Test
    void tenantBeatsRegionBeatsRoute() {
        RerouteView view = new RerouteView();
        view.apply(Commands.reroute(BLOCKED, "google/gemini-3-pro", 1.0, 0.0, 7));
        view.apply(Commands.scoped(Commands.reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1), EU));
        view.apply(Commands.scoped(Commands.reroute(BLOCKED, "mistral/mistral-large-3", 1.0, 0.0, 1), Map.of("tenant", "search")));
        assertThat(view.resolve(BLOCKED, CallScope.of("eu-west-1", "search"), "u1", NOW).route()).isEqualTo("mistral/mistral-large-3");
        assertThat(view.resolve(BLOCKED, CallScope.of("eu-west-1", "chat"), "u1", NOW).route()).isEqualTo(FALLBACK);
        assertThat(view.resolve(BLOCKED, CallScope.of("us-east-1", "chat"), "u1", NOW).route()).isEqualTo("google/gemini-3-pro");
    }

    @Test
    void aScopedCommandWithWeightZeroOrExpiredFallsThroughToTheRoute() {
        RerouteView view = new RerouteView();
        view.apply(Commands.reroute(BLOCKED, FALLBACK, 1.0, 0.0, 3));
        view.apply(Commands.scoped(Commands.restore(BLOCKED, "google/gemini-3-pro", 0.0, 2), EU));
        assertThat(moved(view, CallScope.region("eu-west-1"))).as("covered by the route's reroute").isEqualTo(USERS.size());
        RerouteCommand expiring = Commands.command(BLOCKED, io.modelhealth.schemas.RerouteAction.REROUTE, "google/gemini-3-pro",
                1.0, 0.0, 3, T0, T0.plusSeconds(30));
        view.apply(Commands.scoped(expiring, EU));
        assertThat(view.resolve(BLOCKED, CallScope.region("eu-west-1"), "u1", NOW).route()).as("expired: the route's command")
                .isEqualTo(FALLBACK);
    }

    @Test
    void epochsArePerRouteAndScope() {
        RerouteView view = new RerouteView();
        assertThat(view.apply(Commands.reroute(BLOCKED, FALLBACK, 1.0, 0.0, 5))).isTrue();
        assertThat(view.apply(Commands.scoped(Commands.reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1), EU)))
                .as("epoch 1 of the scope after epoch 5 of the route").isTrue();
        assertThat(view.apply(Commands.scoped(Commands.restore(BLOCKED, FALLBACK, 0.0, 1), EU))).as("stale in its scope").isFalse();
        assertThat(view.lastEpoch(BLOCKED + "|region=eu-west-1")).hasValue(1);
        assertThat(view.lastEpoch(BLOCKED)).hasValue(5);
        assertThat(view.clear(BLOCKED + "|region=eu-west-1")).isTrue();
        assertThat(moved(view, CallScope.region("eu-west-1"))).as("after the scope's tombstone, the route's").isEqualTo(USERS.size());
    }

    @Test
    void stickinessSurvivesAHandOverBetweenScopeAndRoute() {
        RerouteView scoped = new RerouteView();
        scoped.apply(Commands.scoped(Commands.reroute(BLOCKED, FALLBACK, 0.5, 0.0, 1), EU));
        RerouteView routeWide = new RerouteView();
        routeWide.apply(Commands.reroute(BLOCKED, FALLBACK, 0.5, 0.0, 1));
        for (String u : USERS) {
            assertThat(scoped.resolve(BLOCKED, CallScope.region("eu-west-1"), u, NOW).route())
                    .isEqualTo(routeWide.resolve(BLOCKED, CallScope.region("eu-west-1"), u, NOW).route());
        }
        assertThat(moved(scoped, CallScope.region("eu-west-1"))).isBetween(200L, 300L);
    }
}
