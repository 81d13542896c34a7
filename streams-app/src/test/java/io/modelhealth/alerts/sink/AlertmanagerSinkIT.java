package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink on a real broker, against a fake Alertmanager: what a restart re-sends and delivers,
 * read_committed, and that a dead Alertmanager costs the running app nothing.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AlertmanagerSinkIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.now().minusSeconds(600);

    @TempDir
    Path tmp;

    private static AppConfig sinkConfig(KafkaCluster kafka, String topic, String group, String url) {
        Map<String, String> props = new HashMap<>();
        kafka.clientProperties().forEach((k, v) -> props.put(k, String.valueOf(v)));
        props.put("application.id", group);
        return SinkConfigs.with(AppConfig.defaults(), props, topic, url, Duration.ofMinutes(1));
    }

    private static KafkaProducer<String, Alert> producer(KafkaCluster kafka, String transactionalId) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        KafkaProducer<String, Alert> producer = new KafkaProducer<>(p, new StringSerializer(), ContractSerdes.ALERT.serializer());
        if (transactionalId != null) {
            producer.initTransactions();
        }
        return producer;
    }

    private static void send(KafkaProducer<String, Alert> producer, String topic, Alert... alerts) throws Exception {
        for (Alert a : alerts) {
            producer.send(new ProducerRecord<>(topic, a.fingerprint(), a)).get();
        }
    }

    /** Every alert (route, status) in every POST after the first {@code skip}. */
    private static List<String> posted(FakeAlertmanager am, int skip) {
        return am.requests().stream().skip(skip)
                .flatMap(r -> StreamSupport.stream(r.body().spliterator(), false))
                .map(AlertmanagerSinkIT::describe)
                .distinct().toList();
    }

    private static String describe(JsonNode a) {
        boolean resolved = !Instant.parse(a.path("endsAt").asText()).isAfter(Instant.now());
        return a.path("labels").path("route").asText() + (resolved ? " resolved" : " firing");
    }

    @Test
    void aRestartReSendsWhatStillFiresAndDeliversWhatCameWhileItWasDown(KafkaCluster kafka) throws Exception {
        String topic = kafka.createTopic("alerts", 2, Map.of());
        String group = kafka.uniqueTopicName("sink-restart");
        Alert fable = TestAlerts.blocked(AppFixture.FABLE, T0, "fable blocked");
        Alert haiku = TestAlerts.blocked(AppFixture.HAIKU, T0, "haiku blocked");
        Alert gpt = TestAlerts.route(AlertFactory.ROUTE_UNAVAILABLE, AlertFactory.PAGE, AppFixture.GPT, T0.plusSeconds(60),
                "gpt-5 unavailable", null);
        Alert aborted = TestAlerts.route(AlertFactory.ROUTE_UNAVAILABLE, AlertFactory.PAGE, "google/gemini-3-pro",
                T0.plusSeconds(90), "written in an aborted transaction", null);

        try (FakeAlertmanager am = new FakeAlertmanager();
             KafkaProducer<String, Alert> producer = producer(kafka, null);
             KafkaProducer<String, Alert> transactional = producer(kafka, group + "-tx")) {
            AppConfig config = sinkConfig(kafka, topic, group, am.url());
            // History before the first start: fable fires, haiku fired and was resolved; and a record that is no alert.
            send(producer, topic, fable, haiku, TestAlerts.resolved(haiku, T0.plusSeconds(30)));
            try (KafkaProducer<String, String> raw = new KafkaProducer<>(new HashMap<>(kafka.clientProperties()),
                    new StringSerializer(), new StringSerializer())) {
                raw.send(new ProducerRecord<>(topic, "junk", "not json")).get();
            }

            try (AlertmanagerSink sink = new AlertmanagerSink(config, new SimpleMeterRegistry())) {
                sink.start();
                await().atMost(WAIT).until(() -> sink.caughtUp() && am.count() > 0);
                assertThat(posted(am, 0)).as("only what fires now; haiku's incident was over before the first start")
                        .containsExactly(AppFixture.FABLE + " firing");
            }
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(AlertmanagerSink.groupId(config))
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> ends = admin.listOffsets(committed.keySet().stream()
                                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                        .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
                assertThat(committed).hasSize(2);
                committed.forEach((tp, o) -> assertThat(o.offset()).as("committed %s", tp).isEqualTo(ends.get(tp)));
            }

            // While the sink is down: fable is resolved, gpt-5 starts firing, and a transaction that aborts.
            send(producer, topic, TestAlerts.resolved(fable, T0.plusSeconds(120)), gpt);
            transactional.beginTransaction();
            transactional.send(new ProducerRecord<>(topic, aborted.fingerprint(), aborted)).get();
            transactional.abortTransaction();
            int before = am.count();

            MeterRegistry registry = new SimpleMeterRegistry();
            try (AlertmanagerSink sink = new AlertmanagerSink(config, registry)) {
                sink.start();
                await().atMost(WAIT).untilAsserted(() -> assertThat(posted(am, before))
                        .contains(AppFixture.FABLE + " resolved", AppFixture.GPT + " firing"));
                JsonNode resolution = am.requests().stream().skip(before)
                        .flatMap(r -> StreamSupport.stream(r.body().spliterator(), false))
                        .filter(a -> a.path("labels").path("route").asText().equals(AppFixture.FABLE))
                        .findFirst().orElseThrow();
                assertThat(Instant.parse(resolution.path("endsAt").asText())).isEqualTo(T0.plusSeconds(120));
                assertThat(posted(am, before)).doesNotContain(AppFixture.FABLE + " firing", "google/gemini-3-pro firing");

                // Live: a record written while the sink runs goes out at once.
                int live = am.count();
                send(producer, topic, TestAlerts.resolved(gpt, Instant.now()));
                await().atMost(WAIT).untilAsserted(() -> assertThat(posted(am, live)).contains(AppFixture.GPT + " resolved"));
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(registry.get(DeliveryMetrics.FIRING).gauge().value()).as("nothing fires any more").isZero();
                    assertThat(registry.get(DeliveryMetrics.PENDING).gauge().value()).isZero();
                });
            }
            assertThat(posted(am, 0)).as("never a record of an aborted transaction").doesNotContain("google/gemini-3-pro firing");
        }
    }

    @Test
    void aDeadAlertmanagerCostsTheStreamNothingButAMetricAndALogLine(KafkaCluster kafka) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        MeterRegistry registry = new SimpleMeterRegistry();
        try (AppFixture fixture = AppFixture.start(kafka, tmp, Map.of());
             AlertmanagerSink sink = new AlertmanagerSink(
                     SinkConfigs.withAlertmanager(fixture.config(), "http://127.0.0.1:" + closedPort), registry)) {
            sink.start();
            fixture.healthyTraffic(AppFixture.ROUTES, 10);
            fixture.withdraw(List.of(AppFixture.FABLE), 6);

            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(fixture.alerts()).extracting(a -> a.labels().get("route") + " " + a.labels().get("alertname"))
                        .contains(AppFixture.FABLE + " " + AlertFactory.ROUTE_BLOCKED);
                assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "error").counter().count()).isGreaterThanOrEqualTo(2);
                assertThat(registry.get(DeliveryMetrics.FIRING).gauge().value()).isGreaterThanOrEqualTo(1);
            });
            assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "ok").counter().count()).isZero();
            assertThat(registry.get(DeliveryMetrics.LAST_SUCCESS).gauge().value()).isZero();

            // The stream goes on while the sink keeps failing: a second withdrawal is detected and alerted as before.
            fixture.withdraw(List.of(AppFixture.GPT_MINI), 6);
            await().atMost(WAIT).untilAsserted(() -> assertThat(fixture.alerts())
                    .extracting(a -> a.labels().get("route") + " " + a.labels().get("alertname"))
                    .contains(AppFixture.GPT_MINI + " " + AlertFactory.ROUTE_BLOCKED));
            assertThat(fixture.app().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(registry.get(DeliveryMetrics.FIRING).gauge().value()).isGreaterThanOrEqualTo(2));
            assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "ok").counter().count()).isZero();
        }
    }

    /** Needs ModelHealthApp to start the sink when alerts.alertmanager-url is set (the `run --alertmanager-url` path). */
    @Test
    void theAppForwardsItsAlertsWhenAnAlertmanagerUrlIsConfigured(KafkaCluster kafka) throws Exception {
        try (FakeAlertmanager am = new FakeAlertmanager();
             AppFixture fixture = AppFixture.start(kafka, tmp, Map.of("alerts.alertmanager-url", am.url()))) {
            fixture.healthyTraffic(AppFixture.ROUTES, 10);
            fixture.withdraw(List.of(AppFixture.FABLE), 6);

            await().atMost(WAIT).untilAsserted(() -> assertThat(posted(am, 0))
                    .as("the app posts its alerts to alerts.alertmanager-url (is the sink started by ModelHealthApp.start?)")
                    .contains(AppFixture.FABLE + " firing"));
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + fixture.app().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("model_health_alertmanager_posts_total{outcome=\"ok\"}")
                    .contains("model_health_alertmanager_last_success_timestamp_seconds");
        }
    }
}
