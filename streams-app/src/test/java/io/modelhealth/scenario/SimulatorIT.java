package io.modelhealth.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.telemetry.CallParser;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator against a real broker: every record arrives, keyed by route, with its event time. */
class SimulatorIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    @Test
    void everyCallAndGarbageRecordReachesTheTopic() {
        String topic = kafka.createTopic("sim-calls", 3, Map.of());
        Simulator.Result result;
        try (Simulator simulator = new Simulator(kafka.clientProperties(),
                new PrintStream(OutputStream.nullOutputStream()))) {
            result = simulator.run(Simulator.Settings.of(Scenarios.byName("policy-withdrawal"), topic, 400)
                    .withDuration(Duration.ofMillis(1500))
                    .withSeed(99)
                    .withGarbageRecords(2));
        }
        assertThat(result.failed()).isZero();
        assertThat(result.calls()).isGreaterThan(300);
        long expected = result.calls() + result.garbageRecords();

        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.uniqueTopicName("sim-reader"));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        assertThat(records).hasSize((int) expected);

        CallParser parser = new CallParser(64 * 1024);
        Map<String, Integer> partitionOfRoute = new HashMap<>();
        int garbage = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String route = new String(r.key(), StandardCharsets.UTF_8);
            // The route id is the key, so one route's calls stay in one partition, in order.
            assertThat(partitionOfRoute.computeIfAbsent(route, k -> r.partition())).isEqualTo(r.partition());
            if (!parser.parse(r.value()).isValid()) {
                garbage++;
                continue;
            }
            LlmCall call = ContractSerdes.LLM_CALL.deserialize(topic, r.value());
            assertThat(call.route()).isEqualTo(route);
            assertThat(r.timestamp()).isEqualTo(call.timestamp().toEpochMilli());
        }
        assertThat(garbage).isEqualTo(2);
        assertThat(partitionOfRoute).hasSize(6);
    }
}
