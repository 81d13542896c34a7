package io.modelhealth.alerts.sink;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.testing.Calls;
import io.modelhealth.topology.AppTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The real app on the test cluster, with its own topics (prefix), a calls producer and a
 * read_committed reader of its alerts topic. Its config has no Alertmanager URL: the tests start
 * the sink themselves, pointed where they want.
 */
final class AppFixture implements AutoCloseable {

    static final String FABLE = "anthropic/claude-fable-5";
    static final String HAIKU = "anthropic/claude-haiku-5";
    static final String GPT = "openai/gpt-5";
    static final String GPT_MINI = "openai/gpt-5-mini";
    static final List<String> ROUTES = List.of(FABLE, HAIKU, GPT, GPT_MINI);

    private final AppConfig config;
    private final ModelHealthApp app;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<String, byte[]> alertsReader;
    private final List<Alert> alerts = new CopyOnWriteArrayList<>();

    private AppFixture(AppConfig config, ModelHealthApp app, KafkaProducer<byte[], byte[]> producer,
                       KafkaConsumer<String, byte[]> alertsReader) {
        this.config = config;
        this.app = app;
        this.producer = producer;
        this.alertsReader = alertsReader;
    }

    /**
     * Creates the topics and starts the app, waiting until it runs.
     *
     * @param flags config keys over the defaults (dotted, as on the command line)
     */
    static AppFixture start(KafkaCluster kafka, Path tmp, Map<String, String> flags) throws IOException {
        String prefix = kafka.uniqueTopicName("am");
        StringBuilder yaml = new StringBuilder();
        yaml.append("kafka:\n  application.id: ").append(prefix).append("\n");
        yaml.append("topics:\n");
        for (String t : List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides")) {
            yaml.append("  ").append(t).append(": ").append(prefix).append(".").append(t).append("\n");
        }
        yaml.append("  partitions: 2\n  replication-factor: ").append(kafka.replicationFactor()).append("\n");
        yaml.append("routes:\n");
        yaml.append("  ").append(FABLE).append(":\n    fallbacks: [").append(GPT).append("]\n");
        yaml.append("  ").append(HAIKU).append(":\n    fallbacks: [").append(GPT_MINI).append("]\n");
        Path file = Files.writeString(tmp.resolve(prefix + ".yaml"), yaml);
        Map<String, String> all = new LinkedHashMap<>(flags);
        all.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        all.put("http.port", "0");
        AppConfig config = ConfigLoader.load(file, Map.of(), all);
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(config.topics()));
        }
        ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", tmp.resolve(prefix + "-state").toString(),
                "commit.interval.ms", "100"));
        try {
            app.awaitRunning(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        Map<String, Object> pp = new HashMap<>(kafka.clientProperties());
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> cp = new HashMap<>(kafka.clientProperties());
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> reader = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        reader.partitionsFor(config.topics().alerts()).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
        reader.assign(parts);
        reader.seekToBeginning(parts);
        return new AppFixture(config, app, producer, reader);
    }

    AppConfig config() {
        return config;
    }

    ModelHealthApp app() {
        return app;
    }

    /** Some successful calls on each route, now. */
    void healthyTraffic(List<String> routes, int callsPerRoute) {
        long now = System.currentTimeMillis();
        for (int n = 0; n < callsPerRoute; n++) {
            for (String route : routes) {
                send(route, now, 200, null, "search");
            }
        }
        producer.flush();
    }

    /** The routes start refusing every call by policy (403 model_not_available), from two tenants, interleaved. */
    void withdraw(List<String> routes, int callsPerRoute) {
        long now = System.currentTimeMillis();
        for (int n = 0; n < callsPerRoute; n++) {
            for (String route : routes) {
                send(route, now, 403, "model_not_available", n % 2 == 0 ? "search" : "chat");
            }
        }
        producer.flush();
    }

    private void send(String route, long ts, Integer status, String errorType, String tenant) {
        producer.send(new ProducerRecord<>(config.topics().calls(), null, ts, Calls.key(route),
                Calls.bytes(Calls.call(route, ts, status, errorType, tenant))));
    }

    /** Every alert the app has committed to its alerts topic so far, in order per partition. Call from one thread. */
    List<Alert> alerts() {
        alertsReader.poll(Duration.ofMillis(100))
                .forEach(r -> alerts.add(ContractSerdes.ALERT.deserialize(r.topic(), r.value())));
        return List.copyOf(alerts);
    }

    @Override
    public void close() {
        alertsReader.close();
        producer.close(Duration.ofSeconds(5));
        app.close();
    }
}
