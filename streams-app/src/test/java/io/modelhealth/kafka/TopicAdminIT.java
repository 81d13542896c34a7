package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TopicAdmin} against a real cluster: creating, checking, and reporting differences. */
@ExtendWith(KafkaBrokerExtension.class)
class TopicAdminIT {

    private static final String SEVEN_DAYS_MS = String.valueOf(Duration.ofDays(7).toMillis());

    private static KafkaCluster kafka;
    private static Admin admin;

    @BeforeAll
    static void connect(KafkaCluster cluster) {
        kafka = cluster;
        admin = Admin.create(cluster.clientProperties());
    }

    @AfterAll
    static void disconnect() {
        admin.close();
    }

    @Test
    void ensureCreatesMissingTopicsAsSpecified() throws Exception {
        TopicSpec calls = newSpec("calls", 6)
                .withConfig("cleanup.policy", "delete")
                .withConfig("retention.ms", SEVEN_DAYS_MS);
        TopicSpec state = newSpec("state", 2).withConfig("cleanup.policy", "compact");

        TopicReport report;
        try (TopicAdmin topics = topicAdmin()) {
            report = topics.ensure(List.of(calls, state));
        }

        assertThat(report.entries()).extracting(TopicReport.Entry::topic).containsExactly(calls.name(), state.name());
        assertThat(report.entries()).extracting(TopicReport.Entry::status)
                .containsOnly(TopicReport.Status.CREATED);
        assertThat(report.allMatch()).isTrue();

        // Checked with a plain admin client, not with the class under test.
        Map<String, TopicDescription> described =
                admin.describeTopics(List.of(calls.name(), state.name())).allTopicNames().get();
        assertThat(described.get(calls.name()).partitions()).hasSize(6);
        assertThat(described.get(state.name()).partitions()).hasSize(2);
        assertThat(described.get(state.name()).partitions().get(0).replicas()).hasSize(kafka.replicationFactor());
        assertThat(config(calls.name(), "cleanup.policy")).isEqualTo("delete");
        assertThat(config(calls.name(), "retention.ms")).isEqualTo(SEVEN_DAYS_MS);
        assertThat(config(state.name(), "cleanup.policy")).isEqualTo("compact");
    }

    @Test
    void secondEnsureFindsEverythingOk() {
        List<TopicSpec> specs = List.of(
                newSpec("windows", 3).withConfig("retention.ms", SEVEN_DAYS_MS),
                newSpec("reroutes", 1).withConfig("cleanup.policy", "compact"));

        try (TopicAdmin topics = topicAdmin()) {
            TopicReport first = topics.ensure(specs);
            TopicReport second = topics.ensure(specs);

            assertThat(first.entries()).extracting(TopicReport.Entry::status).containsOnly(TopicReport.Status.CREATED);
            assertThat(second.entries()).extracting(TopicReport.Entry::status).containsOnly(TopicReport.Status.OK);
            assertThat(second.allMatch()).isTrue();
            assertThat(second.problems()).isEmpty();
            assertThat(second.lines()).allSatisfy(line -> assertThat(line).startsWith("ok "));
            assertThat(topics.verify(specs)).isEmpty();
        }
    }

    @Test
    void verifyReportsWrongCleanupPolicyTooFewPartitionsAndMissingTopics() {
        String wronglyDeleting = kafka.createTopic("state", 1, Map.of("cleanup.policy", "delete"));
        String tooSmall = kafka.createTopic("calls", 2, Map.of());
        String absent = kafka.uniqueTopicName("alerts");
        List<TopicSpec> specs = List.of(
                spec(wronglyDeleting, 1).withConfig("cleanup.policy", "compact"),
                spec(tooSmall, 4),
                spec(absent, 1));

        try (TopicAdmin topics = topicAdmin()) {
            assertThat(topics.verify(specs)).containsExactly(
                    "topic " + wronglyDeleting + ": cleanup.policy is 'delete', spec says 'compact'",
                    "topic " + tooSmall + ": 2 partitions, spec says 4 (partitions can only grow, and keys then map "
                            + "to other partitions: kafka-topics --bootstrap-server " + kafka.bootstrapServers()
                            + " --alter --topic " + tooSmall + " --partitions 4)",
                    "topic " + absent + ": missing");

            TopicReport checked = topics.check(specs);
            assertThat(checked.status(wronglyDeleting)).isEqualTo(TopicReport.Status.MISMATCHED);
            assertThat(checked.status(tooSmall)).isEqualTo(TopicReport.Status.MISMATCHED);
            assertThat(checked.status(absent)).isEqualTo(TopicReport.Status.MISSING);
            assertThat(checked.allMatch()).isFalse();

            // ensure() creates what is missing but changes nothing that exists.
            TopicReport ensured = topics.ensure(specs);
            assertThat(ensured.status(absent)).isEqualTo(TopicReport.Status.CREATED);
            assertThat(ensured.status(wronglyDeleting)).isEqualTo(TopicReport.Status.MISMATCHED);
            assertThat(ensured.status(tooSmall)).isEqualTo(TopicReport.Status.MISMATCHED);
        }
        assertThat(config(wronglyDeleting, "cleanup.policy")).isEqualTo("delete");
    }

    @Test
    void verifyReportsTooManyPartitionsAndAWrongRetention() {
        String big = kafka.createTopic("windows", 4, Map.of("retention.ms", "3600000"));
        TopicSpec spec = spec(big, 2).withConfig("retention.ms", SEVEN_DAYS_MS);

        try (TopicAdmin topics = topicAdmin()) {
            assertThat(topics.verify(List.of(spec))).containsExactly(
                    "topic " + big + ": 4 partitions, spec says 2 (partitions cannot shrink: recreate the topic "
                            + "or change the spec)",
                    "topic " + big + ": retention.ms is '3600000', spec says '" + SEVEN_DAYS_MS + "'");
        }
    }

    @Test
    void concurrentEnsuresCreateEachTopicExactlyOnce() throws Exception {
        List<TopicSpec> specs = List.of(
                newSpec("race-a", 2).withConfig("cleanup.policy", "compact"),
                newSpec("race-b", 1));
        int racers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try (TopicAdmin topics = topicAdmin()) {
            List<CompletableFuture<TopicReport>> running = IntStream.range(0, racers)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> topics.ensure(specs), pool))
                    .toList();
            List<TopicReport> reports = running.stream()
                    .map(future -> future.orTimeout(60, TimeUnit.SECONDS).join())
                    .toList();

            assertThat(reports).allSatisfy(report -> assertThat(report.allMatch()).isTrue());
            for (TopicSpec spec : specs) {
                // Exactly one racer won the creation; the others met TopicExistsException or found it.
                assertThat(reports).filteredOn(r -> r.status(spec.name()) == TopicReport.Status.CREATED).hasSize(1);
                assertThat(reports).filteredOn(r -> r.status(spec.name()) == TopicReport.Status.OK)
                        .hasSize(racers - 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A spec for a topic of a unique, not yet existing name. */
    private static TopicSpec newSpec(String prefix, int partitions) {
        return spec(kafka.uniqueTopicName(prefix), partitions);
    }

    private static TopicSpec spec(String name, int partitions) {
        return TopicSpec.of(name, partitions, kafka.replicationFactor());
    }

    private static TopicAdmin topicAdmin() {
        return TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30));
    }

    private static String config(String topic, String key) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            return config.get(key).value();
        } catch (Exception e) {
            throw new AssertionError("could not read " + key + " of topic " + topic, e);
        }
    }
}
