package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigException;
import io.modelhealth.config.ConfigLoader;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The Streams properties the app runs with: static membership from the pod's name, bounded RocksDB. */
class StreamsSettingsTest {

    private static AppConfig load(Map<String, String> env) {
        return ConfigLoader.load(null, env, Map.of("kafka.bootstrap.servers", "localhost:9092"));
    }

    @Test
    void theInstanceIdFromThePodsEnvironmentMakesEveryStreamThreadAStaticMember() {
        // What the StatefulSet sets: MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID=$(POD_NAME), expanded by Kubernetes.
        Properties p = StreamsSettings.from(load(Map.of("MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID", "model-health-1")));

        assertThat(p.getProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("model-health-1");
        // Kafka Streams gives each stream thread its own static member id, derived from ours.
        Map<String, Object> consumer = new StreamsConfig(p).getMainConsumerConfigs("model-health", "c-1", 1);
        assertThat(consumer.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("model-health-1-1");
    }

    @Test
    void withoutAnInstanceIdMembersAreDynamic() {
        Properties p = StreamsSettings.from(load(Map.of()));

        assertThat(p).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void anUnexpandedOrEmptyInstanceIdFailsNamingTheKey() {
        // Kubernetes leaves $(POD_NAME) as it is when POD_NAME is not defined before it: every pod would share it.
        assertThatThrownBy(() -> StreamsSettings.from(load(Map.of("MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID", "$(POD_NAME)"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("kafka.group.instance.id: ")
                .hasMessageContaining("POD_NAME");
        assertThatThrownBy(() -> StreamsSettings.from(load(Map.of("MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID", " "))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("kafka.group.instance.id: ");
    }

    @Test
    void theStoresGetTheBoundedRocksDbSetterUnlessTheOperatorNamesAnother() {
        assertThat(StreamsSettings.from(load(Map.of())).getProperty(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
                .isEqualTo(BoundedRocksDbConfig.class.getName());
        assertThat(StreamsSettings.from(load(Map.of("MODEL_HEALTH_KAFKA_ROCKSDB_CONFIG_SETTER", "com.example.Mine")))
                .getProperty(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo("com.example.Mine");
    }
}
