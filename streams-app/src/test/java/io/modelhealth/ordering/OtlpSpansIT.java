package io.modelhealth.ordering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicSpec;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.otlp.OtlpCodec;
import io.modelhealth.otlp.SpanMapper;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.topology.AppTopics;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when", on the embedded broker: {@link OrderingInput} (the seed's withdrawal — two
 * sibling models refused at t = 20 s — and an outage that heals) as spans made by the OpenTelemetry
 * Java SDK, several tenants as resources, serialized by the SDK's own OTLP marshaler in each encoding
 * and produced unkeyed, {@value OtlpInput#BATCH} spans a record, onto random partitions of an OTLP topic
 * wider ({@value #OTLP_PARTITIONS}) than {@code llm.calls} ({@value #PARTITIONS}, silent throughout: its
 * partitions must go idle, not hold the watermark). The real app must block and reroute the withdrawn
 * routes with the same decisions (reroute commands, and each route's sequence of states) as
 * {@code backtest} of the same calls sent as {@code llm.call.v1}; dead-letter a record that is not a
 * request and a span that breaks the call rules; count the non-LLM spans it skipped.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OtlpSpansIT {

    private static final int PARTITIONS = 3;
    private static final int OTLP_PARTITIONS = 4;
    private static final Duration CAUGHT_UP = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;

    private static OrderingInput input;
    private static OtlpInput spans;
    private static List<RerouteCommand> reference;
    private static Map<String, List<HealthState>> referenceStates;

    @BeforeAll
    static void referenceRun() {
        input = OrderingInput.get();
        spans = new OtlpInput(input.inOrder());
        Outputs run = BacktestRun.run(OrderingConfig.reference(), spans.equivalents);
        reference = run.commandsUpTo(input.comparedUntil());
        referenceStates = statesUpTo(run.states(), input.comparedUntil());
        assertThat(reference).filteredOn(c -> c.action() == RerouteAction.REROUTE)
                .extracting(RerouteCommand::route, RerouteCommand::target, RerouteCommand::state)
                .as("the reference blocks and reroutes the withdrawn siblings")
                .contains(org.assertj.core.groups.Tuple.tuple(OrderingInput.FABLE, OrderingInput.FABLE_FALLBACK, HealthState.BLOCKED),
                        org.assertj.core.groups.Tuple.tuple(OrderingInput.HAIKU, OrderingInput.HAIKU_FALLBACK, HealthState.BLOCKED));
    }

    @ParameterizedTest
    @EnumSource(OtlpEncoding.class)
    void spansFromTheSdkDecideAsTheSameCallsSentAsLlmCallV1(OtlpEncoding encoding, KafkaCluster kafka) throws Exception {
        String prefix = kafka.uniqueTopicName("otlp-" + encoding.wireName().replace('_', '-'));
        Path dir = Files.createDirectories(tmp.resolve(prefix));
        AppConfig base = OrderingConfig.live(dir, prefix, kafka.bootstrapServers(), PARTITIONS, kafka.replicationFactor());
        AppConfig.Otlp o = base.otlp();
        AppConfig config = base.withOtlp(new AppConfig.Otlp(true, prefix + ".otlp_spans", encoding, o.tenantAttribute(),
                o.regionAttribute())).validate();
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
            // More partitions than the spec asks for is a legitimate scale-up: the OTLP topic is wider than llm.calls.
            admin.ensure(List.of(TopicSpec.of(config.otlp().topic(), OTLP_PARTITIONS, kafka.replicationFactor())));
            assertThat(admin.ensure(AppTopics.specs(config)).problems()).allMatch(p -> p.contains("cannot shrink"));
        }
        byte[] garbage = "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8);
        byte[] badSpan = new OtlpCodec(encoding).encode(requestWithABadSpan());
        produce(kafka, config, garbage, badSpan, encoding);

        ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", dir.resolve("state").toString(),
                "commit.interval.ms", "100"));
        try (CommittedReader reader = new CommittedReader(kafka.clientProperties(), config)) {
            app.awaitRunning(Duration.ofSeconds(60));
            await(prefix + ": the group has committed all its input").atMost(CAUGHT_UP).pollInterval(Duration.ofMillis(500))
                    .until(reader::caughtUp);
            String label = "live: OTLP " + encoding.wireName() + " spans, unkeyed on " + OTLP_PARTITIONS + " partitions";
            await(prefix + ": the reference's decisions").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> check(label, reader.poll().outputs()));
            reader.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));
            Outputs live = reader.outputs();
            check(label, live);
            System.out.println(label + ", up to " + input.rel(input.comparedUntil()) + ":\n"
                    + Decisions.show(live.commandsUpTo(input.comparedUntil()), input));

            MeterRegistry registry = app.metrics().registry();
            assertThat(registry.get(HealthMetrics.SPANS_INGESTED).counter().count()).isEqualTo(spans.equivalents.size());
            assertThat(registry.get(HealthMetrics.SPANS_SKIPPED).tag("reason", SpanMapper.NOT_GENAI).counter().count())
                    .isEqualTo(spans.httpSpans).isPositive();
            assertThat(registry.get(HealthMetrics.SPANS_SKIPPED).tag("reason", SpanMapper.NOT_A_MODEL_CALL).counter().count())
                    .isEqualTo(spans.agentSpans);

            List<DeadLetter> dead = deadLetters(kafka, config, 2);
            assertThat(dead).allSatisfy(d -> assertThat(d.sourceTopic()).isEqualTo(config.otlp().topic()));
            assertThat(dead).anySatisfy(d -> {
                assertThat(Base64.getDecoder().decode(d.originalValue())).isEqualTo(garbage);
                assertThat(d.reason()).isEqualTo(encoding == OtlpEncoding.OTLP_JSON ? DeadLetter.NOT_JSON : DeadLetter.SCHEMA_VIOLATION);
            });
            assertThat(dead).anySatisfy(d -> {
                assertThat(d.reason()).isEqualTo(DeadLetter.SCHEMA_VIOLATION);
                assertThat(d.error()).contains("latency_ms");
                assertThat(Base64.getDecoder().decode(d.originalValue())).as("the bad span alone, in the topic's encoding")
                        .isEqualTo(badSpan);
            });
        } finally {
            app.close();
        }
    }

    private static void check(String label, Outputs live) {
        Decisions.assertSame("backtest of the same calls as llm.call.v1", reference, label,
                live.commandsUpTo(input.comparedUntil()), OrderingConfig.bucket(OrderingConfig.reference()), input);
        assertThat(statesUpTo(live.states(), input.comparedUntil())).as("each route's states").isEqualTo(referenceStates);
    }

    /**
     * Per route, the unhealthy states it entered up to {@code cut} (each one a decision, with its
     * reroute), then the state it was in at the cut. Not every intermediate record: the fleet stage
     * publishes a route's state once per watermark step, so a live run, whose steps depend on when
     * partitions are read, may fold HEALTHY → BLOCKED into one record where the backtest shows two.
     */
    private static Map<String, List<HealthState>> statesUpTo(List<RouteStatus> states, Instant cut) {
        Map<String, List<HealthState>> out = new TreeMap<>();
        Map<String, HealthState> last = new TreeMap<>();
        for (RouteStatus s : states) {
            if (s.since().isBefore(cut)) {
                List<HealthState> seq = out.computeIfAbsent(s.route(), r -> new ArrayList<>());
                if (s.state().isUnhealthy() && (seq.isEmpty() || seq.get(seq.size() - 1) != s.state())) {
                    seq.add(s.state());
                }
                last.put(s.route(), s.state());
            }
        }
        last.forEach((route, state) -> out.get(route).add(state));
        return out;
    }

    /** Every request unkeyed onto a random partition (seeded), in time order; the two bad records early on. */
    private static void produce(KafkaCluster kafka, AppConfig config, byte[] garbage, byte[] badSpan, OtlpEncoding encoding) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        String topic = config.otlp().topic();
        Random random = new Random(13);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            await(topic + " has a leader for every partition").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> producer.partitionsFor(topic).stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()));
            for (int i = 0; i < spans.requests.size(); i++) {
                OtlpInput.Request r = spans.requests.get(i);
                List<byte[]> values = new ArrayList<>();
                values.add(r.bytes(encoding));
                if (i == 5) {
                    values.add(garbage);
                    values.add(badSpan);
                }
                for (byte[] v : values) {
                    producer.send(new ProducerRecord<>(topic, random.nextInt(OTLP_PARTITIONS), r.timestamp(), null, v), (m, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new AssertionError("the test producer failed", failure.get());
        }
    }

    /** A GenAI span that ends before it starts: not a valid call. */
    private static ExportTraceServiceRequest requestWithABadSpan() {
        long end = input.start().plusSeconds(5).toEpochMilli() * 1_000_000L;
        Span span = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[]{1, 2, 3, 4, 5, 6, 7, 8}))
                .setName("chat gpt-5").setStartTimeUnixNano(end + 1_000_000).setEndTimeUnixNano(end)
                .addAttributes(attr("gen_ai.provider.name", "openai")).addAttributes(attr("gen_ai.request.model", "gpt-5"))
                .build();
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(attr("service.name", "checkout")))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    /** The first {@code n} dead letters, read_committed. */
    private static List<DeadLetter> deadLetters(KafkaCluster kafka, AppConfig config, int n) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.kafka().get("application.id") + "-dlq-reader");
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(config.topics().deadLetters()));
            await("dead letters").atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(ContractSerdes.DEAD_LETTER.deserialize(r.topic(), r.value())));
                return out.size() >= n;
            });
        }
        return out;
    }
}
