package io.modelhealth.health;

import io.modelhealth.health.EngineHarness.Flow;
import static io.modelhealth.health.EngineHarness.flow;
import static io.modelhealth.health.EngineHarness.override;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteOverride;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The same input gives the same output, also when the state passes through its store serde each time. */
class DeterminismTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";
    static final String C = "other/gamma";

    /** A busy half hour: noise, an outage and its recovery, a withdrawal, a latency jump, an override. */
    static List<RecordedOutputs.Out> scenario(boolean roundTrip) {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B, C), B, List.of(A, C))));
        h.roundTripState = roundTrip;
        h.fleet.set(C, HealthState.HEALTHY);
        Random r = new Random(2026);
        EngineHarness.Shape noisy = (t, n) -> r.nextDouble() < 0.01 ? Outcome.error(503, null)
                : Outcome.ok(200 + r.nextInt(600));
        h.run(0, 180_000, flow(A, 20, noisy), flow(B, 10, noisy));
        h.run(180_000, 600_000,
                new Flow(A, t -> 20 * h.remainingShare(A), (t, n) -> t < 240_000 ? Outcome.error(529, "overloaded_error")
                        : Outcome.ok(200 + r.nextInt(600))),
                new Flow(B, t -> 10 * h.remainingShare(B), (t, n) -> t < 400_000 ? Outcome.ok(1_500 + r.nextInt(3_000))
                        : Outcome.error(403, "model_not_available", r.nextBoolean() ? "search" : "chat")));
        h.override(A, override(A, null, RouteOverride.FORCE, C, false, 700_000), 600_000);
        h.run(600_000, 900_000, flow(A, 20, noisy), new Flow(B, t -> 10 * h.remainingShare(B), noisy));
        h.silence(900_000, 1_200_000);
        h.call(A, 1_200_000, Outcome.ok());
        h.call(A, 800_000, Outcome.error(503, null)); // beyond the 5 min lateness bound
        return h.out.all();
    }

    @Test
    void sameInputSameOutput() {
        List<RecordedOutputs.Out> first = scenario(false);
        List<RecordedOutputs.Out> second = scenario(false);
        assertThat(first).hasSizeGreaterThan(100);
        // the scenario exercises every kind of output
        assertThat(first).extracting(RecordedOutputs.Out::kind).contains(RecordedOutputs.Kind.values());
        assertThat(second).isEqualTo(first);
    }

    @Test
    void stateThatPassesThroughTheStoreSerdeDecidesTheSame() {
        assertThat(scenario(true)).isEqualTo(scenario(false));
    }
}
