package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusPageViewTest {

    private static final RouteStatus FALLBACK = Fleet.status(Fleet.FALLBACK, HealthState.HEALTHY, null,
            Fleet.NOW.minusSeconds(600), "no errors", null, null, null);

    @Test
    void errorRatioCoversTheLastMinuteOfTheRoutesWindows() {
        List<HealthWindow> windows = List.of(
                Fleet.window(Fleet.FALLBACK, Fleet.NOW.minusSeconds(120), 100, 100, 0, 900.0), // outside 1m: ignored
                Fleet.window(Fleet.FALLBACK, Fleet.NOW.minusSeconds(50), 30, 3, 0, 500.0),
                Fleet.window(Fleet.FALLBACK, Fleet.NOW.minusSeconds(10), 10, 0, 2, null));     // newest, no p95 yet
        StatusPageView.Row row = StatusPageView.of(Fleet.NOW, List.of(FALLBACK), Map.of(Fleet.FALLBACK, windows)).routes().get(0);
        assertThat(row.calls()).isEqualTo(40);
        assertThat(row.errorRatio()).isEqualTo(5.0 / 40);
        assertThat(row.latencyP95Ms()).isEqualTo(500.0);
        assertThat(row.windowsAvailable()).isTrue();
    }

    @Test
    void noCallsMeansNoRatio() {
        StatusPageView.Row row = StatusPageView.of(Fleet.NOW, List.of(FALLBACK),
                Map.of(Fleet.FALLBACK, List.of(Fleet.window(Fleet.FALLBACK, Fleet.NOW, 0, 0, 0, null)))).routes().get(0);
        assertThat(row.calls()).isZero();
        assertThat(row.errorRatio()).isNull();
        assertThat(row.latencyP95Ms()).isNull();
    }

    @Test
    void missingWindowsAreUnavailableNotZero() {
        StatusPageView.Row row = StatusPageView.of(Fleet.NOW, List.of(FALLBACK), Map.of()).routes().get(0);
        assertThat(row.windowsAvailable()).isFalse();
        assertThat(row.calls()).isNull();
        assertThat(row.errorRatio()).isNull();
    }

    @Test
    void countsEveryStateIncludingZeros() {
        StatusPageView view = StatusPageView.of(Fleet.NOW, List.of(FALLBACK,
                Fleet.status(Fleet.BLOCKED, HealthState.BLOCKED, HealthState.HEALTHY, Fleet.NOW, "policy", "openai/gpt-5", 1.0, null),
                Fleet.status(Fleet.DEGRADED, HealthState.BLOCKED, HealthState.HEALTHY, Fleet.NOW, "policy", null, null, null)),
                Map.of());
        assertThat(view.counts()).containsEntry(HealthState.BLOCKED, 2).containsEntry(HealthState.HEALTHY, 1)
                .containsEntry(HealthState.IDLE, 0).hasSize(HealthState.values().length);
        assertThat(view.routes().get(1).rerouteTarget()).isEqualTo("openai/gpt-5");
        assertThat(view.routes().get(1).rerouteWeight()).isEqualTo(1.0);
    }
}
