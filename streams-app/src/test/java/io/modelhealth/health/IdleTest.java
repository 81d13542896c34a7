package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.at;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.Incidents.assertOneIncident;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.health.EngineHarness.Flow;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** No traffic is not an error: IDLE keeps the last decision, and traffic returning resumes it. */
class IdleTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final long WARM = 120_000;
    static final long IDLE_AFTER = 120_000;

    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.HEALTHY);
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
    }

    RouteStatus lastStatus() {
        List<RouteStatus> s = h.out.states(A);
        return s.get(s.size() - 1);
    }

    @Test
    void aQuietHealthyRouteGoesIdleAndComesBack() {
        long lastCall = h.state(A).lastCallAt() - EngineHarness.T0;
        h.silence(WARM, WARM + 200_000);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.IDLE);
        RouteStatus idle = lastStatus();
        assertThat(idle.state()).isEqualTo(HealthState.IDLE);
        assertThat(idle.previousState()).isEqualTo(HealthState.HEALTHY);
        long idleAt = idle.since().toEpochMilli();
        // the first tick at or after idle-after of silence
        assertThat(idleAt - at(lastCall)).isBetween(IDLE_AFTER, IDLE_AFTER + 1_000);
        assertThat(h.out.alerts(A)).isEmpty();

        h.call(A, WARM + 200_000, Outcome.ok());
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        assertThat(lastStatus().previousState()).isEqualTo(HealthState.IDLE);
        assertThat(h.out.commands(A)).isEmpty();
    }

    @Test
    void idleKeepsAnActiveRerouteAndTrafficResumesThePreviousState() {
        h.run(WARM, WARM + 30_000, new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> Outcome.error(503, null)));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).hasSize(1);

        // not even probes: the route goes silent (routing services moved every call away)
        long silentFrom = WARM + 30_000;
        h.silence(silentFrom, silentFrom + 180_000);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.IDLE);
        RouteStatus idle = lastStatus();
        assertThat(idle.rerouteTarget()).isEqualTo(B);
        assertThat(idle.rerouteWeight()).isEqualTo(1.0);
        assertThat(idle.reason()).contains("stays");
        assertThat(h.out.commands(A)).hasSize(1);
        // the incident goes on: its page is not resolved by silence
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);

        long back = silentFrom + 180_000;
        h.call(A, back, Outcome.error(503, null));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(lastStatus().previousState()).isEqualTo(HealthState.IDLE);
        assertThat(lastStatus().rerouteTarget()).isEqualTo(B);
        assertThat(h.out.commands(A)).hasSize(1);
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_UNAVAILABLE), false);
    }

    @Test
    void aLongIdlePeriodKeepsTheRerouteFromExpiring() {
        h.run(WARM, WARM + 30_000, new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> Outcome.error(503, null)));
        RerouteCommand first = h.out.commands(A).get(0);
        long end = WARM + 30_000 + 3 * 3_600_000;
        h.silence(WARM + 30_000, end);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.IDLE);
        List<RerouteCommand> commands = h.out.commands(A);
        assertThat(commands).allMatch(c -> c.action() == RerouteAction.REROUTE && c.target().equals(B) && c.weight() == 1.0);
        RerouteCommand last = commands.get(commands.size() - 1);
        assertThat(last.epoch()).isGreaterThan(first.epoch());
        assertThat(last.expiresAt()).as("the reroute must still be in force after 3 idle hours")
                .isAfter(Instant.ofEpochMilli(at(end)));
        for (int i = 1; i < commands.size(); i++) {
            assertThat(commands.get(i).issuedAt()).isBefore(commands.get(i - 1).expiresAt());
        }
    }

    @Test
    void degradedRouteResumesHealthyAfterIdle() {
        h.run(WARM, WARM + 60_000, flow(A, 20, (t, n) -> n % 100 < 8 ? Outcome.error(503, null) : Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.DEGRADED);
        h.silence(WARM + 60_000, WARM + 200_000);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.IDLE);
        // a warning does not outlive the traffic it warned about
        assertOneIncident(h.out.alerts(A, AlertFactory.ROUTE_DEGRADED), true);
        // traffic returns clean: the error anomaly that came with the warning closes, the route is HEALTHY
        h.run(WARM + 200_000, WARM + 300_000, flow(A, 20, (t, n) -> Outcome.ok()));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
        assertThat(h.out.states(A)).extracting(RouteStatus::state)
                .doesNotContain(HealthState.UNAVAILABLE, HealthState.BLOCKED, HealthState.RECOVERING);
        assertThat(h.out.commands(A)).isEmpty();
    }

    @Test
    void theBlockedHoldDownIsNotRestartedByIdlePeriods() {
        // a quiet route whose probe calls come every 3 minutes: it goes IDLE between them
        h.run(WARM, WARM + 1_000, flow(A, 20, (t, n) -> Outcome.error(403, "model_not_available", n % 2 == 0 ? "a" : "b")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        long blockedAt = h.state(A).since();
        long t = WARM + 1_000;
        for (int i = 0; i < 30 && h.stateOf(A) != HealthState.RECOVERING; i++) {
            h.silence(t, t + 180_000);
            t += 180_000;
            for (int k = 0; k < 5; k++) {
                h.call(A, t + k * 100L, new Outcome(200, null, k % 2 == 0 ? "search" : "chat", 400));
            }
        }
        // 20 clean probes from 2 tenants over at least a minute, after the 1 minute floor: ~12 minutes, not never
        assertThat(h.stateOf(A)).isEqualTo(HealthState.RECOVERING);
        assertThat(h.state(A).since() - blockedAt).isBetween(600_000L, 900_000L);
    }
}
