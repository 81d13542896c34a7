package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.app.StartupException;
import io.modelhealth.cli.Main;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicSpec;
import io.modelhealth.topology.AppTopics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up against a cluster that is not ready for the monitor: {@code run} must fail fast (exit 2)
 * and say what to do — never start half-way, never hang.
 */
@ExtendWith(KafkaBrokerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartupChecksIT {

    /** What {@code run} printed and returned, and how long it took. */
    private record Outcome(int exit, String stderr, Duration took) {
    }

    @TempDir
    static Path tmp;

    private static KafkaCluster kafka;
    private static String nowhere;
    /** Started first, awaited last: an unreachable cluster costs the full admin timeout, so it runs beside the others. */
    private static CompletableFuture<Outcome> unreachable;

    @BeforeAll
    static void startTheUnreachableCase(KafkaCluster cluster) {
        kafka = cluster;
        nowhere = "127.0.0.1:" + ChildApp.freePort();
        TestAppConfig app = TestAppConfig.write(tmp, "unreachable", nowhere, 1, 1, Map.of());
        AppConfig config = app.load();
        unreachable = CompletableFuture.supplyAsync(() -> {
            long begin = System.nanoTime();
            try (ModelHealthApp started = ModelHealthApp.start(config, Map.of())) {
                return new Outcome(0, "started against " + started.config().kafka().get("bootstrap.servers"), Offsets.since(begin));
            } catch (StartupException e) {
                // Main prints exactly this after "cannot start: ", with exit code 2 (see the cases below).
                return new Outcome(Main.CONFIG_ERROR, e.getMessage(), Offsets.since(begin));
            }
        });
    }

    @Test
    @Order(1)
    void missingTopicsFailFastNamingTheTopicsCommand() {
        TestAppConfig app = TestAppConfig.write(tmp, kafka.uniqueTopicName("no-topics"), kafka.bootstrapServers(), 1,
                kafka.replicationFactor(), Map.of());
        AppConfig config = app.load();

        Outcome run = run(app);

        assertThat(run.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(run.stderr()).contains("cannot start", "topic " + config.topics().calls() + ": missing",
                "topic " + config.topics().reroutes() + ": missing",
                "model-health topics --bootstrap-servers " + kafka.bootstrapServers());
        assertThat(run.took()).as("time to fail").isLessThan(Duration.ofSeconds(20));
        System.out.printf("startup: missing topics refused in %d ms%n", run.took().toMillis());
    }

    @Test
    @Order(2)
    void aCompactedTopicWithTheDeletePolicyFailsNamingTheTopicAndTheFix() {
        TestAppConfig app = TestAppConfig.write(tmp, kafka.uniqueTopicName("wrong-policy"), kafka.bootstrapServers(), 1,
                kafka.replicationFactor(), Map.of());
        AppConfig config = app.load();
        // Someone created the reroute topic by hand, with the default (delete) policy, before `model-health topics` ran.
        List<TopicSpec> specs = AppTopics.specs(config.topics()).stream()
                .map(s -> s.name().equals(config.topics().reroutes()) ? s.withConfig("cleanup.policy", "delete") : s)
                .toList();
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(60))) {
            admin.ensure(specs);
        }

        Outcome run = run(app);

        assertThat(run.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(run.stderr()).contains(
                "topic " + config.topics().reroutes() + ": cleanup.policy is 'delete', spec says 'compact'",
                "kafka-configs");
        assertThat(run.stderr()).as("only the wrong topic is named").doesNotContain("topic " + config.topics().calls() + ":");
        System.out.printf("startup: wrong cleanup policy refused in %d ms%n", run.took().toMillis());
    }

    @Test
    @Order(3)
    void aConfigFileThatIsNotYamlFailsNamingTheFileAndTheLine() throws Exception {
        Path file = tmp.resolve("broken.yaml");
        Files.writeString(file, "kafka:\n  bootstrap.servers: [localhost:9092\nhttp:\n  port: 8080\n");

        Outcome run = run("run", "--config", file.toString());

        assertThat(run.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(run.stderr()).contains("config error", file.toString(), "is not valid YAML at line");
    }

    @Test
    @Order(4)
    void aValueOfTheWrongTypeFailsNamingTheKeyAndWhatItExpects() throws Exception {
        Path file = tmp.resolve("typed.yaml");
        Files.writeString(file, "http:\n  port: eighty\ndetection:\n  min-hold: 30s\n");

        Outcome run = run("run", "--config", file.toString());

        assertThat(run.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(run.stderr()).contains("config error", "http.port", "eighty");
    }

    @Test
    @Order(5)
    void anUnreachableClusterFailsWithinTheAdminTimeoutNamingTheBootstrapServers() {
        Outcome outcome = unreachable.orTimeout(120, TimeUnit.SECONDS).join();

        assertThat(outcome.exit()).as(outcome.stderr()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(outcome.stderr()).contains("Kafka at " + nowhere + " did not answer within 30 s");
        assertThat(outcome.took()).as("time to give up").isBetween(Duration.ofSeconds(25), Duration.ofSeconds(60));
        System.out.printf("startup: unreachable bootstrap servers refused after %d ms%n", outcome.took().toMillis());
    }

    private static Outcome run(TestAppConfig app) {
        return run("run", "--config", app.file().toString(), "--bootstrap-servers", app.bootstrap(), "--http-port", "0");
    }

    /** {@code Main.execute(args)} with stderr captured; a `run` that starts instead of failing would block, hence the guard. */
    private static synchronized Outcome run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            PrintStream original = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long begin = System.nanoTime();
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int exit = Main.execute(args);
                return new Outcome(exit, err.toString(StandardCharsets.UTF_8), Offsets.since(begin));
            } finally {
                System.setErr(original);
            }
        });
    }
}
