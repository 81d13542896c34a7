package io.modelhealth.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.Json;
import io.modelhealth.topology.HealthTopology;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** The engine of {@code backtest}: its in-memory stores decide as the app's own do, and it holds no backlog. */
class ReplayTest {

    private static final Instant START = Instant.parse("2026-11-20T03:00:00Z");
    private final AppConfig config = ConfigLoader.load(null, Map.of(), Map.of());

    @Test
    void inMemoryStoresWithoutChangelogsGiveTheSameOutputAsTheAppsStores() throws Exception {
        // 60 s of the demo: the withdrawal at +3 s, the gemini outage from +40 s, region scopes, windows closing.
        CallSchedule calls = CallSchedule.of(Scenarios.byName("demo"), 300, START, Duration.ofSeconds(60), 11);
        List<String> durable = run(calls, HealthTopology.StateStores.DURABLE);
        List<String> ephemeral = run(calls, HealthTopology.StateStores.EPHEMERAL);
        assertThat(durable).as("the run decides something").anyMatch(l -> l.contains("BLOCKED"));
        assertThat(ephemeral).containsExactlyElementsOf(durable);
    }

    @Test
    void theLiveStatesAreACacheOnlyTheSameDecisionsWithOneKeptAsWithAThousand() throws Exception {
        // The demo's routes and their region scopes, ~30 units: with one live state nearly every call reads its
        // unit back from the store, with the default none does; a live copy that drifted from the store would show.
        CallSchedule calls = CallSchedule.of(Scenarios.byName("demo"), 300, START, Duration.ofSeconds(60), 11);
        List<String> cached = run(calls, HealthTopology.StateStores.DURABLE, HealthTopology.LIVE_STATES);
        List<String> uncached = run(calls, HealthTopology.StateStores.DURABLE, 1);
        assertThat(cached).as("the run decides something").anyMatch(l -> l.contains("BLOCKED"));
        assertThat(uncached).containsExactlyElementsOf(cached);
    }

    @Test
    void aCallTheFeederParsedIsNotParsedAgain() {
        // The offered parse wins over the bytes: proof that the topology took it (TopologyTestDriver passes the
        // value's array through to the parse stage), so backtest parses each line once.
        byte[] bytes = ContractSerdes.LLM_CALL.serialize(null, io.modelhealth.testing.Calls.ok("acme/alpha", START.toEpochMilli()));
        io.modelhealth.schemas.LlmCall other = io.modelhealth.testing.Calls.ok("acme/beta", START.toEpochMilli());
        try (Replay replay = new Replay(config, "test", START, HealthMetrics.noop(), HealthTopology.StateStores.EPHEMERAL)) {
            replay.call(null, bytes, START.toEpochMilli(), io.modelhealth.telemetry.ParseResult.ok(other));
            // without a parse offered, the same bytes are parsed as usual
            replay.call(null, bytes.clone(), START.toEpochMilli() + 1);
            List<Replay.Output> out = replay.advance(Duration.ofSeconds(30));
            assertThat(out).filteredOn(o -> o.value() instanceof io.modelhealth.schemas.HealthWindow)
                    .extracting(o -> ((io.modelhealth.schemas.HealthWindow) o.value()).route())
                    .containsOnly("acme/beta", "acme/alpha").contains("acme/beta", "acme/alpha");
        }
    }

    @Test
    void recordsNobodyReadsAreDroppedAsTheReplayGoes() {
        CallSchedule calls = CallSchedule.of(Scenarios.byName("steady"), 500, START, Duration.ofSeconds(40), 3);
        try (Replay replay = new Replay(config, "test", START, HealthMetrics.noop())) {
            for (GeneratedCall c : calls) {
                replay.call(c.key(), ContractSerdes.LLM_CALL.serialize(null, c.call()), c.call().timestamp().toEpochMilli());
            }
            // 20,000 calls, each at least one changelog record (seen-events): the driver would hold them all.
            assertThat(heldRecords(replay.driver())).isLessThan(20_000);
        }
    }

    private static long heldRecords(TopologyTestDriver driver) {
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        long held = 0;
        for (String topic : driver.producedTopicNames()) {
            held += driver.createOutputTopic(topic, bytes, bytes).getQueueSize();
        }
        return held;
    }

    private List<String> run(CallSchedule calls, HealthTopology.StateStores stores) throws Exception {
        return run(calls, stores, HealthTopology.LIVE_STATES);
    }

    private List<String> run(CallSchedule calls, HealthTopology.StateStores stores, int liveStates) throws Exception {
        List<String> out = new ArrayList<>();
        try (Replay replay = new Replay(config, "test", START, HealthMetrics.noop(), stores, liveStates)) {
            for (GeneratedCall c : calls) {
                for (Replay.Output o : replay.call(c.key(), ContractSerdes.LLM_CALL.serialize(null, c.call()), c.call().timestamp().toEpochMilli())) {
                    out.add(line(o));
                }
            }
            for (Replay.Output o : replay.advance(Duration.ofMinutes(6))) {
                out.add(line(o));
            }
        }
        return out;
    }

    private static String line(Replay.Output o) throws Exception {
        Object key = o.key() instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : o.key();
        return o.topic() + " " + key + " " + o.timestamp() + " " + Json.mapper().writeValueAsString(o.value());
    }
}
