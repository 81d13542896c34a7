package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.Incidents.assertOneIncident;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Anomaly windows against a learned (EWMA) baseline: they warn and degrade, never reroute. */
class AnomalyTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";

    /** Latencies spread over 300–500 ms, the same pattern in every bucket. */
    static double normalLatency(long n) {
        return 300 + (n * 37 % 200);
    }

    @Test
    void latencyJumpOpensAnAnomalyAndItClosesWhenLatencyReturns() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.HEALTHY);
        long warm = 180_000;
        long jump = warm;
        long back = warm + 120_000;
        long end = back + 300_000;
        h.run(0, warm, flow(A, 20, (t, n) -> Outcome.ok(normalLatency(n))));
        assertThat(h.out.anomalies(A)).isEmpty();
        h.run(jump, back, flow(A, 20, (t, n) -> Outcome.ok(5 * normalLatency(n))));
        h.run(back, end, flow(A, 20, (t, n) -> Outcome.ok(normalLatency(n))));

        List<Anomaly> anomalies = h.out.anomalies(A);
        assertThat(anomalies).extracting(Anomaly::metric).containsOnly("latency_p95_ms");
        assertThat(anomalies).extracting(Anomaly::status).containsExactly(Anomaly.OPEN, Anomaly.CLOSE);
        Anomaly open = anomalies.get(0);
        Anomaly close = anomalies.get(1);
        // opened by the first slow bucket, when it closed (at its end)
        assertThat(open.openedAt().toEpochMilli()).isEqualTo(EngineHarness.at(jump + 10_000));
        assertThat(open.baseline()).isCloseTo(500, within(50.0));
        assertThat(open.observed()).isCloseTo(5 * 500, within(250.0));
        assertThat(open.score()).isGreaterThanOrEqualTo(open.threshold());
        assertThat(open.threshold()).isEqualTo(4.0);
        assertThat(open.closedAt()).isNull();
        // the baseline was frozen for the two slow minutes: the close is measured against the same one
        assertThat(close.anomalyId()).isEqualTo(open.anomalyId());
        assertThat(close.baseline()).isEqualTo(open.baseline());
        assertThat(close.observed()).isCloseTo(open.baseline(), within(50.0));
        assertThat(close.score()).isLessThan(2.0);
        assertThat(close.openedAt()).isEqualTo(open.openedAt());
        assertThat(close.closedAt().toEpochMilli()).isEqualTo(EngineHarness.at(back + 10_000));

        List<Alert> alerts = h.out.alerts(A, AlertFactory.ROUTE_ANOMALY);
        assertThat(alerts).hasSize(2);
        assertOneIncident(alerts, true);
        assertThat(alerts.get(0).labels()).containsEntry("severity", "warning").containsEntry("metric", "latency_p95_ms");
        assertThat(alerts.get(1).fingerprint()).isEqualTo(alerts.get(0).fingerprint());
        assertThat(alerts.get(1).endsAt()).isEqualTo(close.closedAt());

        // DEGRADED while open, HEALTHY again after; a warning, never a reroute
        List<RouteStatus> states = h.out.states(A);
        assertThat(states).extracting(RouteStatus::state)
                .containsExactly(HealthState.HEALTHY, HealthState.DEGRADED, HealthState.HEALTHY);
        assertThat(states.get(1).updatedAt()).isEqualTo(open.openedAt());
        assertThat(states.get(1).reason()).contains("latency_p95_ms");
        assertThat(states.get(2).updatedAt()).isAfterOrEqualTo(close.closedAt());
        assertThat(h.out.commands(A)).isEmpty();
        assertThat(h.out.alerts(A).stream().filter(a -> "critical".equals(a.labels().get("severity")))).isEmpty();
    }

    @Test
    void noAnomalyBeforeTheBaselineIsWarm() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of()));
        // 12 buckets of warm-up; the jump comes after 6
        h.run(0, 60_000, flow(A, 20, (t, n) -> Outcome.ok(normalLatency(n))));
        h.run(60_000, 120_000, flow(A, 20, (t, n) -> Outcome.ok(5 * normalLatency(n))));
        assertThat(h.out.anomalies(A)).isEmpty();
    }

    @Test
    void thinBucketsDoNotScore() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of()));
        h.run(0, 180_000, flow(A, 20, (t, n) -> Outcome.ok(normalLatency(n))));
        // fewer than anomaly.min-calls (10) per bucket
        h.run(180_000, 300_000, flow(A, 0.5, (t, n) -> Outcome.ok(5 * normalLatency(n))));
        assertThat(h.out.anomalies(A)).isEmpty();
    }
}
