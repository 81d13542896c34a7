package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.Outcome;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** model_health_detection_seconds: first bad call of the incident → decision, not first noise error of the day. */
class DetectionClockTest {

    private static final String ROUTE = "anthropic/claude-fable-5";

    @Test
    void backgroundNoiseLongBeforeAnIncidentDoesNotStartTheDetectionClock() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(ROUTE, List.of("openai/gpt-5"))));
        // Ten minutes at 20 calls/s with one availability error every 200 calls (0.5 % noise).
        int n = 0;
        for (long t = 0; t < 600_000; t += 50) {
            h.call(ROUTE, t, ++n % 200 == 0 ? Outcome.error(529, "overloaded_error") : Outcome.ok());
        }
        // Then the model is withdrawn: policy refusals from two tenants.
        for (long t = 600_000, i = 0; t < 602_000; t += 50, i++) {
            h.call(ROUTE, t, Outcome.error(403, "model_not_available", i % 2 == 0 ? "search" : "chat"));
        }
        List<RecordedOutputs.Out> detected = h.out.all().stream()
                .filter(o -> o.kind() == RecordedOutputs.Kind.DETECTED).toList();
        assertThat(detected).hasSize(1);
        String text = (String) detected.get(0).value();
        double seconds = Double.parseDouble(text.substring(text.indexOf(" after ") + 7, text.indexOf(" s")));
        // Three refusals at 50 ms apart: the decision comes 0.1 s after the first one, not minutes after a noise error.
        assertThat(seconds).isLessThan(1.0);
    }
}
