package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker itself: clients can produce and consume through it, transactions work (the
 * app runs exactly-once v2), topics are never auto-created, and close() leaves nothing behind.
 *
 * <p>Uses its own brokers rather than {@link KafkaBrokerExtension}'s shared cluster, which may be an
 * external one.
 */
class EmbeddedKafkaBrokerIT {

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void isASingleNodeClusterOnLoopback() throws Exception {
        assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        var cluster = admin.describeCluster();
        assertThat(cluster.nodes().get()).singleElement()
                .satisfies(node -> assertThat(node.id()).isEqualTo(1));
        assertThat(cluster.controller().get().id()).isEqualTo(1);
        assertThat(cluster.clusterId().get()).isEqualTo(broker.clusterId());
        assertThat(broker.startupTime()).isPositive().isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void producesAndConsumesRecords() throws Exception {
        String topic = createTopic("plain", 3);
        List<String> values = List.of("v1", "v2", "v3", "v4", "v5");

        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (String value : values) {
                // One key: all five land on one partition, in order.
                RecordMetadata sent = producer.send(new ProducerRecord<>(topic, "route-a", value)).get();
                assertThat(sent.topic()).isEqualTo(topic);
            }
        }

        List<ConsumerRecord<String, String>> received = consumeAll(topic, IsolationLevel.READ_UNCOMMITTED, values.size());
        assertThat(received).extracting(ConsumerRecord::value).containsExactlyElementsOf(values);
        assertThat(received).extracting(ConsumerRecord::key).containsOnly("route-a");
        assertThat(received).extracting(ConsumerRecord::partition).containsOnly(received.get(0).partition());
    }

    @Test
    void readCommittedConsumerSeesCommittedTransactionsOnly() throws Exception {
        String topic = createTopic("tx", 2);
        Map<String, Object> transactional = Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-broker-it-" + UUID.randomUUID());

        try (KafkaProducer<String, String> producer = producer(transactional)) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "k", "committed-2"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted")).get();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed-3"));
            producer.commitTransaction();
        }

        assertThat(consumeAll(topic, IsolationLevel.READ_COMMITTED, 3))
                .extracting(ConsumerRecord::value)
                .containsExactly("committed-1", "committed-2", "committed-3");
        // The aborted record was really written, and the abort marker hides it from read_committed.
        assertThat(consumeAll(topic, IsolationLevel.READ_UNCOMMITTED, 4))
                .extracting(ConsumerRecord::value)
                .containsExactly("committed-1", "committed-2", "aborted", "committed-3");
    }

    @Test
    void neverCreatesTopicsImplicitly() throws Exception {
        String topic = "never-created-" + UUID.randomUUID();
        Map<String, Object> impatient = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);

        try (KafkaProducer<String, String> producer = producer(impatient)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get())
                    .hasCauseInstanceOf(TimeoutException.class)
                    .hasMessageContaining(topic);
        }
        assertThatThrownBy(() -> admin.describeTopics(List.of(topic)).allTopicNames().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);

        ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config config = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
        assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsData() throws Exception {
        EmbeddedKafkaBroker own = EmbeddedKafkaBroker.builder()
                .brokerProperty("num.partitions", 3)
                .listener("EXTERNAL", SecurityProtocol.PLAINTEXT)
                .start();
        String bootstrap = own.bootstrapServers();
        String external = own.bootstrapServers("EXTERNAL");
        try {
            assertThat(external).isNotEqualTo(bootstrap);
            assertThat(Files.isDirectory(own.dataDir())).isTrue();
            try (Admin viaExternal = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, external))) {
                // Created without a partition count: the extra broker property decides it.
                viaExternal.createTopics(List.of(new NewTopic("defaults", Optional.empty(),
                        Optional.empty()))).all().get();
                TopicDescription description = viaExternal.describeTopics(List.of("defaults"))
                        .allTopicNames().get().get("defaults");
                assertThat(description.partitions()).hasSize(3);
            }
        } finally {
            own.close();
        }

        assertThat(own.dataDir()).doesNotExist();
        assertThat(isListening(bootstrap)).isFalse();
        assertThat(isListening(external)).isFalse();
        own.close(); // a second close is harmless
    }

    @Test
    void refusesToLetCallersOverrideTheListenerWiring() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().brokerProperty("listeners", "PLAINTEXT://:9092"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listeners");
        assertThatThrownBy(() -> broker.bootstrapServers("CONTROLLER"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String createTopic(String prefix, int partitions) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get().containsKey(topic));
        return topic;
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(extra);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** Reads the topic from the start until {@code expected} records arrived, then checks no more follow. */
    private static List<ConsumerRecord<String, String>> consumeAll(String topic, IsolationLevel isolation, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "embedded-broker-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(received::add);
                return received.size() >= expected;
            });
            // Everything the producer wrote is there; one more poll shows nothing was double-delivered.
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        }
        return received;
    }

    private static boolean isListening(String hostAndPort) {
        String[] parts = hostAndPort.split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])),
                    (int) TimeUnit.SECONDS.toMillis(1));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
