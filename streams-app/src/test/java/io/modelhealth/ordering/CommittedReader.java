package io.modelhealth.ordering;

import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A live app's decisions as routing services see them: {@code model.reroute.commands},
 * {@code model.health.state} and {@code model.health.windows} read {@code read_committed} from the
 * beginning of every partition, and whether the app's consumer group has caught up with its input.
 * Use from one thread (the test's, inside Awaitility).
 *
 * <p>(The reliability suite's {@code CommittedOutputs} does the reading part for its own package;
 * it is package-private there, so this is the ordering tests' own, reading the three topics they
 * compare.)
 */
public final class CommittedReader implements AutoCloseable {

    private final Map<String, Object> clientProperties;
    private final AppConfig.Topics topics;
    private final String groupId;
    /** The OTLP spans topic when the app reads one, else null. */
    private final String otlpTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    public CommittedReader(Map<String, Object> clientProperties, AppConfig config) {
        this.clientProperties = clientProperties;
        this.topics = config.topics();
        this.groupId = config.kafka().get("application.id");
        this.otlpTopic = config.otlp().enabled() ? config.otlp().topic() : null;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(topics.reroutes(), topics.scopedReroutes(), topics.state(), topics.windows())) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Fetches what has been committed since the last call (waits at most 200 ms). */
    public CommittedReader poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return this;
    }

    /** Everything read so far. */
    public Outputs outputs() {
        List<RerouteCommand> commands = new ArrayList<>();
        List<RouteStatus> states = new ArrayList<>();
        List<HealthWindow> windows = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            if (r.topic().equals(topics.reroutes()) || r.topic().equals(topics.scopedReroutes())) {
                commands.add(ContractSerdes.REROUTE_COMMAND.deserialize(r.topic(), r.value()));
            } else if (r.topic().equals(topics.state())) {
                states.add(ContractSerdes.ROUTE_STATUS.deserialize(r.topic(), r.value()));
            } else {
                windows.add(ContractSerdes.HEALTH_WINDOW.deserialize(r.topic(), r.value()));
            }
        }
        return new Outputs(commands, states, windows);
    }

    /** Polls until nothing new has been committed for {@code quiet}; throws after {@code atMost}. */
    public CommittedReader awaitQuiet(Duration quiet, Duration atMost) {
        AtomicInteger seen = new AtomicInteger(-1);
        await("no new committed output for " + quiet).atMost(atMost).pollInterval(Duration.ofMillis(250)).during(quiet)
                .until(() -> {
                    int now = poll().records.size();
                    return now == seen.getAndSet(now);
                });
        return this;
    }

    /**
     * Whether the app's consumer group has committed, on every partition of the calls topic (and the
     * OTLP topic, when it reads one) and of
     * its own repartition topics that holds records, an offset at the partition's read_committed
     * end: every input record, and every record the app passed to itself, has been processed and
     * its outputs committed. Keeps polling the outputs meanwhile.
     */
    public boolean caughtUp() throws Exception {
        poll();
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(p)) {
            Set<String> inputs = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.equals(topics.calls()) || t.equals(otlpTopic)
                            || t.startsWith(groupId + "-") && t.endsWith("-repartition"))
                    .collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(inputs).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                    d.partitions().forEach(pi -> latest.put(new TopicPartition(name, pi.partition()), OffsetSpec.latest())));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                if (e.getValue() == 0) {
                    continue;
                }
                OffsetAndMetadata c = committed.get(e.getKey());
                if (c == null || c.offset() < e.getValue()) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
