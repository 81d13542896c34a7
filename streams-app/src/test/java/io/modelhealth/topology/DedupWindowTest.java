package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.testing.Calls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code telemetry.dedup-window} (10 min): an event id seen again at an event time within the window
 * of an earlier sighting, either side and wherever the window's time slots fall, is a duplicate;
 * further away it counts again.
 */
class DedupWindowTest {

    private static final String ROUTE = "anthropic/claude-fable-5";
    private static final long WINDOW = 600_000;
    /** Mid-slot, so that ±window crosses slot boundaries both ways. */
    private static final long T0 = Instant.parse("2026-11-27T03:04:00Z").toEpochMilli();

    private final AppConfig config = AppConfig.defaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Replay replay;

    @BeforeEach
    void setUp() {
        replay = new Replay(config, "test", Instant.ofEpochMilli(T0 - 2 * WINDOW), new HealthMetrics(registry));
    }

    @AfterEach
    void tearDown() {
        replay.close();
    }

    private double duplicates() {
        return registry.get("model.health.duplicate.events").counter().count();
    }

    private void send(String id, long ts) {
        LlmCall c = Calls.ok(ROUTE, ts);
        LlmCall same = new LlmCall(id, c.timestamp(), c.provider(), c.model(), c.region(), c.tenant(), c.statusCode(),
                c.errorType(), c.latencyMs(), c.ttftMs(), c.inputTokens(), c.outputTokens());
        replay.call(Calls.key(ROUTE), Calls.bytes(same), ts);
    }

    @Test
    void sightingsWithinTheWindowEitherSideAreDuplicates() {
        send("a", T0);
        send("a", T0 + WINDOW);          // exactly the window later: still a duplicate (inclusive)
        send("a", T0 + 1);
        assertThat(duplicates()).isEqualTo(2.0);
    }

    @Test
    void anEarlierEventTimeWithinTheWindowIsADuplicateToo() {
        send("b", T0);
        send("b", T0 - WINDOW + 1);      // out of order, across the slot boundary behind
        assertThat(duplicates()).isEqualTo(1.0);
    }

    @Test
    void beyondTheWindowTheIdCountsAgain() {
        send("c", T0 - WINDOW - 1);
        send("c", T0);                   // one ms more than the window after the first: a new call
        send("d", T0);
        send("d", T0 + WINDOW + 1);
        assertThat(duplicates()).isZero();
        send("d", T0 + 2 * WINDOW);      // within the window of the second sighting of d
        assertThat(duplicates()).isEqualTo(1.0);
    }
}
