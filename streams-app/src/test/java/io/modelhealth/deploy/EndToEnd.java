package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicReport;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.testing.Calls;
import io.modelhealth.topology.AppTopics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The core path of a deployment, against whatever cluster a test stands up (embedded with SASL,
 * Testcontainers): the topics {@code topics} would create, a withdrawn model's calls into
 * {@code llm.calls}, and its {@code model.health.state} record out of the running app.
 *
 * <p>The scenario: {@value #WITHDRAWN} serves 20 calls, then answers 12 in a row with
 * {@code 403 model_not_available} to two tenants: the consecutive-block rule must call it BLOCKED.
 */
final class EndToEnd {

    static final String WITHDRAWN = "anthropic/claude-fable-5";
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private EndToEnd() {
    }

    /** Creates the app's topics (as the {@code topics} command does) and returns the report. */
    static TopicReport createTopics(AppConfig config, Map<String, ?> adminProperties) {
        String bootstrap = config.kafka().get("bootstrap.servers");
        try (TopicAdmin admin = TopicAdmin.connect(bootstrap, adminProperties, Duration.ofSeconds(30))) {
            TopicReport report = admin.ensure(AppTopics.specs(config.topics()));
            assertThat(report.allMatch()).as("topics: %s", report.lines()).isTrue();
            return report;
        }
    }

    /** Sends the withdrawal scenario (healthy calls first, then policy blocks) and flushes. */
    static void sendWithdrawal(Map<String, Object> clientProperties, String callsTopic) throws Exception {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int n = 0; n < 20; n++) {
                producer.send(record(callsTopic, now + n, Calls.bytes(Calls.ok(WITHDRAWN, now + n))));
            }
            for (int n = 0; n < 12; n++) {
                long ts = now + 100 + n;
                producer.send(record(callsTopic, ts, Calls.bytes(
                        Calls.call(WITHDRAWN, ts, 403, "model_not_available", n % 2 == 0 ? "search" : "chat"))));
            }
            // get() on the last send surfaces an authorization or connection failure here, not later.
            producer.send(record(callsTopic, now + 200, Calls.bytes(
                    Calls.call(WITHDRAWN, now + 200, 403, "model_not_available", "support")))).get();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, long ts, byte[] value) {
        return new ProducerRecord<>(topic, null, ts, Calls.key(WITHDRAWN), value);
    }

    /**
     * Reads the state topic (committed records only: the app writes exactly-once) until the route
     * reaches {@code state}; returns that record.
     */
    static RouteStatus awaitState(Map<String, Object> clientProperties, String stateTopic, String route,
                                  HealthState state) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase());
        AtomicReference<RouteStatus> found = new AtomicReference<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(stateTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("a " + state + " record for " + route + " on " + stateTopic).atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            RouteStatus status = ContractSerdes.ROUTE_STATUS.deserializer().deserialize(stateTopic, r.value());
                            if (route.equals(r.key()) && status.state() == state) {
                                found.set(status);
                            }
                        }
                        return found.get() != null;
                    });
        }
        return found.get();
    }

    /** GET on the app's HTTP port: status code and body. */
    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until {@code /readyz} answers 200, i.e. Kafka Streams runs and its stores answer. */
    static void awaitReady(int port) {
        await("/readyz on :" + port).atMost(TIMEOUT).ignoreExceptions()
                .until(() -> get(port, "/readyz").statusCode() == 200);
    }

}
