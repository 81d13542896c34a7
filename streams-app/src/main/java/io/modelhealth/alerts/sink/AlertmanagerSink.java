package io.modelhealth.alerts.sink;

import io.micrometer.core.instrument.MeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional HTTP sink: {@code model.health.alerts} (fingerprint → {@code alert.v1}) ⇒ Alertmanager's
 * {@code POST {alerts.alertmanager-url}/api/v2/alerts}. The topic stays the record; this only
 * forwards it.
 *
 * <p>It runs beside Kafka Streams, never inside it: its own {@link KafkaConsumer} on its own thread,
 * in its own consumer group {@code <application.id>-alertmanager-sink}, reading with
 * {@code read_committed} (only alerts of committed transactions, as exactly-once writes them). A slow
 * or dead Alertmanager therefore costs the stream nothing; it shows in
 * {@code model_health_alertmanager_*} metrics and in one WARN per outage. What is posted, when, and
 * with which retries is {@link AlertDelivery}'s business.
 *
 * <p><b>Restarts.</b> The firing set lives in memory, and the alerts topic is not compacted, so on
 * every assignment the sink reads its partitions <em>from the beginning</em> of the retained log
 * (30 days by default; a few records per incident, so it is quick) and replays them
 * in order — a resolution always follows its firing record in the same partition, because both are
 * keyed by the fingerprint — so the set is exactly what is firing now, however long ago it started.
 * Records before the group's committed offset were delivered by an earlier run and only rebuild
 * the set; later ones (say, a resolution written while the sink was down) are delivered. With no
 * committed offset (first start) everything already in the topic only rebuilds the set. Once every partition is replayed, the
 * whole firing set is posted at once. The committed offset never passes a record that is still
 * undelivered, so a crash re-delivers rather than loses (Alertmanager takes duplicates in its
 * stride). Limit: an incident whose firing record is older than the topic's retention is no longer
 * re-sent after a restart.
 *
 * <p>Back-pressure: while more than {@value #MAX_PENDING} alert versions wait for delivery the
 * consumer pauses; Kafka holds the rest.
 *
 * <pre>{@code
 * try (AlertmanagerSink sink = new AlertmanagerSink(config, registry)) {
 *     sink.start();
 *     ...
 * }
 * }</pre>
 */
public final class AlertmanagerSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertmanagerSink.class);

    static final int MAX_PENDING = 10_000;
    private static final Duration MAX_POLL = Duration.ofSeconds(1);
    private static final Duration REPLAY_POLL = Duration.ofMillis(100);
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ERROR_PAUSE = Duration.ofSeconds(5);

    private final String topic;
    private final Consumer<byte[], byte[]> consumer;
    private final AlertDelivery delivery;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final String alertmanager;
    private final String group;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean caughtUp;

    // Owned by the sink's thread.
    /** Per partition: records at or after this offset are new (deliver), earlier ones are history (replay). */
    private final Map<Integer, Long> deliverFrom = new HashMap<>();
    /** Partitions being replayed, with the end offset to reach. */
    private final Map<Integer, Long> replaying = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private long lastCommitAt = Long.MIN_VALUE;
    private boolean paused;

    /**
     * A sink for {@code config.alerts().alertmanagerUrl()}, reading {@code config.topics().alerts()}
     * with the {@code kafka.*} client settings of the config (security included).
     *
     * @throws IllegalArgumentException if no Alertmanager URL is configured
     */
    public AlertmanagerSink(AppConfig config, MeterRegistry registry) {
        this(config, registry, new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(),
                new ByteArrayDeserializer()), Clock.systemUTC());
    }

    AlertmanagerSink(AppConfig config, MeterRegistry registry, Consumer<byte[], byte[]> consumer, Clock clock) {
        String url = config.alerts().alertmanagerUrl();
        if (url == null || url.isBlank()) {
            consumer.close();
            throw new IllegalArgumentException("alerts.alertmanager-url is not set: there is nowhere to post alerts");
        }
        AlertmanagerClient client;
        try {
            client = new AlertmanagerClient(url);
        } catch (IllegalArgumentException e) {
            consumer.close();
            throw e;
        }
        this.topic = config.topics().alerts();
        this.consumer = consumer;
        this.clock = clock;
        this.alertmanager = client.toString();
        this.group = groupId(config);
        this.metrics = new DeliveryMetrics(registry);
        this.delivery = new AlertDelivery(client, config.alerts().resendInterval(), MAX_PENDING, metrics);
        this.thread = new Thread(this::run, "alertmanager-sink");
        this.thread.setDaemon(true);
    }

    /** The sink's consumer group: {@code <application.id>-alertmanager-sink}. */
    public static String groupId(AppConfig config) {
        return config.kafka().get(StreamsConfig.APPLICATION_ID_CONFIG) + "-alertmanager-sink";
    }

    /**
     * The consumer's settings: every {@code kafka.*} property of the config that a consumer
     * understands (bootstrap, security, timeouts, …), then the Streams-style {@code consumer.*}
     * overrides with the prefix stripped, then what the sink needs: its group, read_committed,
     * manual commits.
     */
    static Map<String, Object> consumerConfig(AppConfig config) {
        Set<String> consumerKeys = ConsumerConfig.configNames();
        Set<String> streamsOnly = new HashSet<>(StreamsConfig.configDef().names());
        streamsOnly.removeAll(consumerKeys);
        Map<String, Object> p = new LinkedHashMap<>();
        String consumerPrefix = StreamsConfig.CONSUMER_PREFIX;
        config.kafka().forEach((key, value) -> {
            boolean prefixed = key.startsWith(consumerPrefix) || key.startsWith(StreamsConfig.PRODUCER_PREFIX)
                    || key.startsWith(StreamsConfig.ADMIN_CLIENT_PREFIX) || key.startsWith(StreamsConfig.TOPIC_PREFIX)
                    || key.startsWith(StreamsConfig.MAIN_CONSUMER_PREFIX) || key.startsWith(StreamsConfig.RESTORE_CONSUMER_PREFIX)
                    || key.startsWith(StreamsConfig.GLOBAL_CONSUMER_PREFIX);
            if (!prefixed && !streamsOnly.contains(key)) {
                p.put(key, value);
            }
        });
        config.kafka().forEach((key, value) -> {
            if (key.startsWith(consumerPrefix)) {
                p.put(key.substring(consumerPrefix.length()), value);
            }
        });
        String group = groupId(config);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Every assignment seeks to the beginning anyway (see the class comment).
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return p;
    }

    /** Starts the sink's thread; returns at once. */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("the Alertmanager sink is closed");
        }
        if (started.compareAndSet(false, true)) {
            log.info("Alertmanager sink: posting alerts from {} to {} (consumer group {})", topic, alertmanager, group);
            thread.start();
        }
    }

    /**
     * True once the assigned partitions have been replayed and the firing set is complete (it
     * stays true through later rebalances). Until then nothing is posted.
     */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Stops the thread (interrupting a POST in flight), commits what was delivered and closes the consumer. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (started.get()) {
            consumer.wakeup();
            thread.interrupt();
            try {
                thread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("Alertmanager sink thread did not stop within {} s", CLOSE_TIMEOUT.toSeconds());
            }
        } else {
            consumer.close();
        }
        metrics.close();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (!closed.get()) {
                try {
                    step();
                } catch (WakeupException | InterruptException | InterruptedException e) {
                    break;
                } catch (RuntimeException e) {
                    // A broker or authorization problem, most likely. Nothing upstream depends on this
                    // thread; say so and try again, rather than leave alerts unforwarded for good.
                    log.error("Alertmanager sink: reading {} failed; retrying in {} s", topic, ERROR_PAUSE.toSeconds(), e);
                    if (!pause(ERROR_PAUSE)) {
                        break;
                    }
                }
            }
        } finally {
            Thread.interrupted(); // close() may have interrupted us; the clean-up below must not be
            try {
                commit(true);
            } catch (RuntimeException e) {
                log.debug("Alertmanager sink: final commit failed: {}", e.toString());
            }
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            log.info("Alertmanager sink stopped");
        }
    }

    /** One round: read what is there (waiting at most until the next POST is due), replay or queue it, post, commit. */
    void step() throws InterruptedException {
        long now = clock.millis();
        boolean delivering = caughtUp && replaying.isEmpty();
        long wait = delivering ? Math.min(delivery.millisUntilDue(now), MAX_POLL.toMillis()) : REPLAY_POLL.toMillis();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(Math.max(0, wait)))) {
            apply(r);
        }
        if (!replaying.isEmpty()) {
            checkReplayed();
        }
        if (caughtUp && replaying.isEmpty()) {
            delivery.deliverIfDue(clock.millis());
        }
        flowControl();
        commit(false);
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        Alert a;
        try {
            a = ContractSerdes.ALERT.deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            log.warn("Alertmanager sink: skipping {}-{}@{}: not an alert.v1 record ({})", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return;
        }
        a = normalize(a, r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        if (a == null) {
            log.warn("Alertmanager sink: skipping {}-{}@{}: an alert without labels, or without fingerprint and key",
                    r.topic(), r.partition(), r.offset());
            return;
        }
        boolean deliver = r.offset() >= deliverFrom.getOrDefault(r.partition(), 0L);
        delivery.accept(a, r.partition(), r.offset(), deliver);
    }

    /**
     * The alert with a fingerprint (the record key if it has none) and a status (as in Alertmanager:
     * firing until it has an end); null if it cannot be posted (no labels, no fingerprint).
     */
    static Alert normalize(Alert a, String key) {
        if (a == null || a.labels() == null || a.labels().isEmpty()) {
            return null;
        }
        String fingerprint = a.fingerprint() != null ? a.fingerprint() : key;
        if (fingerprint == null) {
            return null;
        }
        String status = a.status() != null ? a.status() : a.endsAt() == null ? Alert.FIRING : Alert.RESOLVED;
        if (fingerprint.equals(a.fingerprint()) && status.equals(a.status())) {
            return a;
        }
        return new Alert(a.labels(), a.annotations(), a.startsAt(), a.endsAt(), a.generatorURL(), status, fingerprint);
    }

    private void checkReplayed() {
        replaying.entrySet().removeIf(e -> consumer.position(new TopicPartition(topic, e.getKey())) >= e.getValue());
        if (replaying.isEmpty()) {
            if (!caughtUp) {
                log.info("Alertmanager sink: replayed {}; {} alerts firing", topic, delivery.firing().size());
            }
            caughtUp = true;
            delivery.resendNow(clock.millis());
        }
    }

    private void flowControl() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (delivery.saturated() && !paused) {
            log.warn("Alertmanager sink: {} alerts wait for delivery; pausing {} until Alertmanager takes them",
                    delivery.pendingCount(), topic);
            consumer.pause(assigned);
            paused = true;
        } else if (paused && delivery.pendingCount() < MAX_PENDING / 2) {
            consumer.resume(consumer.paused());
            paused = false;
        } else if (paused) {
            consumer.pause(assigned); // partitions assigned since
        }
    }

    /** Commits, per partition, the position — or the oldest undelivered record, if it is earlier. */
    private void commit(boolean force) {
        long now = clock.millis();
        if (!force && now - lastCommitAt < COMMIT_INTERVAL.toMillis()) {
            return;
        }
        lastCommitAt = now;
        Map<TopicPartition, OffsetAndMetadata> offsets = safeOffsets(consumer.assignment());
        if (offsets.isEmpty()) {
            return;
        }
        if (force) {
            consumer.commitSync(offsets, Duration.ofSeconds(5));
        } else {
            consumer.commitAsync(offsets, (done, e) -> {
                if (e != null) {
                    log.debug("Alertmanager sink: commit failed (retried on the next round): {}", e.toString());
                }
            });
        }
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
    }

    private Map<TopicPartition, OffsetAndMetadata> safeOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long from = deliverFrom.get(tp.partition());
            if (from == null || replaying.containsKey(tp.partition())) {
                continue; // mid-replay: the committed offset must stay where the last run left it
            }
            long safe = consumer.position(tp);
            OptionalLong oldest = delivery.oldestPendingOffset(tp.partition());
            if (oldest.isPresent()) {
                safe = Math.min(safe, oldest.getAsLong());
            }
            if (safe >= from && !Long.valueOf(safe).equals(committed.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(safe));
            }
        }
        return offsets;
    }

    private boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Replays every assigned partition from the beginning; forgets revoked ones. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<TopicPartition> set = new HashSet<>(partitions);
            Map<TopicPartition, OffsetAndMetadata> done = consumer.committed(set);
            Map<TopicPartition, Long> ends = consumer.endOffsets(set);
            for (TopicPartition tp : partitions) {
                long end = ends.getOrDefault(tp, 0L);
                OffsetAndMetadata c = done.get(tp);
                // Past the end only if the topic was re-created under the group: then it is like a first start.
                deliverFrom.put(tp.partition(), c == null ? end : Math.min(c.offset(), end));
                replaying.put(tp.partition(), end);
                committed.put(tp, c == null ? -1L : c.offset());
            }
            consumer.seekToBeginning(partitions);
            log.info("Alertmanager sink: replaying {} partitions {} of {} to rebuild the firing set (delivering from offsets {})",
                    partitions.size(), partitions.stream().map(TopicPartition::partition).sorted().toList(), topic,
                    partitions.stream().collect(Collectors.toMap(TopicPartition::partition, tp -> deliverFrom.get(tp.partition()))));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                Map<TopicPartition, OffsetAndMetadata> offsets = safeOffsets(partitions);
                if (!offsets.isEmpty()) {
                    consumer.commitSync(offsets, Duration.ofSeconds(5));
                }
            } catch (RuntimeException e) {
                log.debug("Alertmanager sink: commit on revocation failed: {}", e.toString());
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            List<Integer> ids = partitions.stream().map(TopicPartition::partition).toList();
            delivery.forget(ids);
            ids.forEach(p -> {
                deliverFrom.remove(p);
                replaying.remove(p);
            });
            partitions.forEach(committed::remove);
        }
    }
}
