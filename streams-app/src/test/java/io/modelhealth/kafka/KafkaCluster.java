package io.modelhealth.kafka;

import java.util.Map;

/**
 * The Kafka cluster an integration test talks to: the shared embedded broker, or an external
 * cluster named by {@code MODEL_HEALTH_TEST_BOOTSTRAP}. Tests ask it for addresses and topics and
 * never assume which one it is, so the same test runs against both.
 *
 * <p>Obtain one from {@link KafkaBrokerExtension}: as a parameter of a test, a constructor or a
 * {@code @BeforeAll} method, or through a {@code @RegisterExtension} field.
 */
public interface KafkaCluster {

    /** {@code host:port,...} for {@code bootstrap.servers}. */
    String bootstrapServers();

    /**
     * The properties every client needs to reach the cluster: {@code bootstrap.servers} and, for
     * a secured cluster, its security settings. Copy it and add your own.
     */
    Map<String, Object> clientProperties();

    /** The replication factor to give test topics: 1 on one broker, at most 3 on a bigger cluster. */
    short replicationFactor();

    /** A topic name no other test uses: {@code prefix} plus a unique suffix. Creates nothing. */
    String uniqueTopicName(String prefix);

    /**
     * Creates a topic with a {@linkplain #uniqueTopicName unique name} and returns that name once
     * the cluster lists the topic.
     */
    String createTopic(String prefix, int partitions, Map<String, String> configs);

    /** {@link #createTopic(String, int, Map)} with one partition and no configs of its own. */
    default String createTopic(String prefix) {
        return createTopic(prefix, 1, Map.of());
    }

    /** For messages: "embedded broker at 127.0.0.1:41234" or "external cluster at ...". */
    String description();
}
