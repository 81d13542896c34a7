package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.at;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.EngineHarness.rel;
import static io.modelhealth.health.Incidents.assertOneIncident;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.modelhealth.alerts.AlertFactory;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Getting better: holds, probe traffic, the gradual restore, flap damping, the BLOCKED hold-down. */
class RecoveryTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final String C = "other/gamma";
    static final long WARM = 120_000;
    static final long STEP = 30_000;

    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C))));
        h.fleet.set(B, HealthState.HEALTHY).set(C, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
    }

    /** 20 calls/s as the routing services would send them: 1 % (the probe) under a full reroute. */
    Flow routed(EngineHarness.Shape shape) {
        return new Flow(A, t -> 20 * h.remainingShare(A), shape);
    }

    long firstTime(String route, HealthState state) {
        return h.out.states(route).stream().filter(s -> s.state() == state).findFirst()
                .map(s -> s.updatedAt().toEpochMilli()).orElseThrow(() -> new AssertionError("never " + state));
    }

    @Test
    void outageHealsStepByStep() {
        long heal = WARM + 60_000;
        h.run(WARM, WARM + 420_000, routed((t, n) -> t < heal ? Outcome.error(529, "overloaded_error") : Outcome.ok()));

        long unavailableAt = firstTime(A, HealthState.UNAVAILABLE);
        long recoveringAt = firstTime(A, HealthState.RECOVERING);
        long healthyAt = h.out.states(A).stream()
                .filter(s -> s.state() == HealthState.HEALTHY && s.previousState() == HealthState.RECOVERING)
                .findFirst().orElseThrow().updatedAt().toEpochMilli();

        List<RerouteCommand> commands = h.out.commands(A);
        // Epochs are the decisions' event times (FleetDecider): each step is seconds after the one before.
        assertThat(commands).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                c -> c.epoch() - c.issuedAt().toEpochMilli()).containsExactly(
                tuple(RerouteAction.REROUTE, B, 1.0, 0L),
                tuple(RerouteAction.RESTORE, B, 0.5, 0L),
                tuple(RerouteAction.RESTORE, B, 0.2, 0L),
                tuple(RerouteAction.RESTORE, B, 0.0, 0L));
        assertThat(commands.get(0).issuedAt().toEpochMilli()).isEqualTo(unavailableAt);
        // the first restore step comes with RECOVERING: after the hold, and after the probes were clean for the recovery window
        assertThat(commands.get(1).issuedAt().toEpochMilli()).isEqualTo(recoveringAt);
        assertThat(recoveringAt - unavailableAt).isGreaterThanOrEqualTo(30_000);
        assertThat(recoveringAt - at(heal)).isBetween(25_000L, 35_000L);
        for (int i = 2; i < commands.size(); i++) {
            assertThat(commands.get(i).issuedAt().toEpochMilli() - commands.get(i - 1).issuedAt().toEpochMilli())
                    .as("step %d", i).isGreaterThanOrEqualTo(STEP);
            assertThat(commands.get(i).epoch()).isGreaterThan(commands.get(i - 1).epoch());
            assertThat(commands.get(i).reason()).isEqualTo("recovery.step_" + i);
            assertThat(commands.get(i).state()).isEqualTo(HealthState.RECOVERING);
        }
        // HEALTHY once traffic has been fully back for a step interval
        assertThat(healthyAt - commands.get(3).issuedAt().toEpochMilli()).isGreaterThanOrEqualTo(STEP);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        assertThat(h.reroute(A).target()).isNull();

        // one page, resolved once, at the end, under the same fingerprint
        List<Alert> page = h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE);
        assertOneIncident(page, true);
        assertThat(page.get(0).startsAt()).isEqualTo(Instant.ofEpochMilli(unavailableAt));
        assertThat(page.get(page.size() - 1).endsAt()).isEqualTo(Instant.ofEpochMilli(healthyAt));
        assertThat(page.stream().filter(a -> !a.isFiring())).hasSize(1);
        assertThat(Incidents.fingerprints(h.out.alerts(A).stream()
                .filter(a -> "critical".equals(a.labels().get("severity"))).toList())).hasSize(1);
        assertThat(h.out.alerts(A).stream().filter(Alert::isFiring).map(Alert::fingerprint).distinct())
                .as("every firing alert was resolved")
                .allMatch(fp -> h.out.alerts(A).stream().anyMatch(a -> a.fingerprint().equals(fp) && !a.isFiring()));
    }

    @Test
    void relapseWhileRecoveringReroutesFullyAgain() {
        h.run(WARM, WARM + 60_000, routed((t, n) -> Outcome.error(503, null)));
        h.run(WARM + 60_000, WARM + 125_000, routed((t, n) -> Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.RECOVERING);
        assertThat(h.reroute(A).weight()).isEqualTo(0.2);
        long before = h.out.commands(A).size();
        h.run(WARM + 125_000, WARM + 170_000, routed((t, n) -> Outcome.error(503, null)));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        List<RerouteCommand> after = h.out.commands(A).subList((int) before, h.out.commands(A).size());
        assertThat(after).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight)
                .containsExactly(tuple(RerouteAction.REROUTE, B, 1.0));
        assertThat(after.get(0).epoch()).isGreaterThan(h.out.commands(A).get((int) before - 1).epoch());
        // the incident is still the same one: no second page
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
    }

    @Test
    void flappingProviderIsReroutedAtMostTwice() {
        // 30 s bad / 30 s good for 10 minutes; under a full reroute only the 1 % probe reaches the route
        h.run(WARM, WARM + 600_000, routed((t, n) -> ((t - WARM) / 30_000) % 2 == 0
                ? Outcome.error(529, "overloaded_error") : Outcome.ok()));
        List<RerouteCommand> full = h.out.fullReroutes(A);
        assertThat(full).isNotEmpty();
        assertThat(full).as("full reroutes at %s", full.stream().map(c -> rel(c.issuedAt().toEpochMilli()) / 1000.0).toList())
                .hasSizeLessThanOrEqualTo(2);
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
    }

    /** A success from one of two tenants, alternating. */
    static Outcome okFromTwoTenants(long n) {
        return new Outcome(200, null, n % 2 == 0 ? "search" : "chat", 400);
    }

    @Test
    void aBlockedRouteThatComesBackIsRestoredOnEvidenceWithin150Seconds() {
        long ban = WARM;
        long lifted = WARM + 90_000;
        long end = WARM + 600_000;
        h.run(ban, end, routed((t, n) -> t < lifted
                ? Outcome.error(403, "model_not_available", n % 2 == 0 ? "search" : "chat") : okFromTwoTenants(n)));
        long blockedAt = firstTime(A, HealthState.BLOCKED);
        assertThat(blockedAt - at(ban)).isLessThan(1_000);
        long recoveringAt = firstTime(A, HealthState.RECOVERING);
        // 20 clean probe calls from 2 tenants spread over a minute: evidence, not a fixed 10 min hold-down
        assertThat(recoveringAt - at(lifted)).isBetween(60_000L, 150_000L);
        assertThat(h.out.states(A).stream().filter(s -> s.updatedAt().toEpochMilli() >= blockedAt
                        && s.updatedAt().toEpochMilli() < recoveringAt)
                .map(RouteStatus::state)).doesNotContain(HealthState.RECOVERING, HealthState.HEALTHY);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::weight)
                .startsWith(tuple(RerouteAction.REROUTE, 1.0), tuple(RerouteAction.RESTORE, 0.5));
        assertThat(h.out.commands(A).get(1).issuedAt().toEpochMilli()).isEqualTo(recoveringAt);
    }

    @Test
    void aModelThatStaysWithdrawnIsNeverRestored() {
        h.run(WARM, WARM + 30_000, routed((t, n) -> Outcome.error(403, "model_not_available", n % 2 == 0 ? "a" : "b")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        // then mostly clean probes, but a refusal now and then: the withdrawal is not over
        h.run(WARM + 30_000, WARM + 1_800_000, routed((t, n) -> n % 15 == 14
                ? Outcome.error(403, "model_not_available", "search") : okFromTwoTenants(n)));
        assertThat(h.out.states(A)).extracting(RouteStatus::state).doesNotContain(HealthState.RECOVERING);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action).containsOnly(RerouteAction.REROUTE);
    }

    @Test
    void oneTenantsSuccessesAloneDoNotLiftABlock() {
        h.run(WARM, WARM + 30_000, routed((t, n) -> Outcome.error(403, "model_not_available", n % 2 == 0 ? "a" : "b")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        // one tenant with a new key gets through; nobody else calls
        h.run(WARM + 30_000, WARM + 600_000, routed((t, n) -> Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
    }

    @Test
    void blockedNeedsProbeSuccessesInARowAfterTheHoldDown() {
        long ban = WARM;
        // refusals all through the hold-down floor, from the 1 % probe
        h.run(ban, ban + 120_000, routed((t, n) -> Outcome.error(403, "model_not_available", n % 2 == 0 ? "search" : "chat")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        long t = ban + 120_000;
        for (int i = 0; i < 19; i++) {
            h.call(A, t += 4_000, okFromTwoTenants(i));
        }
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        h.call(A, t += 4_000, Outcome.error(403, "model_not_available", "search"));
        for (int i = 0; i < 19; i++) {
            h.call(A, t += 4_000, okFromTwoTenants(i));
            h.tick(A, t + 500);
        }
        assertThat(h.stateOf(A)).as("19 in a row are not enough").isEqualTo(HealthState.BLOCKED);
        // client errors are the caller's: they neither count nor break the run
        h.call(A, t += 4_000, Outcome.error(401, "authentication_error", "search"));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        h.call(A, t += 4_000, Outcome.ok());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.RECOVERING);
        RerouteCommand last = h.out.commands(A).get(h.out.commands(A).size() - 1);
        assertThat(last.action()).isEqualTo(RerouteAction.RESTORE);
        assertThat(last.weight()).isEqualTo(0.5);
        assertThat(last.issuedAt()).isEqualTo(Instant.ofEpochMilli(at(t)));
    }

    @Test
    void blockedRecoveryEndsHealthyAndResolvesThePage() {
        long lifted = WARM + 30_000;
        h.run(WARM, WARM + 900_000, routed((t, n) -> t < lifted
                ? Outcome.error(451, "export_controlled", n % 2 == 0 ? "search" : "chat") : okFromTwoTenants(n)));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::weight).containsExactly(
                tuple(RerouteAction.REROUTE, 1.0), tuple(RerouteAction.RESTORE, 0.5), tuple(RerouteAction.RESTORE, 0.2),
                tuple(RerouteAction.RESTORE, 0.0));
        List<Alert> page = h.out.alerts(A, AlertFactory.ROUTE_BLOCKED);
        assertOneIncident(page, true);
    }
}
