package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.kafka.KafkaBrokerExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link InputLag} finds the lag that a real Kafka 4.4 consumer measures, under the metric name and tags it
 * reads, for a topic whose name has dots (the tag Kafka also reports with '_'): the ingest tasks' idleness
 * depends on it, and a renamed metric would silently turn it back into silence alone.
 */
class InputLagIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    @Test
    void readsAReadCommittedConsumersLagAsItDrainsAPartition() {
        String topic = kafka.createTopic("input.lag.calls", 2, Map.of());
        Map<String, Object> producerProps = new HashMap<>(kafka.clientProperties());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, new byte[100]));
            }
            producer.flush();
        }
        Map<String, Object> consumerProps = new HashMap<>(kafka.clientProperties());
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");   // as the app reads under exactly-once
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
            InputLag lag = new InputLag();
            lag.attach(consumer::metrics);
            assertThat(lag.of(topic, 0)).as("before any fetch").isEqualTo(InputLag.UNKNOWN);

            int[] read = {0};
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(100)).count();
                return read[0] > 0 && lag.of(topic, 0) > 0;
            });
            assertThat(lag.of(topic, 0)).as("records still waiting after %d of 500", read[0]).isBetween(1L, 500L - read[0] + 10);

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(100)).count();
                return read[0] == 500 && lag.of(topic, 0) == 0;
            });
            assertThat(lag.of("input.lag.other", 0)).as("a partition this consumer does not read").isEqualTo(InputLag.UNKNOWN);
        }
    }
}
