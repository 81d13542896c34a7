package io.modelhealth.routing;

import static io.modelhealth.routing.Commands.BLOCKED;
import static io.modelhealth.routing.Commands.FALLBACK;
import static io.modelhealth.routing.Commands.T0;
import static io.modelhealth.routing.Commands.TTL;
import static io.modelhealth.routing.Commands.reroute;
import static io.modelhealth.routing.Commands.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client against a real broker: what only a broker shows (transactions and read_committed,
 * reading a compacted topic from the beginning, records that are not commands, a topic that
 * appears late). One embedded broker for the class; every test has its own topic.
 */
class RerouteClientIT {

    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String GEMINI = "google/gemini-3-pro";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    /** Commands expire 24 h after T0, which lies in the past: the client runs on this clock. */
    private final MutableClock clock = new MutableClock(T0.plusSeconds(60));
    private final List<AutoCloseable> toClose = new ArrayList<>();

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

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    @Test
    void followsARerouteAndItsRestoreWithinSeconds() throws Exception {
        String topic = createTopic();
        RerouteClient client = client(topic, b -> b);
        List<RerouteCommand> heard = new CopyOnWriteArrayList<>();
        client.addListener(heard::add);
        assertThat(client.awaitCaughtUp(SOON)).as("an empty topic is caught up at once").isTrue();
        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));

        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1"))
                .isEqualTo(new Route(FALLBACK, BLOCKED, true, false, 1, "policy_block.window")));

        publish(topic, restore(BLOCKED, FALLBACK, 0.0, 2));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED)));

        assertThat(heard).extracting(RerouteCommand::epoch).containsExactly(1L, 2L);
        assertThat(client.stats().applied()).isEqualTo(2);
    }

    @Test
    void scopedCommandsApplyOnlyFromTheScopedTopicAndOnlyToTheirScope() throws Exception {
        String topic = createTopic();
        String scopedTopic = createTopic(topic + ".scoped");
        RerouteClient client = client(topic, b -> b);
        assertThat(client.awaitCaughtUp(SOON)).isTrue();
        java.util.Map<String, String> eu = java.util.Map.of("region", "eu-west-1");
        // A scoped command on the route-wide topic would move every call in an older client: rejected here too.
        publish(topic, Commands.scoped(reroute(BLOCKED, "google/gemini-3-pro", 1.0, 0.0, 1), eu));
        publish(scopedTopic, Commands.scoped(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1), eu));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, CallScope.region("eu-west-1"), "user-1").route())
                .isEqualTo(FALLBACK));
        assertThat(client.resolve(BLOCKED, CallScope.region("us-east-1"), "user-1")).isEqualTo(Route.original(BLOCKED));
        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));
        assertThat(client.stats().invalid()).as("the scoped command on the route-wide topic").isEqualTo(1);
        assertThat(client.stats().applied()).isEqualTo(1);
    }

    @Test
    void aClientStartedLaterCatchesUpFromTheBeginning() throws Exception {
        String topic = createTopic();
        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.01, 1), reroute(GEMINI, FALLBACK, 1.0, 0.0, 1));
        publish(topic, reroute(BLOCKED, GEMINI, 1.0, 0.0, 2), restore(GEMINI, FALLBACK, 0.0, 2));
        publish(topic, reroute("openai/gpt-4o", FALLBACK, 1.0, 0.0, 7));
        tombstone(topic, "openai/gpt-4o");

        RerouteClient client = client(topic, b -> b);

        assertThat(client.awaitCaughtUp(SOON)).isTrue();
        // Caught up means everything written before the start is applied: no waiting needed now.
        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(new Route(GEMINI, BLOCKED, true, false, 2, "policy_block.window"));
        assertThat(client.resolve(GEMINI, "user-1")).isEqualTo(Route.original(GEMINI));
        assertThat(client.resolve("openai/gpt-4o", "user-1")).isEqualTo(Route.original("openai/gpt-4o"));
        RerouteStats stats = client.stats();
        assertThat(stats.caughtUp()).isTrue();
        assertThat(stats.applied()).isEqualTo(5);
        assertThat(stats.cleared()).isEqualTo(1);
        assertThat(stats.activeReroutes()).isEqualTo(1);
        soon().untilAsserted(() -> assertThat(client.stats().lag()).isZero());

        publish(topic, restore(BLOCKED, GEMINI, 0.0, 3));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED)));
    }

    @Test
    void failClosedAnswersOnlyOnceCaughtUp() {
        String topic = createTopic();
        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));

        RerouteClient client = client(topic, b -> b.failOpenBeforeCaughtUp(false).catchUpWait(SOON));

        // The very first answer already knows the reroute, because resolve waited for the catch-up.
        assertThat(client.resolve(BLOCKED, "user-1").route()).isEqualTo(FALLBACK);
    }

    @Test
    void recordsThatAreNotValidCommandsAreSkippedAndReadingGoesOn() throws Exception {
        String topic = createTopic();
        RerouteClient client = client(topic, b -> b);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new RerouteClientMetrics(client).bindTo(registry);
        assertThat(client.awaitCaughtUp(SOON)).isTrue();

        publishRaw(topic, BLOCKED, new byte[] {0, (byte) 0xFF, 0x13, 0x37});
        publishRaw(topic, BLOCKED, "not json".getBytes(StandardCharsets.UTF_8));
        publishRaw(topic, BLOCKED, ("{\"route\":\"" + BLOCKED + "\",\"action\":\"EXPLODE\"}").getBytes(StandardCharsets.UTF_8));
        publishRaw(topic, BLOCKED, ("{\"command_id\":\"" + BLOCKED + "#1\",\"route\":\"" + BLOCKED + "\",\"action\":\"REROUTE\","
                + "\"weight\":1,\"probe_share\":0,\"reason\":\"r\",\"state\":\"BLOCKED\",\"issued_at\":\"2025-11-27T03:12:45Z\","
                + "\"expires_at\":\"2025-11-28T03:12:45Z\",\"epoch\":1}").getBytes(StandardCharsets.UTF_8)); // no target
        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 2));

        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1").route()).isEqualTo(FALLBACK));
        RerouteStats stats = client.stats();
        assertThat(stats.undeserializable()).isEqualTo(3);
        assertThat(stats.invalid()).isEqualTo(1);
        assertThat(stats.applied()).isEqualTo(1);

        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 2)); // replayed: stale
        publish(topic, restore(BLOCKED, FALLBACK, 0.0, 3));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED)));
        assertThat(client.stats().stale()).isEqualTo(1);

        assertThat(counter(registry, "applied")).isEqualTo(2.0);
        assertThat(counter(registry, "stale")).isEqualTo(1.0);
        assertThat(counter(registry, "invalid")).isEqualTo(1.0);
        assertThat(counter(registry, "undeserializable")).isEqualTo(3.0);
        assertThat(registry.get("model.health.routing.caught.up").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("model.health.routing.reroutes.active").gauge().value()).isZero();
        String scrape = registry.scrape();
        assertThat(scrape)
                .containsPattern("model_health_routing_commands_total\\{outcome=\"undeserializable\",topic=\"" + topic + "\"} 3")
                .contains("model_health_routing_reroutes_expired_total{")
                .contains("model_health_routing_reroutes_active{")
                .contains("model_health_routing_caught_up{")
                .contains("model_health_routing_lag_records{");
    }

    @Test
    void commandsOfAbortedTransactionsAreNeverApplied() {
        String topic = createTopic();
        RerouteClient client = client(topic, b -> b);
        List<RerouteCommand> heard = new CopyOnWriteArrayList<>();
        client.addListener(heard::add);

        publishAborted(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));
        publish(topic, reroute(BLOCKED, GEMINI, 1.0, 0.0, 2));

        // Same key, same partition: by the time epoch 2 is applied, the aborted epoch 1 has been passed over.
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1").route()).isEqualTo(GEMINI));
        assertThat(heard).extracting(RerouteCommand::commandId).containsExactly(BLOCKED + "#2");
        assertThat(client.stats().stale()).as("epoch 1 was never read, not dropped as stale").isZero();
    }

    @Test
    void anExpiredRerouteIsVoidAndCounted() {
        String topic = createTopic();
        RerouteClient client = client(topic, b -> b);
        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1").rerouted()).isTrue());

        clock.set(T0.plus(TTL));

        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));
        soon().untilAsserted(() -> assertThat(client.stats().expired()).isEqualTo(1));
        assertThat(client.stats().activeReroutes()).isZero();

        // A client that starts later finds the command already void: never in force there, so not counted.
        RerouteClient late = client(topic, b -> b);
        soon().until(late::isCaughtUp);
        assertThat(late.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));
        assertThat(late.view().current(BLOCKED)).isPresent();
        assertThat(late.stats().expired()).isZero();
    }

    @Test
    void aTopicCreatedAfterTheClientStartedIsPickedUp() throws Exception {
        String topic = "reroute-commands-late-" + COUNTER.incrementAndGet();
        RerouteClient client = client(topic, b -> b);
        assertThat(client.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));

        createTopic(topic);
        publish(topic, reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));

        assertThat(client.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        soon().untilAsserted(() -> assertThat(client.resolve(BLOCKED, "user-1").route()).isEqualTo(FALLBACK));
    }

    private RerouteClient client(String topic, UnaryOperator<RerouteClient.Builder> settings) {
        RerouteClient client = settings.apply(RerouteClient.builder()
                        .bootstrapServers(broker.bootstrapServers())
                        .topic(topic)
                        .clock(clock)
                        .pollTimeout(Duration.ofMillis(100)))
                .build();
        toClose.add(client);
        return client;
    }

    private static ConditionFactory soon() {
        return await().atMost(SOON).pollInterval(Duration.ofMillis(20));
    }

    private static String createTopic() {
        return createTopic("reroute-commands-" + COUNTER.incrementAndGet());
    }

    /** Compacted, like model.reroute.commands; three partitions so routes land on different ones. */
    private static String createTopic(String name) {
        NewTopic topic = new NewTopic(name, 3, (short) 1).configs(Map.of("cleanup.policy", "compact"));
        try {
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
        return name;
    }

    /** Writes the commands in one committed transaction, keyed by route, as the monitor does. */
    private static void publish(String topic, RerouteCommand... commands) {
        inTransaction(topic, true, commands);
    }

    private static void publishAborted(String topic, RerouteCommand... commands) {
        inTransaction(topic, false, commands);
    }

    private static void inTransaction(String topic, boolean commit, RerouteCommand... commands) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "reroute-client-it-" + COUNTER.incrementAndGet());
        try (KafkaProducer<String, RerouteCommand> producer = new KafkaProducer<>(props,
                new StringSerializer(), ContractSerdes.REROUTE_COMMAND.serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (RerouteCommand command : commands) {
                producer.send(new ProducerRecord<>(topic, command.key(), command));
            }
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.flush();
                producer.abortTransaction();
            }
        }
    }

    /** Any bytes, outside any transaction (read_committed reads those too). */
    private static void publishRaw(String topic, String key, byte[] value) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    private static void tombstone(String topic, String route) {
        publishRaw(topic, route, null);
    }

    private static double counter(MeterRegistry registry, String outcome) {
        return registry.get("model.health.routing.commands").tag("outcome", outcome).functionCounter().count();
    }
}
