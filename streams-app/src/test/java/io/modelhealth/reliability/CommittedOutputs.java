package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the app has committed to its output topics, read as routing services read it
 * ({@code read_committed}, from the beginning of every partition). Call {@link #poll()} from one
 * thread (the test's; inside Awaitility) and look at what has arrived so far.
 */
final class CommittedOutputs implements AutoCloseable {

    private final AppConfig.Topics topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    CommittedOutputs(Map<String, Object> clientProperties, AppConfig.Topics topics, List<String> topicNames) {
        this.topics = topics;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topicNames) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Reroute commands and windows: what the recovery tests compare. */
    static CommittedOutputs decisions(Map<String, Object> clientProperties, AppConfig.Topics topics) {
        return new CommittedOutputs(clientProperties, topics, List.of(topics.reroutes(), topics.windows()));
    }

    /** Fetches what has arrived since the last call (waits at most 200 ms). */
    CommittedOutputs poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return this;
    }

    /** Polls until nothing new has arrived for {@code quiet}; gives up (throws) after {@code atMost}. */
    CommittedOutputs awaitQuiet(Duration quiet, Duration atMost) {
        AtomicInteger seen = new AtomicInteger(-1);
        await("no more output for " + quiet).atMost(atMost).pollInterval(Duration.ofMillis(250)).during(quiet)
                .until(() -> {
                    int now = poll().records.size();
                    return now == seen.getAndSet(now);
                });
        return this;
    }

    /** Records read so far, over all topics. */
    int size() {
        return records.size();
    }

    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** Every committed reroute command, in the order of its partition. */
    List<RerouteCommand> commands() {
        return records(topics.reroutes()).stream()
                .map(r -> ContractSerdes.REROUTE_COMMAND.deserialize(r.topic(), r.value()))
                .toList();
    }

    /** Decisions issued up to {@code end}, as {@link IncidentInput#decision} lines. */
    List<String> decisionsUpTo(Instant end) {
        return commands().stream().filter(c -> !c.issuedAt().isAfter(end)).map(IncidentInput::decision).toList();
    }

    List<HealthWindow> windows() {
        return records(topics.windows()).stream()
                .map(r -> ContractSerdes.HEALTH_WINDOW.deserialize(r.topic(), r.value()))
                .toList();
    }

    /** Windows stamped (closed, in event time) up to {@code end}, as {@link IncidentInput#window} lines. */
    List<String> windowsUpTo(Instant end) {
        return records(topics.windows()).stream()
                .filter(r -> r.timestamp() <= end.toEpochMilli())
                .map(r -> IncidentInput.window(ContractSerdes.HEALTH_WINDOW.deserialize(r.topic(), r.value())))
                .toList();
    }

    List<DeadLetter> deadLetters() {
        return records(topics.deadLetters()).stream()
                .map(r -> ContractSerdes.DEAD_LETTER.deserialize(r.topic(), r.value()))
                .toList();
    }

    /**
     * The contract routing services rely on, over every committed command: epochs strictly
     * increase per route (in partition order), no command id appears twice, and no route has two
     * REROUTE commands for the same epoch.
     */
    static void assertEpochsStrictlyIncreasePerRoute(List<RerouteCommand> commands) {
        Map<String, Long> last = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (RerouteCommand c : commands) {
            // Epochs are per (route, scope): a scoped command's key is route|field=value.
            Long previous = last.put(c.key(), c.epoch());
            assertThat(c.epoch()).as("epoch of %s after epoch %s on %s", IncidentInput.decision(c), previous, c.key())
                    .isGreaterThan(previous == null ? 0 : previous);
            assertThat(ids.add(c.commandId())).as("command id %s appears once", c.commandId()).isTrue();
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
