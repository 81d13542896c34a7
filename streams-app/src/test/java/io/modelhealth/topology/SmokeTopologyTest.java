package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.testing.Calls;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmokeTopologyTest {

    @Test
    void withdrawnModelIsBlockedAndRerouted() {
        AppConfig base = AppConfig.defaults();
        AppConfig config = new AppConfig(base.kafka(), base.http(), base.topics(), base.telemetry(), base.classes(),
                base.windows(), base.detection(), base.anomaly(), base.reroute(), base.alerts(),
                Map.of("anthropic/claude-fable-5", new AppConfig.Route(List.of("openai/gpt-5"))));
        long t0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
        List<Replay.Output> all = new ArrayList<>();
        try (Replay r = new Replay(config, "test", Instant.ofEpochMilli(t0), HealthMetrics.noop())) {
            for (int i = 0; i < 200; i++) {
                long ts = t0 + i * 100L;
                all.addAll(r.call(Calls.key("anthropic/claude-fable-5"), Calls.bytes(Calls.ok("anthropic/claude-fable-5", ts)), ts));
                all.addAll(r.call(Calls.key("openai/gpt-5"), Calls.bytes(Calls.ok("openai/gpt-5", ts)), ts));
            }
            for (int i = 0; i < 10; i++) {
                long ts = t0 + 20_000 + i * 100L;
                all.addAll(r.call(null, Calls.bytes(Calls.call("anthropic/claude-fable-5", ts, 403, "model_not_available",
                        i % 2 == 0 ? "search" : "chat")), ts));
            }
            all.addAll(r.call(null, "garbage".getBytes(), t0 + 30_000));
            all.addAll(r.advance(java.time.Duration.ofSeconds(60)));
        }
        all.forEach(o -> System.out.println(o.topic() + " " + o.key() + " @" + Instant.ofEpochMilli(o.timestamp()) + " " + o.value()));
        assertThat(all).anyMatch(o -> o.topic().equals("model.reroute.commands"));
    }
}
