package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app judging its own processing, on a real broker: the bounded RocksDB setter is what the running
 * stores use, and a record that fails on every attempt turns a thread-replacement loop into a 503 on
 * {@code /healthz} instead of looping unseen.
 */
class OperationsIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path stateDir;

    private AppConfig config(String prefix, Map<String, String> extra) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        flags.put("kafka.application.id", prefix);
        for (String t : List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides")) {
            flags.put("topics." + t, prefix + "." + t);
        }
        flags.put("topics.partitions", "1");
        flags.put("topics.replication-factor", Short.toString(kafka.replicationFactor()));
        flags.put("http.port", "0");
        flags.putAll(extra);
        AppConfig config = ConfigLoader.load(null, Map.of(), flags);
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), config.kafka(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(config));
        }
        return config;
    }

    private Map<String, String> streamsOverrides() {
        // session.timeout.ms at the broker's minimum: a dead thread's member is dropped from the group that much
        // sooner, so the replacement thread gets the failing task back in seconds, not 45 s.
        return Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString(), StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    }

    @Test
    void theRunningStoresUseTheBoundedSharedBlockCache() {
        // 24 MiB: neither this app's default (64) nor Kafka Streams' own per-store default (50).
        AppConfig config = config(kafka.uniqueTopicName("ops-rocksdb"), Map.of("rocksdb.block-cache-mb", "24",
                "rocksdb.write-buffer-mb", "8"));
        try (ModelHealthApp app = ModelHealthApp.start(config, streamsOverrides())) {
            app.awaitRunning(Duration.ofSeconds(60));

            assertThat(app.rocksDbMemory().configured().get()).as("stores configured by the setter").isPositive();
            // The write buffer manager charges every open store's memtables to the shared cache: usage there means
            // the running stores really allocate from it (and not from a cache of their own).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(app.rocksDbMemory().cache().getUsage()).as("bytes held in the shared cache").isPositive());
            assertThat(app.rocksDbMemory().cache().getUsage()).isLessThanOrEqualTo(app.rocksDbMemory().cacheBytes());
        }
    }

    /**
     * A realistic poison record: the dead-letter topic's {@code max.message.bytes} set below what a dead letter of
     * a large garbage record takes, so the broker refuses the dead letter on every attempt, the stream thread dies,
     * is replaced, re-reads the same record from the last commit and dies again.
     */
    @Test
    void aRecordThatFailsOnEveryAttemptTurnsHealthz503() throws Exception {
        AppConfig config = config(kafka.uniqueTopicName("ops-poison"), Map.of("operations.max-thread-replacements", "1"));
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, config.topics().deadLetters()),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "512"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }
        try (ModelHealthApp app = ModelHealthApp.start(config, streamsOverrides())) {
            app.awaitRunning(Duration.ofSeconds(60));
            assertThat(get(app, "/healthz").statusCode()).isEqualTo(200);

            byte[] garbage = new byte[4096];
            Arrays.fill(garbage, (byte) 'x');
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                producer.send(new ProducerRecord<>(config.topics().calls(), garbage)).get(30, TimeUnit.SECONDS);
            }

            await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> {
                HttpResponse<String> healthz = get(app, "/healthz");
                assertThat(healthz.statusCode()).isEqualTo(503);
            });
            String metrics = get(app, "/metrics").body();
            assertThat(metrics).containsPattern("model_health_stream_thread_replacements_total(\\{[^}]*\\})? [2-9]");
        }
    }

    private static HttpResponse<String> get(ModelHealthApp app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
