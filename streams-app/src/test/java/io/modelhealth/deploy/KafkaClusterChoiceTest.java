package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.kafka.KafkaBrokerExtension;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.kafka.KafkaContainer;

/**
 * How {@link KafkaBrokerExtension} decides on Kafka in Docker: only when asked for, and the look for a
 * Docker engine answers promptly, without throwing, whether or not there is one.
 */
class KafkaClusterChoiceTest {

    private final String before = System.getProperty(KafkaBrokerExtension.DOCKER_ENV);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(KafkaBrokerExtension.DOCKER_ENV);
        } else {
            System.setProperty(KafkaBrokerExtension.DOCKER_ENV, before);
        }
    }

    @Test
    void dockerIsUsedOnlyWhenAskedFor() {
        System.setProperty(KafkaBrokerExtension.DOCKER_ENV, "true");
        assertThat(KafkaBrokerExtension.dockerRequested()).isTrue();
        System.setProperty(KafkaBrokerExtension.DOCKER_ENV, " TRUE ");
        assertThat(KafkaBrokerExtension.dockerRequested()).isTrue();
        System.setProperty(KafkaBrokerExtension.DOCKER_ENV, "false");
        assertThat(KafkaBrokerExtension.dockerRequested()).isFalse();
        System.setProperty(KafkaBrokerExtension.DOCKER_ENV, "yes");
        assertThat(KafkaBrokerExtension.dockerRequested()).isFalse();
    }

    @Test
    void lookingForADockerEngineAnswersPromptlyEitherWay() {
        long start = System.nanoTime();
        Optional<String> unavailable = KafkaBrokerExtension.dockerUnavailableReason();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(25));
        unavailable.ifPresent(reason -> assertThat(reason).isNotBlank());
    }

    @Test
    void theContainerCreatesNoTopicsImplicitly() {
        // (Its image name resolves only against a Docker engine; ComposeFileTest ties KAFKA_IMAGE to compose.)
        KafkaContainer container = KafkaBrokerExtension.newKafkaContainer();
        assertThat(container.getEnvMap()).containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .containsEntry("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    }
}
