package io.modelhealth.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.topology.AppTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real app and the real client on the embedded broker: a model refused in one region by export
 * control. Calls from that region move to the fallback; calls from the other region stay; a client
 * that reads only route-wide commands (as clients did before scoped commands) moves nothing, because
 * scoped commands never reach its topic.
 */
class ScopedRerouteIT {

    private static final String PRIMARY = "acme/primary";
    private static final String BACKUP = "acme/backup";
    private static final String BANNED = "eu-west-1";
    private static final String SERVED = "us-east-1";
    private static final List<String> USERS = IntStream.range(0, 200).mapToObj(i -> "user-" + i).toList();

    @TempDir
    Path tmp;

    @Test
    void callsFromTheRefusedRegionMoveWhileTheOtherRegionStays() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Path file = tmp.resolve("scoped.yaml");
            Files.writeString(file, """
                    kafka: { application.id: scoped-loop }
                    topics: { partitions: 2, replication-factor: 1 }
                    routes:
                      acme/primary: { fallbacks: [ acme/backup ] }
                    """);
            AppConfig config = ConfigLoader.load(file, Map.of(), Map.of("kafka.bootstrap.servers", broker.bootstrapServers(),
                    "http.port", "0"));
            assertThat(config.scopes().dimensions()).as("scopes by region, the default").containsExactly("region");
            try (TopicAdmin admin = TopicAdmin.connect(broker.bootstrapServers())) {
                admin.ensure(AppTopics.specs(config.topics()));
            }
            AtomicBoolean banned = new AtomicBoolean(false);
            AtomicBoolean running = new AtomicBoolean(true);
            List<RerouteCommand> scopedSeen = new CopyOnWriteArrayList<>();
            List<RerouteCommand> routeWideSeen = new CopyOnWriteArrayList<>();
            try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", tmp.resolve("state").toString(),
                    "commit.interval.ms", "100"));
                 RerouteClient client = RerouteClient.builder().bootstrapServers(broker.bootstrapServers())
                         .topic(config.topics().reroutes()).build();
                 RerouteClient oldClient = RerouteClient.builder().bootstrapServers(broker.bootstrapServers())
                         .topic(config.topics().reroutes()).scopes(false).build()) {
                client.addListener(scopedSeen::add);
                oldClient.addListener(routeWideSeen::add);
                app.awaitRunning(Duration.ofSeconds(60));
                assertThat(client.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                assertThat(oldClient.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                Thread traffic = new Thread(() -> produce(broker.bootstrapServers(), config.topics().calls(), banned, running),
                        "traffic");
                traffic.start();
                try {
                    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(15))
                            .until(() -> USERS.stream().allMatch(u -> client.resolve(PRIMARY, CallScope.region(BANNED), u)
                                    .route().equals(PRIMARY)));

                    banned.set(true);
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                            assertThat(USERS.stream().filter(u -> client.resolve(PRIMARY, CallScope.region(BANNED), u)
                                    .route().equals(BACKUP)).count())
                                    .as("users in %s moved to the fallback (1 %% stay as probes)", BANNED)
                                    .isGreaterThan(USERS.size() * 90L / 100));
                    // Let the monitor go on for a while: the served region and the route as a whole must stay put.
                    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> USERS.stream().allMatch(u ->
                            client.resolve(PRIMARY, CallScope.region(SERVED), u).route().equals(PRIMARY)
                                    && client.resolve(PRIMARY, u).route().equals(PRIMARY)
                                    && oldClient.resolve(PRIMARY, u).route().equals(PRIMARY)));

                    Route moved = client.resolve(PRIMARY, CallScope.of(BANNED, "tenant-1"), USERS.get(0));
                    assertThat(moved.command()).isEqualTo(PRIMARY + "|region=" + BANNED);
                    RerouteCommand first = scopedSeen.stream().filter(c -> c.route().equals(PRIMARY)).findFirst().orElseThrow();
                    assertThat(first.action()).isEqualTo(RerouteAction.REROUTE);
                    assertThat(first.scope()).isEqualTo(Map.of("region", BANNED));
                    assertThat(first.target()).isEqualTo(BACKUP);
                    assertThat(scopedSeen).as("no route-wide command for the route").noneMatch(c -> c.route().equals(PRIMARY)
                            && c.scope() == null);
                    assertThat(routeWideSeen).as("a route-wide-only client never sees a scoped command").isEmpty();
                    assertThat(oldClient.stats().invalid()).isZero();
                } finally {
                    running.set(false);
                    traffic.join(10_000);
                }
            }
        }
    }

    /** 40 calls/s to the primary from two regions and three tenants (one region refused once banned), and to the backup. */
    private static void produce(String bootstrap, String topic, AtomicBoolean banned, AtomicBoolean running) {
        AtomicLong seq = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            while (running.get()) {
                for (String region : List.of(BANNED, SERVED)) {
                    for (String route : List.of(PRIMARY, BACKUP)) {
                        long n = seq.incrementAndGet();
                        boolean bad = route.equals(PRIMARY) && region.equals(BANNED) && banned.get();
                        LlmCall call = new LlmCall("scoped-" + n, Instant.now(), "acme", route.substring(5), region,
                                "tenant-" + (n % 3), bad ? 451 : 200, bad ? "export_controlled" : null, 300.0, null, null, null);
                        // Unkeyed, as most producers send them.
                        producer.send(new ProducerRecord<>(topic, null, ContractSerdes.LLM_CALL.serialize(topic, call)));
                    }
                }
                try {
                    Thread.sleep(50); // pacing a load generator, not waiting for a test condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
