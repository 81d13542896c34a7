package io.modelhealth.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.OutcomeClass;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary {@code backtest} prints counts each incident once and times it from its first error.
 * The demo story is the case that broke it: a route's state record is re-sent, previous state
 * unchanged, each time one of its region scopes turns BLOCKED, and a region going BLOCKED while the
 * route is still HEALTHY re-sends the HEALTHY record too.
 */
class BacktestSummaryTest {

    @TempDir
    Path tmp;

    @Test
    void eachIncidentOfTheDemoIsCountedOnceAndTimedFromItsFirstError() throws Exception {
        Instant start = Instant.parse("2026-11-20T03:00:00Z");
        Path input = tmp.resolve("calls.jsonl");
        // 60 s of the demo: the two anthropic models withdrawn at +3 s (for good), the gemini outage from +40 s.
        CallSchedule.of(Scenarios.byName("demo"), 400, start, Duration.ofSeconds(60), 7).writeJsonl(input);
        AppConfig config = ConfigLoader.load(null, Map.of(), Map.of());

        Backtest.Summary summary;
        try (BufferedReader in = Files.newBufferedReader(input)) {
            summary = new Backtest(config, ConfigLoader.configVersion(config)).run(in, null);
        }

        assertThat(summary.detections()).extracting(Backtest.Detection::route)
                .containsExactlyInAnyOrder(Scenarios.CLAUDE_FABLE, Scenarios.CLAUDE_HAIKU, Scenarios.GEMINI_PRO);
        assertThat(summary.incidents()).isEqualTo(3);
        for (Backtest.Detection d : summary.detections()) {
            assertThat(d.seconds()).as(d.route() + " detected after its first error, within seconds").isBetween(0.0, 5.0);
        }
        Backtest.Detection fable = summary.detections().stream()
                .filter(d -> d.route().equals(Scenarios.CLAUDE_FABLE)).findFirst().orElseThrow();
        assertThat(fable.at()).as("the withdrawal starts at +3 s").isAfterOrEqualTo(start.plusSeconds(3));
        assertThat(summary.lines()).filteredOn(l -> l.contains(Scenarios.CLAUDE_FABLE)).hasSize(1);
    }

    @Test
    void anIncidentClockStartsAtTheFirstErrorAfterACleanStretchNotAtBackgroundNoise() {
        Backtest.IncidentClocks clocks = new Backtest.IncidentClocks();
        String route = "google/gemini-3-pro";
        long t = 0;
        // Background: an availability error every 50 calls, and a client error, for a minute.
        for (int i = 0; i < 3_000; i++, t += 20) {
            clocks.call(route, i % 50 == 7 ? OutcomeClass.AVAILABILITY : i == 100 ? OutcomeClass.CLIENT : null, t);
        }
        long outage = t;
        // The outage: 4 calls in 5 fail; its first failing call starts the clock.
        for (int i = 0; i < 200; i++, t += 20) {
            clocks.call(route, i % 5 == 4 ? null : OutcomeClass.AVAILABILITY, t);
        }
        Evidence burn = new Evidence("availability.burn_rate_5m_1m", 300, null, null, 0, 0, 0, 0, null, null);
        assertThat(clocks.incidentStart(route, burn)).isEqualTo(outage);
        assertThat(clocks.incidentStart(route, null)).as("no rule: the earliest run of any class").isEqualTo(2_000L);
        assertThat(clocks.incidentStart("openai/gpt-5", burn)).isNull();
    }
}
