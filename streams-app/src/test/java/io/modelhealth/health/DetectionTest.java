package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.T0;
import static io.modelhealth.health.EngineHarness.at;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.Incidents.assertOneIncident;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The detection rules against the default thresholds: what trips, what must never trip. */
class DetectionTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final String C = "other/gamma";
    static final long WARM = 120_000;

    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C))));
        h.fleet.set(B, HealthState.HEALTHY).set(C, HealthState.HEALTHY);
    }

    /** Two minutes of clean traffic at 20 calls/s: a warm route with full windows. */
    void warmUp() {
        h.run(0, WARM, flow(A, 20, (t, n) -> Outcome.ok()));
    }

    private List<HealthState> statesOf(String route) {
        return h.out.states(route).stream().map(RouteStatus::state).toList();
    }

    private List<Alert> pages(String route) {
        return h.out.alerts(route).stream().filter(a -> AlertFactory.PAGE.equals(a.labels().get("severity"))).toList();
    }

    @Test
    void steadyNoiseNeverReroutes() {
        Random r = new Random(11);
        warmUp();
        // 1 % availability errors at 20 calls/s for 10 minutes
        h.run(WARM, WARM + 600_000, flow(A, 20, (t, n) -> r.nextDouble() < 0.01 ? Outcome.error(529, "overloaded_error")
                : Outcome.ok()));
        assertThat(statesOf(A)).isNotEmpty().allMatch(s -> s == HealthState.HEALTHY || s == HealthState.DEGRADED);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(pages(A)).isEmpty();
        assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void steadyDeterministicNoiseStaysHealthyWithoutAnyAlert() {
        warmUp();
        h.run(WARM, WARM + 600_000, flow(A, 20, (t, n) -> n % 100 == 50 ? Outcome.error(503, null) : Outcome.ok()));
        assertThat(statesOf(A)).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.out.alerts(A)).isEmpty();
        assertThat(h.out.anomalies(A)).isEmpty();
    }

    @Test
    void callerErrorsNeverCount() {
        warmUp();
        // a 400/401 storm: 60 % of all calls for a minute
        h.run(WARM, WARM + 60_000, flow(A, 20, (t, n) -> switch ((int) (n % 10)) {
            case 0, 1, 2 -> Outcome.error(400, "invalid_request_error");
            case 3, 4, 5 -> Outcome.error(401, "authentication_error");
            default -> Outcome.ok();
        }));
        h.run(WARM + 60_000, WARM + 120_000, flow(A, 20, (t, n) -> Outcome.ok()));
        assertThat(statesOf(A)).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.out.alerts(A)).isEmpty();
        assertThat(h.out.anomalies(A)).isEmpty();
    }

    @Test
    void twoErrorsInTwentyThinCallsNeverTrip() {
        // a fresh, thin route: 20 calls over a minute, two of them failed, next to each other
        for (int i = 0; i < 20; i++) {
            long t = i * 3_000L;
            h.tickAll(t);
            Outcome o = i == 7 ? Outcome.error(529, "overloaded_error") : i == 8 ? Outcome.error(0, "timeout") : Outcome.ok();
            h.call(A, t, o);
        }
        h.silence(60_000, 100_000);
        assertThat(statesOf(A)).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.out.alerts(A)).isEmpty();
    }

    @Test
    void twoPolicyRefusalsInTwentyThinCallsNeverTrip() {
        for (int i = 0; i < 20; i++) {
            long t = i * 3_000L;
            Outcome o = i == 4 ? Outcome.error(403, "permission_error", "search")
                    : i == 5 ? Outcome.error(403, "permission_error", "chat") : Outcome.ok();
            h.call(A, t, o);
        }
        assertThat(statesOf(A)).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
    }

    @Test
    void fullOutageIsDetectedWithinTenSecondsAndReroutedOnce() {
        warmUp();
        long start = WARM;
        h.run(start, start + 120_000, flow(A, 20, (t, n) -> Outcome.error(529, "overloaded_error")));

        RouteStatus unavailable = h.out.states(A).stream().filter(s -> s.state() == HealthState.UNAVAILABLE).findFirst()
                .orElseThrow();
        long detectedAt = unavailable.updatedAt().toEpochMilli();
        assertThat(detectedAt - at(start)).isBetween(1L, 10_000L);
        assertThat(unavailable.since()).isEqualTo(unavailable.updatedAt());
        assertThat(unavailable.evidence().rule()).startsWith("availability.burn_rate");
        assertThat(unavailable.rerouteTarget()).isEqualTo(B);
        assertThat(unavailable.rerouteWeight()).isEqualTo(1.0);

        List<RerouteCommand> commands = h.out.commands(A);
        assertThat(commands).hasSize(1);
        RerouteCommand c = commands.get(0);
        assertThat(c.action()).isEqualTo(RerouteAction.REROUTE);
        assertThat(c.route()).isEqualTo(A);
        assertThat(c.target()).isEqualTo(B);
        assertThat(c.weight()).isEqualTo(1.0);
        assertThat(c.probeShare()).isEqualTo(0.01);
        assertThat(c.epoch()).as("the first epoch is the decision's event time").isEqualTo(c.issuedAt().toEpochMilli());
        assertThat(c.commandId()).isEqualTo(A + "#" + c.epoch());
        assertThat(c.state()).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(c.reason()).startsWith("availability.burn_rate");
        assertThat(c.issuedAt()).isEqualTo(Instant.ofEpochMilli(detectedAt));
        assertThat(c.expiresAt()).isEqualTo(Instant.ofEpochMilli(detectedAt + 3_600_000));
        // evidence ratios are rounded to 3 decimals; the threshold is factor × (1 − SLO): 14.4 % or 6 %
        assertThat(c.evidence().ratio()).isGreaterThanOrEqualTo(c.evidence().threshold() - 0.0005);
        assertThat(c.evidence().threshold()).satisfiesAnyOf(
                x -> assertThat(x).isCloseTo(0.144, within(1e-9)), x -> assertThat(x).isCloseTo(0.06, within(1e-9)));
        assertThat(h.out.of(RecordedOutputs.Kind.COMMAND, A).get(0).timestamp()).isEqualTo(detectedAt);

        List<Alert> pages = pages(A);
        Alert page = assertOneIncident(pages, false);
        assertThat(page.labels()).containsEntry("alertname", AlertFactory.ROUTE_UNAVAILABLE)
                .containsEntry("route", A).containsEntry("provider", "acme").containsEntry("model", "alpha")
                .containsEntry("severity", "critical");
        assertThat(page.startsAt()).isEqualTo(Instant.ofEpochMilli(detectedAt));
        assertThat(page.annotations().get("summary")).contains(A).contains("UNAVAILABLE").contains(B);
        assertThat(h.out.of(RecordedOutputs.Kind.DETECTED, A)).hasSize(1);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
    }

    @Test
    void fullOutageOnAThinRouteIsDetected() {
        h.run(0, 600_000, flow(A, 0.2, (t, n) -> Outcome.ok()));
        h.run(600_000, 720_000, flow(A, 0.2, (t, n) -> Outcome.error(529, "overloaded_error")));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(h.out.fullReroutes(A)).hasSize(1);
        assertThat(h.out.fullReroutes(A).get(0).issuedAt().toEpochMilli() - at(600_000)).isLessThan(60_000);
    }

    @Test
    void rateLimitStormIsUnavailableWithItsOwnRule() {
        warmUp();
        h.run(WARM, WARM + 60_000, flow(A, 20, (t, n) -> n % 10 < 8 ? Outcome.error(429, "rate_limit_error") : Outcome.ok()));
        RerouteCommand c = h.out.commands(A).get(0);
        assertThat(c.reason()).isEqualTo("rate_limit.window");
        assertThat(c.state()).isEqualTo(HealthState.UNAVAILABLE);
        assertThat(c.target()).isEqualTo(B);
        assertThat(h.out.commands(A)).hasSize(1);
    }

    @Test
    void policyWithdrawalFromTwoTenantsBlocksOnTheThirdCall() {
        warmUp();
        long start = WARM;
        for (int i = 0; i < 3; i++) {
            assertThat(h.stateOf(A)).isEqualTo(HealthState.HEALTHY);
            h.call(A, start + i * 50L, Outcome.error(403, "model_not_available", i % 2 == 0 ? "search" : "chat"));
        }
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        long third = at(start + 100);
        List<RerouteCommand> commands = h.out.commands(A);
        assertThat(commands).hasSize(1);
        RerouteCommand c = commands.get(0);
        assertThat(c.action()).isEqualTo(RerouteAction.REROUTE);
        assertThat(c.target()).isEqualTo(B);
        assertThat(c.weight()).isEqualTo(1.0);
        assertThat(c.epoch()).as("the first epoch is the decision's event time").isEqualTo(c.issuedAt().toEpochMilli());
        assertThat(c.reason()).isEqualTo("policy_block.consecutive");
        assertThat(c.state()).isEqualTo(HealthState.BLOCKED);
        assertThat(c.issuedAt()).isEqualTo(Instant.ofEpochMilli(third));
        assertThat(c.evidence().calls()).isEqualTo(3);
        assertThat(c.evidence().errors()).isEqualTo(3);

        // the withdrawal goes on: still one command, one page
        h.run(start + 150, start + 60_000, flow(A, 20, (t, n) -> Outcome.error(403, "model_not_available",
                n % 2 == 0 ? "search" : "chat")));
        assertThat(h.out.commands(A)).hasSize(1);
        List<Alert> pages = pages(A);
        assertOneIncident(pages, false);
        assertThat(pages.get(0).labels()).containsEntry("alertname", AlertFactory.ROUTE_BLOCKED);
        assertThat(pages.get(0).startsAt()).isEqualTo(Instant.ofEpochMilli(third));
        assertThat(pages.get(0).annotations().get("summary")).contains("403 model_not_available");
    }

    @Test
    void policyRefusalsFromOneTenantBlockByTheWindowRule() {
        // a quiet route: one tenant, every call refused; the run rule needs two tenants
        for (int i = 0; i < 5; i++) {
            assertThat(h.stateOf(A)).as("before call %d", i + 1).isEqualTo(HealthState.HEALTHY);
            assertThat(h.out.commands(A)).isEmpty();
            h.call(A, i * 2_000L, Outcome.error(403, "model_not_available", "batch"));
        }
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        RerouteCommand c = h.out.commands(A).get(0);
        assertThat(c.reason()).isEqualTo("policy_block.window");
        assertThat(c.issuedAt()).isEqualTo(Instant.ofEpochMilli(at(8_000)));
        assertThat(c.target()).isEqualTo(B);
        assertThat(c.weight()).isEqualTo(1.0);
    }

    @Test
    void policyRefusalsBelowHalfOfTheWindowDoNotBlock() {
        // one tenant, every third call refused: at most 40 % of any 30 s
        for (int i = 0; i < 15; i++) {
            h.call(A, i * 2_000L, i % 3 == 0 ? Outcome.error(403, "permission_error", "batch") : Outcome.ok());
        }
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(statesOf(A)).doesNotContain(HealthState.BLOCKED);
    }

    @Test
    void contentFilterSpikeNeverReroutes() {
        warmUp();
        h.run(WARM, WARM + 180_000, flow(A, 20, (t, n) -> n % 2 == 0 ? Outcome.error(200, "content_filter") : Outcome.ok()));
        assertThat(statesOf(A)).containsOnly(HealthState.HEALTHY);
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(pages(A)).isEmpty();
        // it is visible, as an anomaly (a warning), not as a route failure
        assertThat(h.out.anomalies(A)).anyMatch(a -> a.metric().equals("content_filter_ratio") && a.status().equals("open"));
        assertThat(h.out.alerts(A)).allMatch(a -> a.labels().get("alertname").equals(AlertFactory.ROUTE_ANOMALY));
    }

    @Test
    void stateRecordsCarryRouteIdentityAndTime() {
        warmUp();
        h.run(WARM, WARM + 20_000, flow(A, 20, (t, n) -> Outcome.error(503, null)));
        for (RecordedOutputs.Out o : h.out.of(RecordedOutputs.Kind.STATE, A)) {
            RouteStatus s = (RouteStatus) o.value();
            assertThat(s.provider()).isEqualTo("acme");
            assertThat(s.model()).isEqualTo("alpha");
            assertThat(s.configVersion()).isEqualTo(EngineHarness.CONFIG_VERSION);
            assertThat(s.updatedAt().toEpochMilli()).isEqualTo(o.timestamp());
            assertThat(o.timestamp()).isGreaterThanOrEqualTo(T0);
        }
    }
}
