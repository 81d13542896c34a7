package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.testing.Calls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app judging its own processing, on a real broker: the bounded RocksDB setter is what the running
 * stores use, and a record that fails on every attempt turns a thread-replacement loop into a 503 on
 * {@code /healthz} instead of looping unseen, and epochs outlive an application reset.
 */
class OperationsIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    private static final String WITHDRAWN = "anthropic/claude-fable-5";
    private static final String FALLBACK = "openai/gpt-5";
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
        Path file = stateDir.resolve(prefix + ".yaml");
        try {
            Files.writeString(file, "routes:\n  " + WITHDRAWN + ":\n    fallbacks: [" + FALLBACK + "]\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AppConfig config = ConfigLoader.load(file, Map.of(), flags);
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), config.kafka(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(config));
        }
        return config;
    }

    private Map<String, String> streamsOverrides() {
        return streamsOverrides(stateDir.resolve("state"));
    }

    private static Map<String, String> streamsOverrides(Path dir) {
        // session.timeout.ms at the broker's minimum: a dead thread's member is dropped from the group that much
        // sooner, so the replacement thread gets the failing task back in seconds, not 45 s.
        return Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.toString(), StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    }

    @Test
    void theInternalTopicsTheDemoCreatesAreTheOnesKafkaStreamsCreates() throws Exception {
        // demo creates Kafka Streams' internal topics itself (InternalTopics), so its first rebalance need not wait
        // for them: here Kafka Streams creates them, and they must be exactly those, as wide and as cleaned.
        String prefix = kafka.uniqueTopicName("ops-internal");
        AppConfig config = config(prefix, Map.of());
        try (ModelHealthApp app = ModelHealthApp.start(config, streamsOverrides())) {
            app.awaitRunning(Duration.ofSeconds(60));
        }
        List<io.modelhealth.kafka.TopicSpec> specs = io.modelhealth.topology.InternalTopics.singlePartition(
                io.modelhealth.topology.HealthTopology.build(config, "v", 1, io.modelhealth.metrics.HealthMetrics.noop()), config);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<String> created = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(prefix + "-")).sorted().toList();
            assertThat(created).as("what Kafka Streams created").isNotEmpty()
                    .containsExactlyInAnyOrderElementsOf(specs.stream().map(io.modelhealth.kafka.TopicSpec::name).toList());
            var described = admin.describeTopics(created).allTopicNames().get(30, TimeUnit.SECONDS);
            var configs = admin.describeConfigs(created.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList())
                    .all().get(30, TimeUnit.SECONDS);
            for (io.modelhealth.kafka.TopicSpec spec : specs) {
                assertThat(described.get(spec.name()).partitions()).as(spec.name()).hasSize(1);
                assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name())).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                        .as(spec.name() + " cleanup.policy").isEqualTo(spec.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG));
            }
        }
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

    /**
     * An application reset: the monitor's state is wiped (here: a new application id and state directory on the
     * same topics, reading the calls from where they end, as {@code kafka-streams-application-reset --to-latest}
     * leaves it). The first command it issues must outrank every command the old state issued, or routing
     * clients that remember the old epochs drop it as stale. Fails with epochs counted from 1.
     */
    @Test
    void epochsIssuedAfterAnApplicationResetOutrankTheOldOnes() throws Exception {
        String prefix = kafka.uniqueTopicName("ops-reset");
        AppConfig before = config(prefix, Map.of());
        List<RerouteCommand> old = withdrawAndAwaitCommands(before, stateDir.resolve("before"), List.of());

        AppConfig after = config(prefix, Map.of("kafka.application.id", prefix + "-reset",
                "kafka.main.consumer.auto.offset.reset", "latest"));
        List<RerouteCommand> all = withdrawAndAwaitCommands(after, stateDir.resolve("after"), old);
        List<RerouteCommand> fresh = all.subList(old.size(), all.size());

        // A routing client (routing-client's RerouteView: it cannot be a dependency here, it depends on this module)
        // applies a command only when its epoch is larger than the last one it applied for the key.
        long lastOld = old.stream().filter(c -> c.key().equals(WITHDRAWN)).mapToLong(RerouteCommand::epoch).max().orElseThrow();
        RerouteCommand first = fresh.stream().filter(c -> c.key().equals(WITHDRAWN)).findFirst().orElseThrow();
        assertThat(first.epoch()).as("first epoch of %s after the reset; the last before was %d", WITHDRAWN, lastOld)
                .isGreaterThan(lastOld);
    }

    /** Runs the app on {@code config}, withdraws the model (403s from two tenants), returns every reroute command so far. */
    private List<RerouteCommand> withdrawAndAwaitCommands(AppConfig config, Path dir, List<RerouteCommand> earlier)
            throws Exception {
        try (ModelHealthApp app = ModelHealthApp.start(config, streamsOverrides(dir))) {
            app.awaitRunning(Duration.ofSeconds(60));
            long now = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int n = 0; n < 10; n++) {
                    producer.send(new ProducerRecord<>(config.topics().calls(), null, now + n, Calls.key(FALLBACK),
                            Calls.bytes(Calls.ok(FALLBACK, now + n))));
                    producer.send(new ProducerRecord<>(config.topics().calls(), null, now + n, Calls.key(WITHDRAWN),
                            Calls.bytes(Calls.call(WITHDRAWN, now + n, 403, "model_not_available", n % 2 == 0 ? "search" : "chat"))));
                }
            }
            List<RerouteCommand> commands = new ArrayList<>();
            await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> {
                commands.clear();
                commands.addAll(committedCommands(config.topics().reroutes()));
                assertThat(commands).hasSizeGreaterThan(earlier.size());
            });
            return commands;
        }
    }

    private static List<RerouteCommand> committedCommands(String topic) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<RerouteCommand> commands = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null) {
                        commands.add(ContractSerdes.REROUTE_COMMAND.deserializer().deserialize(topic, r.value()));
                    }
                }
            }
        }
        return commands;
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
