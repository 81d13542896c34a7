package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.backtest.Backtest;
import io.modelhealth.cli.Main;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.SchemaCatalog;
import java.io.BufferedReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a real broker: {@code topics} from the CLI, the app with exactly-once,
 * real input with bad records and null keys, read back with read_committed — and the same input
 * through {@code backtest} (no broker) must give the same reroute decisions.
 */
@ExtendWith(KafkaBrokerExtension.class)
class PipelineIT {

    @TempDir
    Path tmp;

    @Test
    void aRealBrokerRunDecidesExactlyAsTheBacktestOfTheSameInput(KafkaCluster kafka) throws Exception {
        String prefix = kafka.uniqueTopicName("pipe");
        Path configFile = tmp.resolve("model-health.yaml");
        Scenario demo = Scenarios.byName("demo");
        StringBuilder yaml = new StringBuilder();
        yaml.append("kafka:\n  application.id: ").append(prefix).append("\n");
        yaml.append("topics:\n");
        for (String t : List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides")) {
            yaml.append("  ").append(t).append(": ").append(prefix).append(".").append(t).append("\n");
        }
        yaml.append("  partitions: 1\n  replication-factor: ").append(kafka.replicationFactor()).append("\n");
        yaml.append("routes:\n");
        demo.fallbacks().forEach((route, chain) -> yaml.append("  ").append(route).append(":\n    fallbacks: [")
                .append(String.join(", ", chain)).append("]\n"));
        Files.writeString(configFile, yaml);

        // `topics` through the CLI, as a user would.
        assertThat(Main.execute("topics", "--bootstrap-servers", kafka.bootstrapServers(), "--config", configFile.toString()))
                .isZero();
        AppConfig config = ConfigLoader.load(configFile, Map.of(), Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "http.port", "0"));

        // Input: the demo scenario's first 150 s, in the past, plus records the app must dead-letter.
        Instant start = Instant.parse("2026-11-20T03:00:00Z");
        Path input = tmp.resolve("calls.jsonl");
        CallSchedule.of(demo, 120, start, Duration.ofSeconds(150), 7).writeJsonl(input);
        // Decisions are compared while input flows; after it ends, the live app's wall clock runs on.
        Instant end = start.plusSeconds(150);
        List<String> lines = new ArrayList<>(Files.readAllLines(input));
        lines.add(200, "{\"event_id\": \"broken\"");
        lines.add(400, "not json");
        Files.write(input, lines);

        // The backtest's decisions first.
        StringWriter backtestOut = new StringWriter();
        try (BufferedReader in = Files.newBufferedReader(input)) {
            Backtest.Summary summary = new Backtest(config, ConfigLoader.configVersion(config)).run(in, backtestOut);
            assertThat(summary.deadLetters()).isEqualTo(2);
            assertThat(summary.incidents()).isGreaterThanOrEqualTo(3);
        }
        List<String> expected = new ArrayList<>();
        for (String line : backtestOut.toString().split("\n")) {
            JsonNode n = Json.mapper().readTree(line);
            if (n.get("topic").asText().equals(config.topics().reroutes())) {
                RerouteCommand c = Json.mapper().treeToValue(n.get("value"), RerouteCommand.class);
                if (!c.issuedAt().isAfter(end)) {
                    expected.add(decision(c));
                }
            }
        }
        assertThat(expected).as("the backtest reroutes the withdrawn models and the outage").hasSizeGreaterThanOrEqualTo(3);

        // Then the same bytes into the real topic: keyed by route as recommended, except one route's calls,
        // which come with no key and so take the repartition path. (Mixing the two paths for one route would
        // change the order its calls arrive in, and with it the exact millisecond of a decision.)
        Properties pp = new Properties();
        pp.putAll(kafka.clientProperties());
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                JsonNode n = line.startsWith("{\"") && line.endsWith("}") ? Json.mapper().readTree(line) : null;
                long ts = n != null && n.has("timestamp") ? Instant.parse(n.get("timestamp").asText()).toEpochMilli()
                        : start.toEpochMilli();
                byte[] key = n == null || n.get("provider").asText().equals("mistral") ? null
                        : (n.get("provider").asText() + "/" + n.get("model").asText()).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(config.topics().calls(), null, ts, key, line.getBytes(StandardCharsets.UTF_8)));
            }
        }

        List<ConsumerRecord<byte[], byte[]>> seen = new CopyOnWriteArrayList<>();
        try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", tmp.resolve("state").toString(),
                "commit.interval.ms", "100"));
             KafkaConsumer<byte[], byte[]> consumer = readCommitted(kafka, config)) {
            app.awaitRunning(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                List<String> live = seen.stream().filter(r -> r.topic().equals(config.topics().reroutes()))
                        .map(r -> ContractSerdes.REROUTE_COMMAND.deserialize(r.topic(), r.value()))
                        .filter(c -> !c.issuedAt().isAfter(end)).map(PipelineIT::decision).toList();
                assertThat(live).containsExactlyElementsOf(expected);
            });
            List<DeadLetter> dead = seen.stream().filter(r -> r.topic().equals(config.topics().deadLetters()))
                    .map(r -> ContractSerdes.DEAD_LETTER.deserialize(r.topic(), r.value())).toList();
            assertThat(dead).extracting(DeadLetter::reason).containsExactlyInAnyOrder(DeadLetter.NOT_JSON, DeadLetter.NOT_JSON);
            assertThat(dead).allSatisfy(d -> assertThat(d.sourceTopic()).isEqualTo(config.topics().calls()));
            List<HealthWindow> windows = seen.stream().filter(r -> r.topic().equals(config.topics().windows()))
                    .map(r -> ContractSerdes.HEALTH_WINDOW.deserialize(r.topic(), r.value())).toList();
            assertThat(windows).isNotEmpty();
            assertThat(windows).allSatisfy(SchemaCatalog::assertValid);
            // Output timestamps are event times (the input is a week old), not processing times.
            assertThat(seen).allSatisfy(r -> assertThat(r.timestamp()).isLessThan(start.plusSeconds(3600).toEpochMilli()));
        }
    }

    /** What a routing service acts on, in a comparable form. */
    private static String decision(RerouteCommand c) {
        return c.route() + " " + c.action() + " -> " + c.target() + " w=" + c.weight() + " epoch=" + c.epoch() + " at " + c.issuedAt();
    }

    private static KafkaConsumer<byte[], byte[]> readCommitted(KafkaCluster kafka, AppConfig config) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(config.topics().reroutes(), config.topics().deadLetters(), config.topics().windows(),
                config.topics().state())) {
            c.partitionsFor(t).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
