package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.cli.Main;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The core path on the broker image that deploy/compose runs ({@value KafkaBrokerExtension#KAFKA_IMAGE},
 * through Testcontainers): {@code topics} through the real CLI, the app configured from the
 * environment as a container is, a withdrawn model's calls in, its BLOCKED state record out.
 *
 * <p>Opt-in ({@code MODEL_HEALTH_TEST_DOCKER=true}, environment or {@code -D}) and skipped, with the
 * reason, without a Docker engine: it pulls images, which a build must never start doing just because
 * a machine happens to have Docker. Without it, the same path runs on the embedded broker
 * (SaslScramIT, over SASL).
 */
@ExtendWith(TestcontainersKafkaIT.DockerRequestedAndAvailable.class)
class TestcontainersKafkaIT {

    @TempDir
    static Path stateDir;

    private static KafkaContainer kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaBrokerExtension.newKafkaContainer();
        kafka.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void topicsThenTheAppTurnsAWithdrawnModelsCallsIntoABlockedState() throws Exception {
        RouteStatus blocked = runCorePath(kafka.getBootstrapServers(), stateDir);
        assertThat(blocked.route()).isEqualTo(EndToEnd.WITHDRAWN);
        assertThat(blocked.state()).isEqualTo(HealthState.BLOCKED);
    }

    /** Runs the class only when Kafka in Docker is asked for and a Docker engine answers; says why not. */
    static final class DockerRequestedAndAvailable implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (!KafkaBrokerExtension.dockerRequested()) {
                return ConditionEvaluationResult.disabled("Kafka in Docker not asked for: set "
                        + KafkaBrokerExtension.DOCKER_ENV + "=true (environment or -D) to run this test on "
                        + KafkaBrokerExtension.KAFKA_IMAGE + " through Testcontainers");
            }
            Optional<String> unavailable = KafkaBrokerExtension.dockerUnavailableReason();
            return unavailable.map(reason -> ConditionEvaluationResult.disabled(KafkaBrokerExtension.DOCKER_ENV
                            + "=true, but " + reason))
                    .orElseGet(() -> ConditionEvaluationResult.enabled("a Docker engine answers"));
        }
    }

    /**
     * {@code model-health topics}, then the app (config from {@code MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS}
     * only), then the withdrawal: returns the BLOCKED record read back from the state topic.
     */
    static RouteStatus runCorePath(String bootstrap, Path stateDir) throws Exception {
        assertThat(Main.execute("topics", "--bootstrap-servers", bootstrap)).as("exit code of `topics`").isZero();

        AppConfig config = ConfigLoader.load(null, Map.of("MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS", bootstrap),
                Map.of("http.port", "0"));
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", stateDir.toString()))) {
            app.awaitRunning(EndToEnd.TIMEOUT);
            EndToEnd.sendWithdrawal(client, config.topics().calls());
            RouteStatus blocked = EndToEnd.awaitState(client, config.topics().state(), EndToEnd.WITHDRAWN, HealthState.BLOCKED);
            EndToEnd.awaitReady(app.httpPort());
            assertThat(EndToEnd.get(app.httpPort(), "/api/routes/anthropic/claude-fable-5").body()).contains("\"BLOCKED\"");
            return blocked;
        }
    }
}
