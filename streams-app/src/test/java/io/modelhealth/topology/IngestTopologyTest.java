package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.SchemaCatalog;
import io.modelhealth.testing.Calls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every path of the ingest half of the topology, through TopologyTestDriver (via {@link Replay}). */
class IngestTopologyTest {

    private static final String ROUTE = "anthropic/claude-fable-5";
    private static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();

    private final AppConfig config = AppConfig.defaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Replay replay;
    private final List<Replay.Output> out = new ArrayList<>();

    @BeforeEach
    void start() {
        replay = new Replay(config, "test", Instant.ofEpochMilli(T0), new HealthMetrics(registry));
    }

    @AfterEach
    void stop() {
        replay.close();
    }

    private List<Replay.Output> of(String topic) {
        return out.stream().filter(o -> o.topic().equals(topic)).toList();
    }

    private List<DeadLetter> deadLetters() {
        return of(config.topics().deadLetters()).stream().map(o -> (DeadLetter) o.value()).toList();
    }

    @Test
    void validCallsAreCountedInWindowsByClassWithEventTimeStamps() {
        for (int i = 0; i < 10; i++) {
            long ts = T0 + i * 500L;
            out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.call(ROUTE, ts, i < 8 ? 200 : 529,
                    i < 8 ? null : "overloaded_error", "search")), ts));
        }
        out.addAll(replay.advance(Duration.ofSeconds(25)));

        List<Replay.Output> windows = of(config.topics().windows());
        assertThat(windows).hasSize(1);
        HealthWindow w = (HealthWindow) windows.get(0).value();
        assertThat(w.route()).isEqualTo(ROUTE);
        assertThat(w.windowStart()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(w.windowEnd()).isEqualTo(Instant.ofEpochMilli(T0 + 10_000));
        assertThat(w.calls()).isEqualTo(10);
        assertThat(w.byClass()).containsEntry(OutcomeClass.SUCCESS, 8L).containsEntry(OutcomeClass.AVAILABILITY, 2L)
                .containsEntry(OutcomeClass.POLICY_BLOCK, 0L);
        assertThat(w.latencyP95Ms()).isBetween(380.0, 460.0);
        // The window is stamped when it closes in event time: when the low watermark passes its end.
        assertThat(windows.get(0).timestamp()).isEqualTo(T0 + 10_000);
        assertThat(windows.get(0).key()).isEqualTo(ROUTE);
        assertThat(deadLetters()).isEmpty();
        out.forEach(o -> SchemaCatalog.assertValid(o.value()));
    }

    @Test
    void nullAndForeignKeysAreReKeyedByRoute() {
        long ts = T0;
        out.addAll(replay.call(null, Calls.bytes(Calls.ok(ROUTE, ts)), ts));
        out.addAll(replay.call("some-other-key".getBytes(StandardCharsets.UTF_8), Calls.bytes(Calls.ok(ROUTE, ts + 1)), ts + 1));
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, ts + 2)), ts + 2));
        out.addAll(replay.advance(Duration.ofSeconds(25)));

        List<Replay.Output> windows = of(config.topics().windows());
        assertThat(windows).hasSize(1);
        assertThat(windows.get(0).key()).isEqualTo(ROUTE);
        assertThat(((HealthWindow) windows.get(0).value()).calls()).isEqualTo(3);
    }

    @Test
    void everyKindOfBadRecordIsDeadLetteredWithReasonCoordinatesAndOriginalBytes() {
        byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, '{'};
        byte[][] bad = {
                "not json at all".getBytes(StandardCharsets.UTF_8),
                notUtf8,
                "{\"event_id\":\"e1\",\"provider\":\"anthropic\",\"model\":\"m\",\"latency_ms\":1}".getBytes(StandardCharsets.UTF_8),
                "{\"event_id\":\"e2\",\"timestamp\":\"yesterday\",\"provider\":\"a\",\"model\":\"m\",\"latency_ms\":1}".getBytes(StandardCharsets.UTF_8),
                "{\"event_id\":\"e3\",\"timestamp\":\"1970-01-01T00:00:00Z\",\"provider\":\"a\",\"model\":\"m\",\"latency_ms\":1}".getBytes(StandardCharsets.UTF_8),
                "[1,2,3]".getBytes(StandardCharsets.UTF_8),
                ("{\"event_id\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8),
                null,
        };
        for (int i = 0; i < bad.length; i++) {
            out.addAll(replay.call(("k" + i).getBytes(StandardCharsets.UTF_8), bad[i], T0 + i));
        }
        List<DeadLetter> dead = deadLetters();
        assertThat(dead).extracting(DeadLetter::reason).containsExactly(
                DeadLetter.NOT_JSON, DeadLetter.NOT_UTF8, DeadLetter.SCHEMA_VIOLATION, DeadLetter.SCHEMA_VIOLATION,
                DeadLetter.TIMESTAMP_OUT_OF_RANGE, DeadLetter.SCHEMA_VIOLATION, DeadLetter.TOO_LARGE, DeadLetter.NULL_VALUE);
        assertThat(dead.get(2).error()).contains("timestamp");
        assertThat(dead.get(3).error()).contains("yesterday");
        for (int i = 0; i < bad.length; i++) {
            DeadLetter d = dead.get(i);
            assertThat(d.sourceTopic()).isEqualTo(config.topics().calls());
            assertThat(d.sourceOffset()).isEqualTo(i);
            assertThat(d.originalKey()).isEqualTo(Base64.getEncoder().encodeToString(("k" + i).getBytes(StandardCharsets.UTF_8)));
            assertThat(d.originalValue()).isEqualTo(bad[i] == null ? null : Base64.getEncoder().encodeToString(bad[i]));
            SchemaCatalog.assertValid(d);
        }
        // The dead-letter topic is keyed by the original key bytes.
        assertThat(of(config.topics().deadLetters()).get(0).key()).isEqualTo("k0".getBytes(StandardCharsets.UTF_8));
        assertThat(registry.get("model.health.dead.letters").tag("reason", DeadLetter.SCHEMA_VIOLATION).counter().count())
                .isEqualTo(3.0);
    }

    @Test
    void callsBehindTheWatermarkAmendTheirWindowAndBeyondTheBoundAreDeadLettered() {
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, T0)), T0));
        long now = T0 + 400_000;
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, now)), now));
        out.addAll(replay.advance(Duration.ofMillis(100)));
        // Its bucket [T0, T0+10s) ended more than windows.grace (5 min) before the low watermark: too late.
        var tooLate = Calls.ok(ROUTE, T0 + 5_000);
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(tooLate), now + 1));
        // 20 s behind: counted, in a window emitted at once as amended.
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, now - 20_000)), now + 2));
        out.addAll(replay.advance(Duration.ofSeconds(30)));

        assertThat(registry.get("model.health.late.events").counter().count()).isEqualTo(1.0);
        List<HealthWindow> windows = of(config.topics().windows()).stream().map(o -> (HealthWindow) o.value()).toList();
        assertThat(windows).filteredOn(w -> w.windowStart().toEpochMilli() == T0).singleElement()
                .extracting(HealthWindow::calls).isEqualTo(1L);
        assertThat(windows).filteredOn(w -> w.windowStart().toEpochMilli() == now - 20_000).singleElement()
                .satisfies(w -> {
                    assertThat(w.calls()).isEqualTo(1L);
                    assertThat(w.lateCalls()).isEqualTo(1L);
                });
        assertThat(windows).filteredOn(w -> w.windowStart().toEpochMilli() == now).singleElement()
                .extracting(HealthWindow::calls).isEqualTo(1L);
        // Never dropped silently: the too-late call is on the dead-letter topic with its reason and bytes.
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.TOO_LATE);
            assertThat(d.error()).contains("behind the low watermark");
            assertThat(ContractSerdes.LLM_CALL.deserialize("", Base64.getDecoder().decode(d.originalValue()))).isEqualTo(tooLate);
            SchemaCatalog.assertValid(d);
        });
        windows.forEach(SchemaCatalog::assertValid);
    }

    @Test
    void aKeyedAndAnUnkeyedCopyOfOneCallAreOneCall() {
        var call = Calls.ok(ROUTE, T0);
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(call), T0));
        // the same call again, sent by a producer that does not key (it takes the repartition hop)
        out.addAll(replay.call(null, Calls.bytes(call), T0 + 100));
        out.addAll(replay.call("some-other-key".getBytes(StandardCharsets.UTF_8), Calls.bytes(call), T0 + 200));
        out.addAll(replay.advance(Duration.ofSeconds(25)));
        assertThat(registry.get("model.health.duplicate.events").counter().count()).isEqualTo(2.0);
        assertThat(((HealthWindow) of(config.topics().windows()).get(0).value()).calls()).isEqualTo(1);
    }

    @Test
    void duplicateEventIdsAreDroppedAndCounted() {
        var call = Calls.ok(ROUTE, T0);
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(call), T0));
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(call), T0 + 100));
        out.addAll(replay.advance(Duration.ofSeconds(25)));
        assertThat(registry.get("model.health.duplicate.events").counter().count()).isEqualTo(1.0);
        assertThat(((HealthWindow) of(config.topics().windows()).get(0).value()).calls()).isEqualTo(1);
    }

    @Test
    void futureTimestampsAreCappedAtTheKafkaTimestampPlusSkew() {
        long kafkaTs = T0;
        long future = T0 + Duration.ofHours(3).toMillis();
        out.addAll(replay.call(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, future)), kafkaTs));
        out.addAll(replay.advance(Duration.ofMinutes(2)));
        assertThat(registry.get("model.health.clock.skew.capped").counter().count()).isEqualTo(1.0);
        HealthWindow w = (HealthWindow) of(config.topics().windows()).get(0).value();
        assertThat(w.windowStart().toEpochMilli()).isEqualTo(T0 + config.telemetry().maxFutureSkew().toMillis());
    }

    @Test
    void randomBytesAndMalformedJsonNeverStopTheTopology() {
        Random random = new Random(42);
        int good = 0;
        int bad = 0;
        for (int i = 0; i < 2_000; i++) {
            long ts = T0 + i * 10L;
            int kind = random.nextInt(4);
            byte[] value;
            if (kind == 0) {
                value = Calls.bytes(Calls.ok(ROUTE, ts));
                good++;
            } else if (kind == 1) {
                value = new byte[random.nextInt(300)];
                random.nextBytes(value);
                bad++;
            } else if (kind == 2) {
                byte[] json = Calls.bytes(Calls.ok(ROUTE, ts));
                value = java.util.Arrays.copyOf(json, random.nextInt(json.length - 1));
                bad++;
            } else {
                value = ("{\"event_id\": " + random.nextInt() + ", \"latency_ms\": \"NaN\"}").getBytes(StandardCharsets.UTF_8);
                bad++;
            }
            out.addAll(replay.call(random.nextBoolean() ? null : Calls.key(ROUTE), value, ts));
        }
        out.addAll(replay.advance(Duration.ofSeconds(30)));
        assertThat(deadLetters()).hasSize(bad);
        long counted = of(config.topics().windows()).stream().mapToLong(o -> ((HealthWindow) o.value()).calls()).sum();
        assertThat(counted).isEqualTo(good);
    }
}
