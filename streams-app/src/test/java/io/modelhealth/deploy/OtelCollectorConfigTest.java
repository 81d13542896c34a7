package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/otel/collector.yaml and the compose stack's {@code otel-collector}, checked without Docker:
 * OTLP in (gRPC and HTTP), batched, out through the {@code kafka} exporter to the broker the stack runs,
 * on the topic and in the encoding the monitors read — per-signal {@code traces.topic} /
 * {@code traces.encoding}, the exporter's current keys.
 */
class OtelCollectorConfigTest {

    private static final JsonNode COLLECTOR = DeployFiles.readYaml(DeployFiles.deploy("otel/collector.yaml"));
    private static final JsonNode COMPOSE = DeployFiles.readYaml(DeployFiles.deploy("compose/docker-compose.yml")).path("services");

    @Test
    void receivesOtlpAndExportsToKafkaAsTheAppReadsIt() {
        assertThat(COLLECTOR.at("/receivers/otlp/protocols/grpc/endpoint").asText()).endsWith(":4317");
        assertThat(COLLECTOR.at("/receivers/otlp/protocols/http/endpoint").asText()).endsWith(":4318");
        JsonNode kafka = COLLECTOR.at("/exporters/kafka");
        AppConfig.Otlp defaults = AppConfig.defaults().otlp();
        assertThat(kafka.at("/traces/topic").asText()).isEqualTo(defaults.topic());
        assertThat(kafka.at("/traces/encoding").asText()).isEqualTo(defaults.encoding().wireName());
        assertThat(kafka.has("topic")).as("the deprecated top-level topic key").isFalse();
        assertThat(kafka.has("encoding")).as("the deprecated top-level encoding key").isFalse();
        assertThat(strings(kafka.path("brokers"))).containsExactly("kafka:9092");
        JsonNode traces = COLLECTOR.at("/service/pipelines/traces");
        assertThat(strings(traces.path("receivers"))).containsExactly("otlp");
        assertThat(strings(traces.path("processors"))).containsExactly("batch");
        assertThat(strings(traces.path("exporters"))).containsExactly("kafka");
        assertThat(COLLECTOR.at("/processors/batch/timeout").asText()).as("no long wait before a withdrawal is seen").isEqualTo("100ms");
    }

    @Test
    void theComposeStackRunsItBesideMonitorsThatReadItsTopic() {
        JsonNode service = COMPOSE.path("otel-collector");
        assertThat(service.path("image").asText()).matches("otel/opentelemetry-collector-contrib:\\d+\\.\\d+\\.\\d+");
        assertThat(service.at("/depends_on/topics/condition").asText()).isEqualTo("service_completed_successfully");
        assertThat(service.at("/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        String mount = service.at("/volumes/0").asText();
        assertThat(mount).startsWith("../otel/collector.yaml:");
        assertThat(service.at("/command/0").asText()).isEqualTo("--config=" + mount.split(":")[1]);
        assertThat(strings(service.path("ports"))).contains("4317:4317", "4318:4318");
        assertThat(COMPOSE.at("/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText()).contains("PLAINTEXT://kafka:9092");

        Path config = DeployFiles.deploy("compose/model-health.yaml");
        AppConfig app = ConfigLoader.load(config, Map.of(), Map.of());
        assertThat(app.otlp().enabled()).isTrue();
        assertThat(app.otlp().topic()).isEqualTo(COLLECTOR.at("/exporters/kafka/traces/topic").asText());
        assertThat(app.otlp().encoding().wireName()).isEqualTo(COLLECTOR.at("/exporters/kafka/traces/encoding").asText());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
