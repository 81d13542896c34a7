package io.modelhealth.reroute;

import static io.modelhealth.health.EngineHarness.at;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.Incidents.assertOneIncident;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.health.EngineHarness;
import io.modelhealth.health.EngineHarness.Flow;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where traffic goes: fallback choice through the engine, the global view, no-fallback and the panic guard. */
class RerouteDecisionTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final String C = "other/gamma";
    static final long WARM = 120_000;

    static Outcome refusal(long n) {
        return Outcome.error(403, "model_not_available", n % 2 == 0 ? "search" : "chat");
    }

    Flow routed(EngineHarness h, String route, EngineHarness.Shape shape) {
        return new Flow(route, t -> 20 * h.remainingShare(route), shape);
    }

    long firstTime(EngineHarness h, String route, HealthState state) {
        return h.out.states(route).stream().filter(s -> s.state() == state).findFirst()
                .map(s -> s.updatedAt().toEpochMilli()).orElseThrow(() -> new AssertionError(route + " never " + state));
    }

    @Test
    void routesThatFallBackToEachOtherBothEndUpOnTheThird() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C), B, List.of(A, C))));
        h.fleet.set(C, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()), flow(B, 20, (t, n) -> Outcome.ok()));
        assertThat(h.fleet.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        assertThat(h.fleet.stateOf(B)).isEqualTo(HealthState.HEALTHY);

        // A fails first (outage), then B is withdrawn by its provider (policy)
        long bFails = WARM + 30_000;
        h.run(WARM, WARM + 90_000,
                routed(h, A, (t, n) -> Outcome.error(529, "overloaded_error")),
                routed(h, B, (t, n) -> t < bFails ? Outcome.ok() : refusal(n)));

        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.stateOf(B)).isEqualTo(HealthState.BLOCKED);
        long bBlockedAt = firstTime(h, B, HealthState.BLOCKED);
        List<RerouteCommand> a = h.out.commands(A);
        assertThat(a).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight, RerouteDecisionTest::epochAfterIssue)
                .containsExactly(tuple(RerouteAction.REROUTE, B, 1.0, 0L), tuple(RerouteAction.REROUTE, C, 1.0, 0L));
        // A moves off B as soon as it sees B's state
        assertThat(a.get(1).issuedAt().toEpochMilli()).isBetween(bBlockedAt, bBlockedAt + 1_000);
        assertThat(h.out.commands(B)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                RerouteDecisionTest::epochAfterIssue).containsExactly(tuple(RerouteAction.REROUTE, C, 1.0, 0L));
        assertThat(h.out.commands(B).get(0).issuedAt().toEpochMilli()).isEqualTo(bBlockedAt);
        assertThat(h.out.states(A).get(h.out.states(A).size() - 1).rerouteTarget()).isEqualTo(C);
    }

    @Test
    void twoUnavailableRoutesThatFallBackToEachOtherBothEndUpOnTheThird() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C), B, List.of(A, C))));
        // a larger healthy fleet, so that two outages are not a "network fault" for the panic guard
        h.fleet.set(C, HealthState.HEALTHY).set("x/one", HealthState.HEALTHY).set("x/two", HealthState.HEALTHY)
                .set("x/three", HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()), flow(B, 20, (t, n) -> Outcome.ok()));
        long bFails = WARM + 30_000;
        h.run(WARM, WARM + 90_000,
                routed(h, A, (t, n) -> Outcome.error(503, null)),
                routed(h, B, (t, n) -> t < bFails ? Outcome.ok() : Outcome.error(0, "timeout")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.stateOf(B)).isEqualTo(HealthState.UNAVAILABLE);
        long bDownAt = firstTime(h, B, HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target, RerouteCommand::weight, RerouteDecisionTest::epochAfterIssue)
                .containsExactly(tuple(B, 1.0, 0L), tuple(C, 1.0, 0L));
        assertThat(h.out.commands(A).get(1).issuedAt().toEpochMilli()).isBetween(bDownAt, bDownAt + 1_000);
        assertThat(h.out.commands(B)).extracting(RerouteCommand::target, RerouteCommand::weight, RerouteDecisionTest::epochAfterIssue)
                .containsExactly(tuple(C, 1.0, 0L));
    }

    @Test
    void neverReroutesToAnUnhealthyTarget() {
        String d = "acme/delta";
        String e = "acme/epsilon";
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C, d, e))));
        h.fleet.set(B, HealthState.BLOCKED).set(C, HealthState.RECOVERING).set(d, HealthState.UNAVAILABLE)
                .set(e, HealthState.HEALTHY).set("x/one", HealthState.HEALTHY).set("x/two", HealthState.HEALTHY)
                .set("x/three", HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 30_000, routed(h, A, (t, n) -> Outcome.error(503, null)));
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target).containsExactly(e);
    }

    @Test
    void aDegradedFallbackIsUsedOnlyWhenNoHealthyOneIs() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C))));
        h.fleet.set(B, HealthState.DEGRADED).set(C, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 30_000, routed(h, A, (t, n) -> refusal(n)));
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target).containsExactly(C);
    }

    @Test
    void noHealthyFallbackAlertsAndDoesNotThrash() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.UNAVAILABLE);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 300_000, routed(h, A, (t, n) -> Outcome.error(529, "overloaded_error")));

        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isEmpty();
        long downAt = firstTime(h, A, HealthState.UNAVAILABLE);
        List<Alert> noFallback = h.out.alerts(A, AlertFactory.ROUTE_NO_FALLBACK);
        assertOneIncident(noFallback, false);
        assertThat(noFallback.get(0).labels()).containsEntry("severity", "critical");
        assertThat(noFallback.get(0).startsAt()).isEqualTo(Instant.ofEpochMilli(downAt));
        assertThat(noFallback.get(0).annotations().get("summary")).contains(B);
        List<Alert> unavailable = h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE);
        assertOneIncident(unavailable, false);
        assertThat(unavailable.get(0).annotations().get("summary")).contains("no healthy fallback");
        RouteStatus last = h.out.states(A).get(h.out.states(A).size() - 1);
        assertThat(last.rerouteTarget()).isNull();

        // the fallback heals: traffic moves at once, the no-fallback page resolves under its fingerprint
        long healed = WARM + 300_000;
        h.tickAll(healed);
        h.fleet.set(B, HealthState.HEALTHY);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                RerouteDecisionTest::epochAfterIssue).containsExactly(tuple(RerouteAction.REROUTE, B, 1.0, 0L));
        assertThat(h.out.commands(A).get(0).issuedAt()).isEqualTo(Instant.ofEpochMilli(at(healed)));
        noFallback = h.out.alerts(A, AlertFactory.ROUTE_NO_FALLBACK);
        assertOneIncident(noFallback, true);
        assertThat(noFallback.get(noFallback.size() - 1).endsAt()).isEqualTo(Instant.ofEpochMilli(at(healed)));
        // the route's own incident goes on
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
    }

    @Test
    void noFallbackConfiguredAtAll() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of()));
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 60_000, flow(A, 20, (t, n) -> refusal(n)));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        assertThat(h.out.commands(A)).isEmpty();
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_NO_FALLBACK), false);
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_BLOCKED), false);
    }

    @Test
    void aTargetThatFailsWithNoAlternativeKeepsTheTrafficAndAlerts() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 30_000, routed(h, A, (t, n) -> Outcome.error(503, null)));
        assertThat(h.out.commands(A)).hasSize(1);
        h.fleet.set(B, HealthState.UNAVAILABLE);
        h.run(WARM + 30_000, WARM + 120_000, routed(h, A, (t, n) -> Outcome.error(503, null)));
        // moving traffic back to a route that is down as well would only thrash
        assertThat(h.out.commands(A)).hasSize(1);
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_NO_FALLBACK), false);
    }

    @Test
    void panicGuardHoldsAvailabilityReroutes() {
        String e = "acme/epsilon";
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(e))));
        // more than half of the active routes look unavailable at once
        h.fleet.set(B, HealthState.UNAVAILABLE).set(C, HealthState.UNAVAILABLE).set("x/one", HealthState.UNAVAILABLE)
                .set(e, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 120_000, routed(h, A, (t, n) -> Outcome.error(503, null)));

        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isEmpty();
        long downAt = firstTime(h, A, HealthState.UNAVAILABLE);
        List<Alert> held = h.out.alerts(A, AlertFactory.ROUTE_REROUTE_HELD);
        assertOneIncident(held, false);
        assertThat(held.get(0).startsAt()).isEqualTo(Instant.ofEpochMilli(downAt));
        assertThat(held.get(0).labels()).containsEntry("severity", "critical");
        assertThat(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE).get(0).annotations().get("summary"))
                .contains("panic guard");

        // the fleet recovers: the guard lets go, the reroute happens, the held alert resolves
        h.fleet.set(B, HealthState.HEALTHY).set(C, HealthState.HEALTHY).set("x/one", HealthState.HEALTHY);
        long released = WARM + 120_000;
        h.tickAll(released);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight)
                .containsExactly(tuple(RerouteAction.REROUTE, e, 1.0));
        held = h.out.alerts(A, AlertFactory.ROUTE_REROUTE_HELD);
        assertOneIncident(held, true);
    }

    @Test
    void panicGuardNeverHoldsAPolicyBlock() {
        String e = "acme/epsilon";
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(e))));
        h.fleet.set(B, HealthState.UNAVAILABLE).set(C, HealthState.UNAVAILABLE).set("x/one", HealthState.UNAVAILABLE)
                .set(e, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 60_000, routed(h, A, (t, n) -> refusal(n)));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                RerouteCommand::reason).containsExactly(tuple(RerouteAction.REROUTE, e, 1.0, "policy_block.consecutive"));
        // at the third refusal: 20 calls/s, so within 150 ms of the first
        assertThat(h.out.commands(A).get(0).issuedAt().toEpochMilli()).isBetween(at(WARM), at(WARM + 150));
        assertThat(h.out.alerts(A, AlertFactory.ROUTE_REROUTE_HELD)).isEmpty();
    }

    @Test
    void panicGuardNeedsAMajority() {
        String e = "acme/epsilon";
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(e))));
        // with A, 2 of 4 active routes are unavailable: exactly half is not "more than half"
        h.fleet.set(B, HealthState.UNAVAILABLE).set(C, HealthState.HEALTHY).set(e, HealthState.HEALTHY)
                .set("x/blocked", HealthState.BLOCKED).set("x/idle", HealthState.IDLE);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 30_000, routed(h, A, (t, n) -> Outcome.error(503, null)));
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target).containsExactly(e);
        assertThat(h.out.alerts(A, AlertFactory.ROUTE_REROUTE_HELD)).isEmpty();
    }

    @Test
    void refreshesAnActiveRerouteBeforeItExpires() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
        // a long outage: 2 hours
        h.run(WARM, WARM + 7_200_000, routed(h, A, (t, n) -> Outcome.error(503, null)));
        List<RerouteCommand> commands = h.out.commands(A);
        assertThat(commands).hasSizeBetween(4, 5).allMatch(c -> c.action() == RerouteAction.REROUTE && c.weight() == 1.0
                && c.target().equals(B));
        for (int i = 1; i < commands.size(); i++) {
            assertThat(commands.get(i).epoch()).isEqualTo(Math.max(commands.get(i - 1).epoch() + 1,
                    commands.get(i).issuedAt().toEpochMilli()));
            assertThat(commands.get(i).issuedAt()).isBefore(commands.get(i - 1).expiresAt());
        }
        assertThat(commands.get(commands.size() - 1).expiresAt()).isAfter(Instant.ofEpochMilli(at(WARM + 7_200_000)));
    }

    /** 0 when the command's epoch is its decision's event time, as every first command of a fresh route's is (FleetDecider). */
    private static long epochAfterIssue(RerouteCommand c) {
        return c.epoch() - c.issuedAt().toEpochMilli();
    }
}
