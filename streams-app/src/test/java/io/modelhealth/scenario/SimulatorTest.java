package io.modelhealth.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.otlp.CallSpans;
import io.modelhealth.otlp.OtlpCodec;
import io.modelhealth.otlp.SpanBatchSink;
import io.modelhealth.otlp.SpanMapper;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.ParseResult;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The simulator's pacing, record shape and stopping, against a {@link MockProducer} (no broker). */
class SimulatorTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Simulator simulator = new Simulator(producer, new PrintStream(output, true, StandardCharsets.UTF_8),
            Clock.systemUTC());

    @Test
    void producesTheScenarioAtTheRateKeyedByRouteWithEventTimeTimestamps() {
        Simulator.Settings settings = Simulator.Settings.of(Scenarios.byName("demo"), "calls-in", 2000)
                .withDuration(Duration.ofMillis(600))
                .withSeed(11)
                .withGarbageRecords(3)
                .withProgressInterval(Duration.ofMillis(200));

        Simulator.Result result = simulator.run(settings);

        assertThat(result.stopped()).isFalse();
        assertThat(result.garbageRecords()).isEqualTo(3);
        assertThat(result.failed()).isZero();
        // 600 ms at 2000/s; a busy machine may fall a little behind, never ahead.
        assertThat(result.calls()).isBetween(700L, 1250L);
        assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(600));

        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).hasSize((int) (result.calls() + 3));
        CallParser parser = new CallParser(64 * 1024);
        int garbage = 0;
        for (ProducerRecord<byte[], byte[]> r : sent) {
            assertThat(r.topic()).isEqualTo("calls-in");
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(Scenarios.byName("demo").routes()).contains(key);
            ParseResult parsed = parser.parse(r.value());
            if (!parsed.isValid()) {
                garbage++;
                continue;
            }
            LlmCall call = ContractSerdes.LLM_CALL.deserialize(r.topic(), r.value());
            assertThat(call.route()).isEqualTo(key);
            assertThat(r.timestamp()).isEqualTo(call.timestamp().toEpochMilli());
            assertThat(call.eventId()).startsWith("sim-11-");
        }
        assertThat(garbage).isEqualTo(3);
        assertThat(sent).extracting(ProducerRecord::timestamp).isSorted();

        String out = output.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("simulating scenario demo into calls-in at 2,000 calls/s")
                .contains("phase t+0s")
                .containsPattern("sent [0-9,]+ calls \\([0-9,]+/s\\), phase: steady")
                .contains("injected garbage record 3/3")
                .contains("done: sent");
    }

    @Test
    void anOtlpSinkSendsTheSameCallsAsUnkeyedBatchesOfSpans() throws Exception {
        Simulator.Settings settings = Simulator.Settings.of(Scenarios.byName("demo"), "calls-in", 2000)
                .withDuration(Duration.ofMillis(1000))
                .withSeed(11)
                .withSink(new SpanBatchSink(AppConfig.Otlp.DEFAULT), "otlp_spans");

        Simulator.Result result = simulator.run(settings);

        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        // One request per 200 ms (the Collector batch processor's timeout) and the rest at the end.
        assertThat(sent).hasSizeBetween(2, 6);
        OtlpCodec codec = new OtlpCodec(AppConfig.OtlpEncoding.OTLP_PROTO);
        SpanMapper mapper = new SpanMapper(AppConfig.Otlp.DEFAULT);
        List<String> eventIds = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : sent) {
            assertThat(r.topic()).isEqualTo("otlp_spans");
            assertThat(r.key()).as("unkeyed, as the kafka exporter writes by default").isNull();
            ExportTraceServiceRequest request = codec.decode(r.value());
            long newest = 0;
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (Span span : rs.getScopeSpans(0).getSpansList()) {
                    LlmCall call = ((SpanMapper.Call) mapper.map(rs.getResource(), span)).call();
                    assertThat(Scenarios.byName("demo").routes()).contains(call.route());
                    eventIds.add(call.eventId());
                    newest = Math.max(newest, call.timestamp().toEpochMilli());
                }
            }
            assertThat(r.timestamp()).isEqualTo(newest);
        }
        assertThat(sent).extracting(ProducerRecord::timestamp).isSorted();
        assertThat(eventIds).hasSize((int) result.calls()).containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, result.calls()).mapToObj(n -> CallSpans.eventId("sim-11-" + n)).toList());
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("as OTLP span batches (otlp_proto)");
    }

    @Test
    void stopEndsARunEarly() {
        Simulator.Settings settings = Simulator.Settings.of(Scenarios.byName("steady"), "calls-in", 500)
                .withDuration(Duration.ofMinutes(5));
        CompletableFuture<Simulator.Result> run = CompletableFuture.supplyAsync(() -> simulator.run(settings));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() >= 20);
        assertThat(simulator.isRunning()).isTrue();
        assertThatThrownBy(() -> simulator.run(settings)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running");

        simulator.stop();

        Simulator.Result result = run.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(result.stopped()).isTrue();
        assertThat(result.calls()).isEqualTo(producer.history().size());
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("stopped: sent");
    }

    @Test
    void closeStopsTheRunAndClosesTheProducer() {
        Simulator.Settings settings = Simulator.Settings.of(Scenarios.byName("steady"), "calls-in", 500)
                .withDuration(Duration.ofMinutes(5));
        CompletableFuture<Simulator.Result> run = CompletableFuture.supplyAsync(() -> simulator.run(settings));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() >= 5);

        simulator.close();

        assertThat(run.orTimeout(10, TimeUnit.SECONDS).join().stopped()).isTrue();
        assertThat(producer.closed()).isTrue();
        assertThatThrownBy(() -> simulator.run(settings)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        simulator.close(); // idempotent
    }

    @Test
    void producerConfigHasSafeDefaultsAndPassesEverythingThrough() {
        Map<String, Object> config = Simulator.producerConfig(Map.of(
                "bootstrap.servers", "kafka:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "compression.type", "zstd",
                "key.serializer", "com.example.Nope"));
        assertThat(config)
                .containsEntry("acks", "all")
                .containsEntry("linger.ms", 5)
                .containsEntry("enable.idempotence", true)
                .containsEntry("bootstrap.servers", "kafka:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("compression.type", "zstd")
                .doesNotContainKey("key.serializer");
        assertThat(Simulator.producerConfig(Map.of())).containsEntry("compression.type", "lz4");
    }

    @Test
    void settingsRejectNonsense() {
        Scenario s = Scenarios.byName("steady");
        assertThatThrownBy(() -> Simulator.Settings.of(s, "t", 0)).hasMessageContaining("rate");
        assertThatThrownBy(() -> Simulator.Settings.of(s, " ", 10)).hasMessageContaining("topic");
        assertThatThrownBy(() -> Simulator.Settings.of(s, "t", 10).withDuration(Duration.ZERO)).hasMessageContaining("duration");
        assertThatThrownBy(() -> Simulator.Settings.of(s, "t", 10).withGarbageRecords(-1)).hasMessageContaining("garbage");
        assertThat(Simulator.Settings.of(s, "t", 10).duration()).isEqualTo(s.defaultDuration());
    }
}
