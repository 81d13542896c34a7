package io.modelhealth.scopes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.ordering.CommittedReader;
import io.modelhealth.ordering.Decisions;
import io.modelhealth.ordering.Outputs;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.topology.AppTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoped cases of {@link ScopedHealthTest} through the real app on a real broker, fed the way
 * users feed it: the same calls with null keys, spread at random over {@value #PARTITIONS}
 * partitions, written as a backlog before the app starts. Each case must decide exactly as its
 * TopologyTestDriver run (per command key the same action, target, weight, epoch and reason,
 * {@code issued_at} within one bucket), and the case's own claim must hold for what the live app
 * committed: a region refused with a fifth of the calls moves alone, a revoked tenant moves alone,
 * a policy block never goes to a cold standby of the same family.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ScopedBacklogIT {

    private static final int PARTITIONS = 3;
    private static final Duration CAUGHT_UP = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(30);
    /** Decisions are compared up to here (ms after T0): clear of the end, where the live watermark jumps to the wall clock. */
    private static final long CUT = ScopedHealthTest.END - 20_000;

    @TempDir
    static Path tmp;

    @Test
    void aRegionWithAFifthOfTheCallsRefusedMovesAloneFromABacklog(KafkaCluster kafka) throws Exception {
        Map<String, Double> shares = Map.of("eu-west-1", 0.2, "us-east-1", 0.2, "us-west-2", 0.2, "ap-south-1", 0.2,
                "sa-east-1", 0.2);
        List<RerouteCommand> live = decideLiveAsInTheDriver(kafka, "region-fifth", ScopedHealthTest.regions(),
                config -> ScopedHealthTest.regionBan(config, shares, "eu-west-1"));
        assertThat(live).filteredOn(c -> c.route().equals(ScopedHealthTest.FABLE))
                .as("the refused region's commands only").isNotEmpty()
                .allSatisfy(c -> assertThat(c.scope()).isEqualTo(Map.of("region", "eu-west-1")));
        assertThat(live.get(0).action()).isEqualTo(RerouteAction.REROUTE);
        assertThat(live.get(0).target()).isEqualTo(ScopedHealthTest.GPT);
    }

    @Test
    void aRevokedTenantMovesAloneFromABacklog(KafkaCluster kafka) throws Exception {
        AppConfig config = ScopedHealthTest.config(List.of("region", "tenant"), Map.of(),
                Map.of(ScopedHealthTest.FABLE, List.of(ScopedHealthTest.GPT)));
        List<RerouteCommand> live = decideLiveAsInTheDriver(kafka, "tenant", config, c -> {
            ScopedTraffic t = new ScopedTraffic(c);
            List<ScopedTraffic.Lane> lanes = ScopedHealthTest.withFallback(ScopedHealthTest.lanes(ScopedHealthTest.FABLE, 40,
                    Map.of("eu-west-1", 0.5, "us-east-1", 0.5)));
            t.run(0, ScopedHealthTest.WARM, lanes, (r, region, tenant, at) -> ScopedTraffic.OK);
            t.run(ScopedHealthTest.BAN, ScopedHealthTest.END, lanes, (r, region, tenant, at) ->
                    r.equals(ScopedHealthTest.FABLE) && tenant.equals("search") ? new Object[]{403, "permission_error"} : ScopedTraffic.OK);
            return t;
        });
        assertThat(live).as("commands of the live app").isNotEmpty()
                .allSatisfy(c -> assertThat(c.scope()).isEqualTo(Map.of("tenant", "search")));
    }

    @Test
    void aPolicyBlockOfAFamilyNeverGoesToItsColdStandbyFromABacklog(KafkaCluster kafka) throws Exception {
        AppConfig config = ScopedHealthTest.family(List.of(ScopedHealthTest.BEDROCK, ScopedHealthTest.GPT));
        List<RerouteCommand> live = decideLiveAsInTheDriver(kafka, "family", config,
                c -> ScopedHealthTest.regionBan(c, Map.of("eu-west-1", 0.5, "us-east-1", 0.5), null));
        assertThat(live).extracting(RerouteCommand::target).as("targets").isNotEmpty()
                .doesNotContain(ScopedHealthTest.BEDROCK);
        assertThat(live).filteredOn(c -> c.scope() == null).first()
                .satisfies(c -> assertThat(c.target()).isEqualTo(ScopedHealthTest.GPT));
    }

    /** Which traffic a case sends, given the config it runs under. */
    private interface Case {
        ScopedTraffic run(AppConfig config);
    }

    /**
     * Runs the case in TopologyTestDriver for the reference, writes the same calls unkeyed to a fresh
     * calls topic, starts the app on them and waits until it has committed the reference's decisions
     * up to {@link #CUT} (and nothing else). Returns the live commands up to the cut.
     */
    private static List<RerouteCommand> decideLiveAsInTheDriver(KafkaCluster kafka, String name, AppConfig reference, Case traffic)
            throws Exception {
        List<RerouteCommand> expected;
        List<ScopedTraffic.Sent> calls;
        try (ScopedTraffic t = traffic.run(reference)) {
            expected = upTo(t.commands, CUT);
            calls = List.copyOf(t.sent);
            assertThat(Decisions.anyIssuedWithin(t.commands, at(CUT).minus(reference.windows().bucket()),
                    at(CUT).plus(reference.windows().bucket())))
                    .as("a reference decision within a bucket of the cut:\n%s", Decisions.show(t.commands, ScopedTraffic.T0))
                    .isFalse();
        }
        assertThat(expected).as("the reference decides something").isNotEmpty();

        String prefix = kafka.uniqueTopicName("scoped-" + name);
        Path dir = Files.createDirectories(tmp.resolve(prefix));
        AppConfig config = live(reference, prefix, kafka);
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
            assertThat(admin.ensure(AppTopics.specs(config)).allMatch()).as("the test topics match the spec").isTrue();
        }
        produceUnkeyed(kafka, config.topics().calls(), calls);

        String label = "live: " + name + ", null keys on " + PARTITIONS + " partitions, a backlog";
        Supplier<String> show = () -> Decisions.show(expected, ScopedTraffic.T0);
        try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", dir.resolve("state").toString(),
                "commit.interval.ms", "100"));
             CommittedReader reader = new CommittedReader(kafka.clientProperties(), config)) {
            app.awaitRunning(Duration.ofSeconds(60));
            await(label + ": the group has committed all its input").atMost(CAUGHT_UP).pollInterval(Duration.ofMillis(500))
                    .until(reader::caughtUp);
            Duration tolerance = config.windows().bucket();
            await(label + ": the driver's decisions\n" + show.get()).atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> Decisions.assertSame("TopologyTestDriver, in order", expected, label,
                            upTo(reader.poll().outputs()), tolerance, ScopedTraffic.T0));
            reader.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));
            List<RerouteCommand> live = upTo(reader.outputs());
            Decisions.assertSame("TopologyTestDriver, in order", expected, label, live, tolerance, ScopedTraffic.T0);
            System.out.println(label + ":\n" + Decisions.show(live, ScopedTraffic.T0));
            return live;
        }
    }

    private static List<RerouteCommand> upTo(Outputs outputs) {
        return outputs.commandsUpTo(at(CUT));
    }

    private static List<RerouteCommand> upTo(List<RerouteCommand> commands, long ms) {
        return commands.stream().filter(c -> !c.issuedAt().isAfter(at(ms))).toList();
    }

    private static Instant at(long ms) {
        return ScopedTraffic.T0.plusMillis(ms);
    }

    /** The reference config with this case's application id, its own topics ({@value #PARTITIONS} partitions) and the broker. */
    private static AppConfig live(AppConfig reference, String prefix, KafkaCluster kafka) {
        AppConfig.Topics t = reference.topics();
        AppConfig.Topics topics = new AppConfig.Topics(prefix + "." + t.calls(), prefix + "." + t.deadLetters(),
                prefix + "." + t.windows(), prefix + "." + t.anomalies(), prefix + "." + t.state(), prefix + "." + t.alerts(),
                prefix + "." + t.reroutes(), prefix + "." + t.overrides(), PARTITIONS, kafka.replicationFactor());
        Map<String, String> k = new LinkedHashMap<>(reference.kafka());
        k.put("bootstrap.servers", kafka.bootstrapServers());
        k.put("application.id", prefix);
        AppConfig r = reference.withKafka(k).withHttp(reference.http().withPort(0));
        return new AppConfig(r.kafka(), r.http(), topics, r.telemetry(), r.classes(), r.windows(), r.detection(), r.anomaly(),
                r.reroute(), r.alerts(), r.routes(), r.otlp(), r.scopes(), r.families(), r.limits(), r.overrides(), r.operations(),
                r.rocksdb()).validate();
    }

    /** Null keys, each call on a random partition (seeded), with its event time as the record timestamp. */
    private static void produceUnkeyed(KafkaCluster kafka, String topic, List<ScopedTraffic.Sent> calls) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // One request in flight: per-partition order holds even while the new topic's leaders settle.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        Random random = new Random(7);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            await(topic + " has a leader for every partition").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> producer.partitionsFor(topic).stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()));
            for (ScopedTraffic.Sent c : calls) {
                producer.send(new ProducerRecord<>(topic, random.nextInt(PARTITIONS), c.eventTime(), null, c.value()), (m, e) -> {
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
}
