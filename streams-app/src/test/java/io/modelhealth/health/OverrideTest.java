package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.at;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.EngineHarness.override;
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
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operator overrides win over automation until they expire. */
class OverrideTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final String C = "other/gamma";
    static final long WARM = 120_000;
    static final long HOUR = 3_600_000;

    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C))));
        h.fleet.set(B, HealthState.HEALTHY).set(C, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
    }

    Flow failing() {
        return new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> Outcome.error(529, "overloaded_error"));
    }

    RouteStatus lastStatus() {
        List<RouteStatus> s = h.out.states(A);
        return s.get(s.size() - 1);
    }

    @Test
    void forbidPreventsAnAutomatedReroute() {
        h.override(A, override(A, null, RouteOverride.FORBID, null, false, WARM + HOUR), WARM);
        assertThat(lastStatus().override()).contains("forbid reroute").contains("oncall@example.com");
        h.run(WARM, WARM + 120_000, failing());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isEmpty();
        // the state is still reported and paged: only the traffic decision is the operator's
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
    }

    @Test
    void forbidRestoresAnActiveReroute() {
        h.run(WARM, WARM + 30_000, failing());
        assertThat(h.out.commands(A)).hasSize(1);
        long t = WARM + 30_000;
        h.override(A, override(A, null, RouteOverride.FORBID, null, false, WARM + HOUR), t);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                RerouteCommand::reason, c -> c.epoch() - c.issuedAt().toEpochMilli()).containsExactly(
                tuple(RerouteAction.REROUTE, B, 1.0, h.out.commands(A).get(0).reason(), 0L),
                tuple(RerouteAction.RESTORE, B, 0.0, "override.forbid", 0L));
        assertThat(h.out.commands(A).get(1).issuedAt()).isEqualTo(Instant.ofEpochMilli(at(t)));
        assertThat(h.reroute(A).target()).isNull();
        assertThat(lastStatus().rerouteTarget()).isNull();
        assertThat(lastStatus().state()).isEqualTo(HealthState.UNAVAILABLE);
        h.run(t, t + 60_000, failing());
        assertThat(h.out.commands(A)).hasSize(2);
    }

    @Test
    void forceReroutesAHealthyRouteToItsTarget() {
        h.override(A, override(A, null, RouteOverride.FORCE, C, false, WARM + HOUR), WARM);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight,
                RerouteCommand::reason, RerouteCommand::state, c -> c.epoch() - c.issuedAt().toEpochMilli())
                .containsExactly(tuple(RerouteAction.REROUTE, C, 1.0, "override.force", HealthState.HEALTHY, 0L));
        assertThat(lastStatus().rerouteTarget()).isEqualTo(C);
        assertThat(lastStatus().override()).contains("force reroute to " + C);
        h.run(WARM, WARM + 60_000, flow(A, 0.2, (t, n) -> Outcome.ok()));
        assertThat(h.out.commands(A)).hasSize(1);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        // the override is withdrawn (tombstone): automation restores the healthy route
        h.override(A, null, WARM + 60_000);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight)
                .containsExactly(tuple(RerouteAction.REROUTE, C, 1.0), tuple(RerouteAction.RESTORE, C, 0.0));
        assertThat(lastStatus().override()).isNull();
    }

    @Test
    void forceWithoutTargetTakesTheFirstHealthyFallback() {
        h.fleet.set(B, HealthState.BLOCKED);
        h.override(A, override(A, null, RouteOverride.FORCE, null, false, WARM + HOUR), WARM);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target).containsExactly(C);
    }

    @Test
    void pinnedStateWinsOverTelemetry() {
        // pinned HEALTHY through an outage: no state change, no reroute, no page
        h.override(A, override(A, HealthState.HEALTHY, null, null, false, WARM + HOUR), WARM);
        h.run(WARM, WARM + 120_000, failing());
        assertThat(h.out.states(A)).extracting(RouteStatus::state).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE)).isEmpty();
    }

    @Test
    void pinningAHealthyRouteUnavailableReroutesIt() {
        h.override(A, override(A, HealthState.UNAVAILABLE, null, null, false, WARM + HOUR), WARM);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(lastStatus().reason()).startsWith("pinned by override");
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight)
                .containsExactly(tuple(RerouteAction.REROUTE, B, 1.0));
        h.run(WARM, WARM + 60_000, new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).hasSize(1);
    }

    @Test
    void silencedRouteFiresNoAlertsUntilTheSilenceEnds() {
        long until = WARM + 300_000;
        h.override(A, override(A, null, null, null, true, until), WARM);
        h.run(WARM, until - 1_000, failing());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).hasSize(1); // automation still moves traffic
        assertThat(h.out.alerts(A)).isEmpty();
        // expiry returns control to automation: the incident now pages
        h.run(until - 1_000, until + 1_000, failing());
        List<Alert> page = h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE);
        assertOneIncident(page, false);
        assertThat(page.get(0).startsAt().toEpochMilli()).isBetween(at(until), at(until + 1_000));
        assertThat(lastStatus().override()).isNull();
    }

    @Test
    void aSilenceAlsoHoldsBackUpdatesOfAnAlertAlreadyFiring() {
        h.run(WARM, WARM + 30_000, failing());
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
        int before = h.out.alerts(A).size();
        long silenced = WARM + 30_000;
        h.override(A, override(A, null, null, null, true, silenced + HOUR), silenced);
        // the route heals and restores step by step while silenced: new facts, but no firing records
        h.run(silenced, silenced + 300_000, new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        List<Alert> during = h.out.alerts(A).subList(before, h.out.alerts(A).size());
        assertThat(during).as("alerts sent while silenced").noneMatch(Alert::isFiring);
        // the incident still resolves, so that nothing is left firing in Alertmanager
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), true);
    }

    @Test
    void expiryReturnsControlOnTheNextTick() {
        long until = WARM + 60_000;
        h.override(A, override(A, null, RouteOverride.FORBID, null, false, until), WARM);
        h.run(WARM, WARM + 30_000, failing());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isEmpty();
        // no calls any more: only ticks can notice the expiry
        h.silence(WARM + 30_000, WARM + 90_000);
        assertThat(h.out.commands(A)).extracting(RerouteCommand::action, RerouteCommand::target, RerouteCommand::weight)
                .containsExactly(tuple(RerouteAction.REROUTE, B, 1.0));
        assertThat(h.out.commands(A).get(0).issuedAt()).isEqualTo(Instant.ofEpochMilli(at(until)));
        assertThat(h.state(A).override()).isNull();
        assertThat(lastStatus().override()).isNull();
    }

    @Test
    void pinExpiryLetsTelemetryDecide() {
        long until = WARM + 60_000;
        h.override(A, override(A, HealthState.HEALTHY, null, null, false, until), WARM);
        h.run(WARM, WARM + 45_000, failing());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        h.silence(WARM + 45_000, WARM + 70_000);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        RouteStatus down = h.out.states(A).stream().filter(s -> s.state() == HealthState.UNAVAILABLE).findFirst().orElseThrow();
        assertThat(down.updatedAt()).isEqualTo(Instant.ofEpochMilli(at(until)));
        assertThat(h.out.commands(A)).extracting(RerouteCommand::target).containsExactly(B);
    }

    @Test
    void anAlreadyExpiredOverrideIsIgnored() {
        h.override(A, override(A, null, RouteOverride.FORCE, C, false, WARM - 1), WARM);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.state(A).override()).isNull();
    }
}
