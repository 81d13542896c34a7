package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Both ways of using {@link KafkaBrokerExtension} reach the same, shared cluster. */
class KafkaBrokerExtensionIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    @Test
    void fieldAndParameterShareOneCluster(KafkaCluster injected) {
        assertThat(injected.bootstrapServers()).isEqualTo(kafka.bootstrapServers());
        assertThat(kafka.clientProperties()).containsEntry("bootstrap.servers", kafka.bootstrapServers());
        String external = System.getenv(KafkaBrokerExtension.BOOTSTRAP_ENV);
        if (external == null || external.isBlank()) {
            assertThat(kafka.description()).startsWith("embedded broker at 127.0.0.1:");
            assertThat(kafka.replicationFactor()).isEqualTo((short) 1);
        } else {
            assertThat(kafka.bootstrapServers()).isEqualTo(external.strip());
        }
    }

    @Test
    void createsUniquelyNamedTopicsReadyToUse() throws Exception {
        String first = kafka.createTopic("ext", 3, Map.of("cleanup.policy", "compact"));
        String second = kafka.createTopic("ext");

        assertThat(first).startsWith("ext-").isNotEqualTo(second);
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(List.of(first, second)).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get(first).partitions()).hasSize(3);
            assertThat(topics.get(second).partitions()).hasSize(1);
        }
    }
}
