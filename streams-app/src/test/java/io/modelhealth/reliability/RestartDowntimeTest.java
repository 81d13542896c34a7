package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteState;
import io.modelhealth.health.RouteStateSerde;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.topology.HealthEvent;
import io.modelhealth.topology.RouteEvent;
import io.modelhealth.topology.RouteProcessor;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

/**
 * What a task that resumes after downtime does with the calls that queued up meanwhile — the
 * mechanism behind {@link CrashRecoveryIT}, {@link BrokerOutageIT} and {@link RebalanceIT}, shown
 * in milliseconds on the real {@link RouteProcessor} with its stores.
 *
 * <p>A task's route states survive a crash, a failover or a restart (changelogged store), and the
 * task then resumes from the last committed input offset: the calls of the downtime are still to
 * come, in order. Kafka Streams runs a wall-clock punctuation after the first record of a resumed
 * task. That punctuation must not treat the downtime as the routes' silence: the routes were not
 * silent, the monitor was away.
 */
class RestartDowntimeTest {

    private static final String FIRST = "anthropic/claude-fable-5";
    private static final String SECOND = "google/gemini-3-pro";
    private static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
    /** Wall clock of the first incarnation: the calls arrive as they happen. */
    private static final long WALL0 = T0;
    private static final Duration DOWNTIME = Duration.ofSeconds(45);

    private final AppConfig config = AppConfig.defaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HealthMetrics metrics = new HealthMetrics(registry);
    private final KeyValueStore<String, RouteState> routeStates = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(RouteProcessor.STATE_STORE), Serdes.String(), new RouteStateSerde())
            .withLoggingDisabled().build();
    private final WindowStore<String, Long> seen = Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(RouteProcessor.DEDUP_STORE, config.telemetry().dedupWindow(),
                    config.telemetry().dedupWindow(), false), Serdes.String(), Serdes.Long())
            .withLoggingDisabled().build();
    private final KeyValueStore<String, RouteStatus> fleet = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(RouteProcessor.FLEET_STORE), Serdes.String(), ContractSerdes.ROUTE_STATUS)
            .withLoggingDisabled().build();
    private int ids;

    @Test
    void callsQueuedDuringADowntimeAreCountedOnceTheTaskResumes() {
        // First incarnation: 15 s of calls on two routes, then the process dies (nothing else happens to the stores).
        MockProcessorContext<String, HealthEvent> before = context(WALL0);
        RouteProcessor first = processor(before);
        for (long t = 0; t < 15_000; t += 100) {
            before.setCurrentSystemTimeMs(WALL0 + t);
            first.process(call(FIRST, T0 + t));
            first.process(call(SECOND, T0 + t));
        }

        // The task resumes 45 s later (restart, failover or broker back) and reads the calls queued meanwhile,
        // in order. Kafka Streams punctuates once the first record is processed.
        long resumedAt = WALL0 + 15_000 + DOWNTIME.toMillis();
        MockProcessorContext<String, HealthEvent> after = context(resumedAt);
        RouteProcessor resumed = processor(after);
        resumed.process(call(FIRST, T0 + 15_000));
        long wall = resumedAt + config.windows().punctuateInterval().toMillis();
        after.setCurrentSystemTimeMs(wall);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(wall);
        for (long t = 15_000; t < 45_000; t += 100) {
            resumed.process(call(SECOND, T0 + t));
        }

        assertThat(registry.get(HealthMetrics.LATE).counter().count())
                .as("queued calls counted as late (dropped from every window)").isZero();
        assertThat(windowCalls(after, SECOND, T0 + 10_000))
                .as("calls in the window that was open when the task stopped (10 calls/s for 10 s)").containsExactly(100L);
    }

    @Test
    void aRouteThatFallsSilentWhileOthersFlowIsStillEvaluated() {
        // The punctuation's purpose, which a fix must keep: a route that stops while others go on is seen to stop.
        MockProcessorContext<String, HealthEvent> context = context(WALL0);
        RouteProcessor processor = processor(context);
        for (long t = 0; t < 15_000; t += 100) {
            context.setCurrentSystemTimeMs(WALL0 + t);
            processor.process(call(FIRST, T0 + t));
            processor.process(call(SECOND, T0 + t));
        }
        // SECOND stops; FIRST goes on for 40 s more; punctuation every second.
        for (long t = 15_000; t < 55_000; t += 100) {
            context.setCurrentSystemTimeMs(WALL0 + t);
            processor.process(call(FIRST, T0 + t));
            if (t % 1000 == 0) {
                context.scheduledPunctuators().get(0).getPunctuator().punctuate(WALL0 + t);
            }
        }
        // Its last open bucket [10 s, 20 s) closed at 30 s (end + grace) although no call of its own came.
        assertThat(windowCalls(context, SECOND, T0 + 10_000)).containsExactly(50L);
    }

    /** The calls of every window of {@code route} starting at {@code start} that the processor emitted. */
    private static java.util.List<Long> windowCalls(MockProcessorContext<String, HealthEvent> context, String route, long start) {
        return context.forwarded().stream()
                .map(f -> f.record().value())
                .filter(v -> v instanceof HealthEvent.WindowClosed w && w.window().route().equals(route)
                        && w.window().windowStart().toEpochMilli() == start)
                .map(v -> ((HealthEvent.WindowClosed) v).window().calls())
                .toList();
    }

    private MockProcessorContext<String, HealthEvent> context(long wallMs) {
        MockProcessorContext<String, HealthEvent> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wallMs);
        for (var store : new org.apache.kafka.streams.processor.StateStore[] {routeStates, seen, fleet}) {
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        return context;
    }

    private RouteProcessor processor(MockProcessorContext<String, HealthEvent> context) {
        RouteProcessor p = new RouteProcessor(config, "test", metrics);
        p.init(context);
        return p;
    }

    private Record<String, RouteEvent> call(String route, long ts) {
        String provider = route.substring(0, route.indexOf('/'));
        String model = route.substring(route.indexOf('/') + 1);
        LlmCall call = new LlmCall("downtime-" + ids++, Instant.ofEpochMilli(ts), provider, model, null, "search",
                200, null, 300.0, null, null, null);
        return new Record<>(route, RouteEvent.of(call), ts);
    }
}
