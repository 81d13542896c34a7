package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.scenario.RouteProfile;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RerouteCommand;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances share the work (same application id, four input partitions, one standby replica
 * of every task); the one hosting the incident's routes is killed ({@code kill -9}) right after it
 * committed the outage's reroute, while the outage goes on. The survivor takes over its routes
 * from its standby copies, answers the API for every route, and decides the rest of the incident
 * once: no REROUTE repeated, epochs strictly increasing, the same commands as an uninterrupted run.
 *
 * <p>{@code session.timeout.ms} is 6 s (the broker's minimum) instead of 45 s so that the group
 * notices the dead member quickly; the takeover time reported is measured with that setting.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RebalanceIT {

    private static final double RECORDS_PER_SECOND = IncidentInput.CALLS_PER_SECOND * 7;
    private static final String OUTAGE_ROUTE = Scenarios.GEMINI_PRO;
    private static final List<String> ROUTES = Scenarios.ROUTES.stream().map(RouteProfile::route).toList();

    @TempDir
    static Path tmp;

    private static IncidentInput input;
    private static IncidentInput.Expected expected;
    private static int membersWithPartitions;
    private static List<String> victimRoutes;
    private static List<String> survivorRoutesBefore;
    private static Map<String, Integer> apiDuringFailover;
    private static Map<String, JsonNode> apiAfterTakeover;
    private static List<RerouteCommand> commands;

    @BeforeAll
    static void killTheInstanceHostingTheIncident(KafkaCluster kafka) throws Exception {
        input = IncidentInput.get();
        String prefix = kafka.uniqueTopicName("rebalance");
        List<ChildApp> apps = new ArrayList<>();
        AppConfig config = null;
        for (String name : List.of("a", "b")) {
            Path dir = Files.createDirectories(tmp.resolve(name));
            TestAppConfig app = TestAppConfig.write(dir, prefix, kafka.bootstrapServers(), 4, kafka.replicationFactor(),
                    Map.of("state.dir", dir.resolve("state").toString(), "commit.interval.ms", "100",
                            "num.standby.replicas", "1", "session.timeout.ms", "6000", "heartbeat.interval.ms", "1500"));
            config = config == null ? app.createTopics() : config;
            apps.add(ChildApp.run("rebalance-" + name, app, ChildApp.freePort()));
        }
        String callsTopic = config.topics().calls();
        try (CommittedOutputs out = CommittedOutputs.decisions(kafka.clientProperties(), config.topics())) {
            for (ChildApp app : apps) {
                app.awaitReady(Duration.ofSeconds(120));
            }
            await("both instances own input partitions").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> (membersWithPartitions = membersOwning(kafka, prefix, callsTopic)) == 2);

            try (Feed feed = Feed.start(kafka.clientProperties(), input.records(callsTopic), RECORDS_PER_SECOND)) {
                await("the outage's reroute committed").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> out.poll().commands().stream().anyMatch(c -> c.route().equals(OUTAGE_ROUTE)));
                ChildApp victim = apps.stream().filter(a -> hosts(a, OUTAGE_ROUTE)).findFirst()
                        .orElseThrow(() -> new AssertionError("no instance hosts " + OUTAGE_ROUTE));
                ChildApp survivor = apps.get(1 - apps.indexOf(victim));
                victimRoutes = hostedRoutes(victim);
                survivorRoutesBefore = hostedRoutes(survivor);
                int sentAtKill = feed.sent();
                long killedAt = System.nanoTime();
                victim.kill();

                apiDuringFailover = new TreeMap<>();
                for (String route : ROUTES) {
                    apiDuringFailover.put(route, survivor.get("/api/routes/" + route).statusCode());
                }
                await("the survivor hosts " + OUTAGE_ROUTE).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> hosts(survivor, OUTAGE_ROUTE));
                Duration takeover = Offsets.since(killedAt);
                apiAfterTakeover = new TreeMap<>();
                await("the survivor answers for every route with its windows").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200)).until(() -> {
                            for (String route : ROUTES) {
                                HttpResponse<String> r = survivor.get("/api/routes/" + route);
                                if (r.statusCode() != 200) {
                                    return false;
                                }
                                apiAfterTakeover.put(route, Json.mapper().readTree(r.body()));
                            }
                            return apiAfterTakeover.values().stream().allMatch(n -> n.path("windows_available").asBoolean());
                        });
                Duration answering = Offsets.since(killedAt);

                expected = input.expected();
                int wanted = expected.decisions().size();
                await("every decision of the uninterrupted run").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(100))
                        .until(() -> out.poll().decisionsUpTo(input.end()).size() >= wanted);
                Duration decided = Offsets.since(killedAt);
                feed.awaitDelivered(Duration.ofSeconds(60));
                await("all input consumed").atMost(Duration.ofSeconds(90))
                        .until(() -> Offsets.committed(kafka.clientProperties(), prefix, callsTopic) == feed.total());
                out.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
                commands = out.commands();
                System.out.printf("rebalance: killed %s (hosting %s) at event t+%ds; %s (hosting %s) hosted %s %d ms after "
                                + "the kill and answered for every route with windows after %d ms; every decision committed "
                                + "after %d ms; %.0f calls counted late on the survivor%n",
                        victim, victimRoutes, input.eventTimeAt(sentAtKill).toSeconds(), survivor, survivorRoutesBefore,
                        OUTAGE_ROUTE, takeover.toMillis(), answering.toMillis(), decided.toMillis(),
                        survivor.metric("model_health_late_events_total"));
            }
        } finally {
            for (ChildApp app : apps) {
                app.close();
            }
        }
    }

    @Test
    void theKilledInstanceHostedTheIncidentAndTheSurvivorTookOverItsRoutes() {
        assertThat(membersWithPartitions).as("instances sharing the input partitions").isEqualTo(2);
        assertThat(victimRoutes).as("routes the killed instance hosted").contains(OUTAGE_ROUTE);
        assertThat(survivorRoutesBefore).as("routes the survivor hosted before").doesNotContain(OUTAGE_ROUTE);
        assertThat(apiAfterTakeover).as("GET /api/routes/{provider}/{model} on the survivor").containsOnlyKeys(ROUTES);
        apiAfterTakeover.forEach((route, body) -> {
            assertThat(body.path("status").path("route").asText()).isEqualTo(route);
            assertThat(body.path("windows_available").asBoolean()).as("%s hosted by the survivor", route).isTrue();
            assertThat(body.path("recent_windows")).as("recent windows of %s", route).isNotEmpty();
        });
    }

    @Test
    void theApiAnswersForEveryRouteEvenBeforeTheTakeover() {
        assertThat(apiDuringFailover).containsOnlyKeys(ROUTES).allSatisfy((route, status) -> assertThat(status).as(route).isEqualTo(200));
    }

    @Test
    void theIncidentInFlightIsDecidedOnceWithStrictlyIncreasingEpochs() {
        CommittedOutputs.assertEpochsStrictlyIncreasePerRoute(commands);
        // Per route, the same commands (route, action, target, weight, epoch) as an uninterrupted run.
        Map<String, List<String>> committed = byRoute(CrashRecoveryIT.contents(commands.stream()
                .filter(c -> !c.issuedAt().isAfter(input.end())).map(IncidentInput::decision).toList()));
        assertThat(committed).isEqualTo(byRoute(CrashRecoveryIT.contents(expected.decisions())));
        // The epochs themselves are compared with the uninterrupted run's just above (event-time seeded: FleetDecider).
        assertThat(committed.get(OUTAGE_ROUTE)).as("the outage: one REROUTE, then the first restore step")
                .satisfiesExactly(
                        d -> assertThat(d).startsWith(OUTAGE_ROUTE + " REROUTE -> " + Scenarios.GPT + " w=1.0 epoch="),
                        d -> assertThat(d).startsWith(OUTAGE_ROUTE + " RESTORE -> " + Scenarios.GPT + " w=0.5 epoch="));
    }

    private static Map<String, List<String>> byRoute(List<String> decisions) {
        return decisions.stream().collect(Collectors.groupingBy(d -> d.substring(0, d.indexOf(' ')), TreeMap::new,
                Collectors.toList()));
    }

    /** Whether the instance hosts the route's state (its {@code /internal/windows/{route}} answers 200). */
    private static boolean hosts(ChildApp app, String route) {
        return app.status("/internal/windows/" + route) == 200;
    }

    private static List<String> hostedRoutes(ChildApp app) {
        return ROUTES.stream().filter(r -> hosts(app, r)).toList();
    }

    /** How many members of the group have partitions of {@code topic} assigned. */
    private static int membersOwning(KafkaCluster kafka, String group, String topic) throws Exception {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        try (Admin admin = Admin.create(p)) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
            return (int) d.members().stream()
                    .filter(m -> m.assignment().topicPartitions().stream().anyMatch(tp -> tp.topic().equals(topic)))
                    .count();
        }
    }
}
