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
import java.nio.charset.StandardCharsets;
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
 * The whole loop a routing service lives in: the real app sees a route fail and reroutes it, a
 * {@link RerouteClient} in the same test sends its users to the fallback within seconds, and
 * when the route heals the app restores it step by step and the client sends them back.
 * Detection windows and hold times are shortened (in config only) so the loop takes seconds.
 */
class AppDrivenRerouteIT {

    private static final String PRIMARY = "acme/primary";
    private static final String BACKUP = "acme/backup";
    private static final List<String> USERS = IntStream.range(0, 200).mapToObj(i -> "user-" + i).toList();

    @TempDir
    Path tmp;

    @Test
    void theClientFollowsTheAppsRerouteAndComesBackOnRestore() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Path file = tmp.resolve("fast.yaml");
            Files.writeString(file, """
                    kafka: { application.id: routing-loop }
                    topics: { partitions: 1, replication-factor: 1 }
                    telemetry: { max-future-skew: 1s }
                    windows: { bucket: 1s, grace: 1s, punctuate-interval: 500ms }
                    detection:
                      availability:
                        burn-rates: [ { long-window: 10s, short-window: 2s, factor: 14.4 } ]
                        min-calls: 10
                      rate-limit: { window: 5s }
                      policy-block: { window: 5s }
                      degraded: { window: 10s }
                      recovery: { window: 3s, min-calls: 3 }
                      min-hold: 3s
                    reroute: { step-interval: 2s, probe-share: 0.05 }
                    routes:
                      acme/primary: { fallbacks: [ acme/backup ] }
                    """);
            AppConfig config = ConfigLoader.load(file, Map.of(), Map.of("kafka.bootstrap.servers", broker.bootstrapServers(),
                    "http.port", "0"));
            try (TopicAdmin admin = TopicAdmin.connect(broker.bootstrapServers())) {
                admin.ensure(AppTopics.specs(config.topics()));
            }
            AtomicBoolean failing = new AtomicBoolean(false);
            AtomicBoolean running = new AtomicBoolean(true);
            List<RerouteCommand> seen = new CopyOnWriteArrayList<>();
            try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", tmp.resolve("state").toString(),
                    "commit.interval.ms", "100"));
                 RerouteClient client = RerouteClient.builder().bootstrapServers(broker.bootstrapServers())
                         .topic(config.topics().reroutes()).build()) {
                client.addListener(seen::add);
                app.awaitRunning(Duration.ofSeconds(60));
                assertThat(client.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                Thread traffic = new Thread(() -> produce(broker.bootstrapServers(), config.topics().calls(), failing, running),
                        "traffic");
                traffic.start();
                try {
                    // Healthy: every user stays on the primary.
                    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                            .until(() -> USERS.stream().allMatch(u -> client.resolve(PRIMARY, u).route().equals(PRIMARY)));

                    failing.set(true);
                    Instant failedAt = Instant.now();
                    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                            assertThat(USERS.stream().filter(u -> client.resolve(PRIMARY, u).route().equals(BACKUP)).count())
                                    .as("users moved to the fallback (5 % stay as probes)")
                                    .isGreaterThan(USERS.size() * 80L / 100));
                    assertThat(Duration.between(failedAt, Instant.now())).isLessThan(Duration.ofSeconds(20));
                    RerouteCommand reroute = seen.get(0);
                    assertThat(reroute.action()).isEqualTo(RerouteAction.REROUTE);
                    assertThat(reroute.target()).isEqualTo(BACKUP);

                    failing.set(false);
                    await().atMost(Duration.ofSeconds(60)).until(() ->
                            USERS.stream().allMatch(u -> client.resolve(PRIMARY, u).route().equals(PRIMARY)));
                    RerouteCommand last = seen.get(seen.size() - 1);
                    assertThat(last.action()).isEqualTo(RerouteAction.RESTORE);
                    assertThat(last.weight()).isZero();
                    // The way back is gradual: at least one intermediate RESTORE step before weight 0.
                    assertThat(seen).filteredOn(c -> c.action() == RerouteAction.RESTORE && c.weight() > 0).isNotEmpty();
                    assertThat(seen).extracting(RerouteCommand::epoch).isSorted().doesNotHaveDuplicates();
                } finally {
                    running.set(false);
                    traffic.join(10_000);
                }
            }
        }
    }

    /** 50 calls/s to the primary (failing or not) and to the backup, with real event times. */
    private static void produce(String bootstrap, String topic, AtomicBoolean failing, AtomicBoolean running) {
        AtomicLong seq = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            while (running.get()) {
                for (String route : List.of(PRIMARY, BACKUP)) {
                    boolean bad = route.equals(PRIMARY) && failing.get();
                    LlmCall call = new LlmCall("loop-" + seq.incrementAndGet(), Instant.now(), "acme", route.substring(5),
                            null, "tenant-" + (seq.get() % 3), bad ? 503 : 200, bad ? "service_unavailable" : null,
                            300.0, null, null, null);
                    producer.send(new ProducerRecord<>(topic, route.getBytes(StandardCharsets.UTF_8),
                            ContractSerdes.LLM_CALL.serialize(topic, call)));
                }
                try {
                    Thread.sleep(20); // pacing a load generator, not waiting for a test condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
