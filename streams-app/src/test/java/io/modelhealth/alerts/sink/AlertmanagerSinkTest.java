package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.Test;

/** The sink's wiring; its behaviour against a broker is in {@code AlertmanagerSinkIT} and {@code AlertmanagerIT}. */
class AlertmanagerSinkTest {

    @Test
    void theConsumerTakesTheClientSettingsOfTheConfigButNotTheStreamsOnes() {
        Map<String, String> kafka = new LinkedHashMap<>();
        kafka.put("bootstrap.servers", "kafka-1:9093,kafka-2:9093");
        kafka.put("application.id", "model-health-eu");
        kafka.put("security.protocol", "SASL_SSL");
        kafka.put("sasl.mechanism", "SCRAM-SHA-512");
        kafka.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mh\" password=\"pw\";");
        kafka.put("ssl.truststore.location", "/etc/kafka/truststore.p12");
        kafka.put("processing.guarantee", "exactly_once_v2");
        kafka.put("num.standby.replicas", "2");
        kafka.put("state.dir", "/var/lib/model-health");
        kafka.put("consumer.session.timeout.ms", "30000");
        kafka.put("producer.linger.ms", "20");
        kafka.put("main.consumer.max.poll.records", "5");
        kafka.put("enable.auto.commit", "true");
        kafka.put("isolation.level", "read_uncommitted");
        kafka.put("group.id", "someone-elses-group");
        AppConfig config = SinkConfigs.with(AppConfig.defaults(), kafka, "model.health.alerts", "http://am:9093",
                Duration.ofMinutes(1));

        Map<String, Object> c = AlertmanagerSink.consumerConfig(config);

        assertThat(c).containsEntry("bootstrap.servers", "kafka-1:9093,kafka-2:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", kafka.get("sasl.jaas.config"))
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12")
                .containsEntry("session.timeout.ms", "30000")
                .containsEntry("group.id", "model-health-eu-alertmanager-sink")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false);
        assertThat(c).doesNotContainKeys("application.id", "processing.guarantee", "num.standby.replicas", "state.dir",
                "linger.ms", "producer.linger.ms", "max.poll.records", "main.consumer.max.poll.records",
                "consumer.session.timeout.ms");
        assertThat(AlertmanagerSink.groupId(config)).isEqualTo("model-health-eu-alertmanager-sink");
    }

    @Test
    void anAlertWithoutStatusFiresUntilItHasAnEndAndTakesItsFingerprintFromTheKey() {
        Instant start = Instant.parse("2026-11-27T03:00:00Z");
        Map<String, String> labels = Map.of("alertname", "ModelRouteBlocked", "route", "a/b");
        Alert bare = new Alert(labels, Map.of(), start, null, null, null, null);
        Alert ended = new Alert(labels, Map.of(), start, start.plusSeconds(60), null, null, "fp-1");

        assertThat(AlertmanagerSink.normalize(bare, "key-1")).extracting(Alert::status, Alert::fingerprint)
                .containsExactly(Alert.FIRING, "key-1");
        assertThat(AlertmanagerSink.normalize(ended, "key-2")).extracting(Alert::status, Alert::fingerprint)
                .containsExactly(Alert.RESOLVED, "fp-1");
        assertThat(AlertmanagerSink.normalize(bare, null)).as("no fingerprint, no key").isNull();
        assertThat(AlertmanagerSink.normalize(new Alert(Map.of(), Map.of(), start, null, null, Alert.FIRING, "fp"), "k"))
                .as("no labels: Alertmanager would refuse it").isNull();
    }

    @Test
    void withoutAnAlertmanagerUrlThereIsNoSinkAndNoConsumerLeftOpen() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        AppConfig config = SinkConfigs.withAlertmanager(AppConfig.defaults(), null);
        assertThatThrownBy(() -> new AlertmanagerSink(config, new SimpleMeterRegistry(), consumer, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alerts.alertmanager-url");
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void closeBeforeStartClosesTheConsumerAndRemovesTheMeters() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AlertmanagerSink sink = new AlertmanagerSink(SinkConfigs.withAlertmanager(AppConfig.defaults(), "http://am:9093"),
                registry, consumer, Clock.systemUTC());
        assertThat(registry.find(DeliveryMetrics.FIRING).gauge()).isNotNull();

        sink.close();

        assertThat(consumer.closed()).isTrue();
        assertThat(registry.find(DeliveryMetrics.FIRING).gauge()).isNull();
        assertThatThrownBy(sink::start).isInstanceOf(IllegalStateException.class);
    }
}
