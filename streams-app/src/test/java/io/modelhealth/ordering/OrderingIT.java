package io.modelhealth.ordering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.topology.AppTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision depends on the telemetry, not on how it was keyed or partitioned nor on when the
 * monitor read it: {@link OrderingInput} into the real app on a real broker (6 partitions,
 * exactly-once, read back {@code read_committed}) must decide as {@code backtest} of the same
 * calls in event-time order does ({@link Decisions}: per route the same commands, issued_at within
 * one bucket), up to {@link OrderingInput#comparedUntil()}, and keep the fleet invariants
 * ({@link DecisionInvariants}):
 * <ul>
 *   <li>keyed by route id, in order, into a running app (the recommended way: the control case);</li>
 *   <li>with null keys, spread at random over the 6 partitions, as a backlog the app starts on
 *       (every call takes the repartition hop, and partitions are read at different speeds); and
 *       its windows must hold every call (no evidence lost);</li>
 *   <li>the same backlog drained by two instances of one application id started together.</li>
 * </ul>
 * Each case waits for the group to have committed all its input, then (at most {@link #SETTLE})
 * for the decisions to match, then for the outputs to be quiet, and compares once more.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OrderingIT {

    private static final int PARTITIONS = 6;
    /** How long a caught-up app may take to show the expected decisions; on a mismatch the test fails after this. */
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final Duration CAUGHT_UP = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;

    private static OrderingInput input;
    private static AppConfig referenceConfig;
    private static List<RerouteCommand> reference;

    @BeforeAll
    static void referenceRun() {
        input = OrderingInput.get();
        referenceConfig = OrderingConfig.reference();
        Outputs run = BacktestRun.run(referenceConfig, input.inOrder());
        reference = run.commandsUpTo(input.comparedUntil());
        System.out.println("ordering reference (backtest, in order), up to " + input.rel(input.comparedUntil()) + ":\n"
                + Decisions.show(reference, input));

        // The cut must be unambiguous: no decision near it, and enough input after it.
        Duration bucket = OrderingConfig.bucket(referenceConfig);
        assertThat(Decisions.anyIssuedWithin(run.commands(), input.comparedUntil().minus(bucket), input.comparedUntil().plus(bucket)))
                .as("a reference decision within a bucket of the cut at %s:\n%s", input.rel(input.comparedUntil()),
                        Decisions.show(run.commands(), input))
                .isFalse();
        assertThat(Duration.between(input.comparedUntil(), input.end()))
                .as("input after the cut (lengthen OrderingInput.LENGTH, or pin the allowed disorder in OrderingConfig.DETECTION)")
                .isGreaterThanOrEqualTo(OrderingConfig.allowedDisorder(referenceConfig).plus(bucket));
        assertThat(input.comparedUntil().toEpochMilli() % bucket.toMillis()).as("the cut is on a bucket boundary").isZero();
        assertThat(reference).filteredOn(c -> c.action() == RerouteAction.REROUTE).extracting(RerouteCommand::route)
                .as("the reference decides the incident").contains(OrderingInput.FABLE, OrderingInput.HAIKU, OrderingInput.OUTAGE);
    }

    @Test
    void callsKeyedByRouteInOrderIntoARunningApp(KafkaCluster kafka) throws Exception {
        try (LiveRun live = LiveRun.create(kafka, "keyed")) {
            live.start(1);
            live.produce(keyedInOrder(live.config()));
            live.assertDecidesAsTheReference("live: keyed by route, in order, app running", false);
        }
    }

    @Test
    void anUnkeyedBacklogOnSixPartitionsDrainedByOneInstance(KafkaCluster kafka) throws Exception {
        try (LiveRun live = LiveRun.create(kafka, "backlog")) {
            live.produce(unkeyedOnRandomPartitions(live.config(), 1));
            live.start(1);
            live.assertDecidesAsTheReference("live: null keys on random partitions, a backlog, one instance", true);
        }
    }

    @Test
    void anUnkeyedBacklogOnSixPartitionsDrainedByTwoInstances(KafkaCluster kafka) throws Exception {
        try (LiveRun live = LiveRun.create(kafka, "backlog2")) {
            live.produce(unkeyedOnRandomPartitions(live.config(), 2));
            live.start(2);
            live.assertDecidesAsTheReference("live: null keys on random partitions, a backlog, two instances", true);
        }
    }

    /** Keyed by route id, the default partitioner's choice, in event-time order. */
    private static List<ProducerRecord<byte[], byte[]>> keyedInOrder(AppConfig config) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (GeneratedCall c : input.inOrder()) {
            records.add(new ProducerRecord<>(config.topics().calls(), null, c.call().timestamp().toEpochMilli(), c.key(),
                    OrderingInput.value(c)));
        }
        return records;
    }

    /** Null keys, each call on a random partition (seeded), in event-time order per producer. */
    private static List<ProducerRecord<byte[], byte[]>> unkeyedOnRandomPartitions(AppConfig config, long seed) {
        Random random = new Random(seed);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (GeneratedCall c : input.inOrder()) {
            records.add(new ProducerRecord<>(config.topics().calls(), random.nextInt(PARTITIONS), c.call().timestamp().toEpochMilli(),
                    null, OrderingInput.value(c)));
        }
        return records;
    }

    /** One live case: its own application id and topics, its app instances and a committed-output reader. */
    private static final class LiveRun implements AutoCloseable {
        private final KafkaCluster kafka;
        private final String name;
        private final Path dir;
        private final AppConfig config;
        private final List<ModelHealthApp> apps = new ArrayList<>();
        private CommittedReader reader;

        private LiveRun(KafkaCluster kafka, String name, Path dir, AppConfig config) {
            this.kafka = kafka;
            this.name = name;
            this.dir = dir;
            this.config = config;
        }

        /** Creates the app's topics ({@value #PARTITIONS} partitions each), as {@code model-health topics} would. */
        static LiveRun create(KafkaCluster kafka, String name) throws Exception {
            String prefix = kafka.uniqueTopicName("ordering-" + name);
            Path dir = Files.createDirectories(tmp.resolve(prefix));
            AppConfig config = OrderingConfig.live(dir, prefix, kafka.bootstrapServers(), PARTITIONS, kafka.replicationFactor());
            try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
                if (!admin.ensure(AppTopics.specs(config.topics())).allMatch()) {
                    throw new IllegalStateException("the test topics do not match the spec");
                }
            }
            return new LiveRun(kafka, name, dir, config);
        }

        AppConfig config() {
            return config;
        }

        /** Starts {@code instances} apps of the application id together and waits until all run. */
        void start(int instances) {
            for (int i = 0; i < instances; i++) {
                apps.add(ModelHealthApp.start(config, Map.of("state.dir", dir.resolve("state-" + i).toString(),
                        "commit.interval.ms", "100")));
            }
            for (ModelHealthApp app : apps) {
                app.awaitRunning(Duration.ofSeconds(60));
            }
        }

        /** Sends every record with one idempotent producer (order kept per partition) and waits until the broker has them all. */
        void produce(List<ProducerRecord<byte[], byte[]>> records) {
            Map<String, Object> p = new HashMap<>(kafka.clientProperties());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
            // One request in flight: a batch refused by a leader that is still being elected (the topics are new)
            // is resent before the next one, so per-partition order holds without out-of-order-sequence retries.
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
            AtomicReference<Exception> failure = new AtomicReference<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                String topic = config.topics().calls();
                await(topic + " has a leader for every partition").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> producer.partitionsFor(topic).stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()));
                for (ProducerRecord<byte[], byte[]> r : records) {
                    producer.send(r, (meta, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
                producer.flush();
            }
            if (failure.get() != null) {
                throw new AssertionError("the test producer failed to deliver a record", failure.get());
            }
        }

        /**
         * Waits until the group has committed all its input, then until its committed decisions are
         * the reference's (and, with {@code countWindows}, its windows hold every call before the
         * cut), then until its outputs are quiet, and checks again.
         */
        void assertDecidesAsTheReference(String label, boolean countWindows) throws Exception {
            reader = new CommittedReader(kafka.clientProperties(), config);
            long started = System.nanoTime();
            await(name + ": the group has committed all its input").atMost(CAUGHT_UP).pollInterval(Duration.ofMillis(500))
                    .until(reader::caughtUp);
            long caughtUp = System.nanoTime();
            try {
                await(name + ": the reference's decisions").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> check(label, countWindows, reader.poll().outputs()));
                reader.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));
                check(label, countWindows, reader.outputs());
            } finally {
                Outputs live = reader.outputs();
                System.out.printf(Locale.ROOT, "%s: caught up %.1f s after the wait began; %s calls counted late; windows up to %s "
                                + "hold %d of %d calls; decided up to %s:%n%s", label, (caughtUp - started) / 1e9, lateCount(),
                        input.rel(input.comparedUntil()), live.callsInWindowsEndingBy(input.comparedUntil()),
                        input.callsBefore(input.comparedUntil()), input.rel(input.comparedUntil()),
                        Decisions.show(live.commandsUpTo(input.comparedUntil()), input));
            }
        }

        private void check(String label, boolean countWindows, Outputs live) {
            List<String> problems = new ArrayList<>();
            String diff = Decisions.difference("backtest, in order", reference, label, live.commandsUpTo(input.comparedUntil()),
                    OrderingConfig.bucket(config), input);
            if (diff != null) {
                problems.add(diff);
            }
            List<String> violations = DecisionInvariants.violations(
                    new Outputs(live.commandsUpTo(input.comparedUntil()), live.states(), live.windows()), input);
            if (!violations.isEmpty()) {
                problems.add("fleet invariants violated:\n  - " + String.join("\n  - ", violations));
            }
            if (countWindows) {
                Instant cut = input.comparedUntil();
                Map<String, Long> counted = live.callsInWindowsEndingByPerRoute(cut);
                Map<String, Long> sent = input.callsBeforePerRoute(cut);
                if (!counted.equals(sent)) {
                    long total = sent.values().stream().mapToLong(Long::longValue).sum();
                    long got = counted.values().stream().mapToLong(Long::longValue).sum();
                    problems.add(String.format(Locale.ROOT, "evidence lost: the final windows ending by %s hold %d of the %d valid "
                                    + "calls before it (%d missing; %s calls counted late)%n  per route, sent:    %s%n  per route, counted: %s",
                            input.rel(cut), got, total, total - got, lateCount(), sent, counted));
                }
            }
            if (!problems.isEmpty()) {
                throw new AssertionError(label + ":\n" + String.join("\n", problems));
            }
        }

        /** The apps' count of late calls, as their metrics say (summed over instances). */
        private String lateCount() {
            double late = 0;
            for (ModelHealthApp app : apps) {
                Counter c = app.metrics().registry().find(HealthMetrics.LATE).counter();
                if (c == null) {
                    return "(no " + HealthMetrics.LATE + " counter)";
                }
                late += c.count();
            }
            return Long.toString(Math.round(late));
        }

        @Override
        public void close() {
            if (reader != null) {
                reader.close();
            }
            for (ModelHealthApp app : apps) {
                app.close();
            }
        }
    }
}
