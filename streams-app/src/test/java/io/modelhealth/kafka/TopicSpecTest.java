package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

    @Test
    void buildsTheCreateRequest() {
        TopicSpec spec = TopicSpec.of("model.health.state", 6, 3)
                .withConfig("cleanup.policy", "compact")
                .withConfig("min.insync.replicas", "2");

        NewTopic request = spec.toNewTopic();

        assertThat(request.name()).isEqualTo("model.health.state");
        assertThat(request.numPartitions()).isEqualTo(6);
        assertThat(request.replicationFactor()).isEqualTo((short) 3);
        assertThat(request.configs()).containsExactlyInAnyOrderEntriesOf(
                Map.of("cleanup.policy", "compact", "min.insync.replicas", "2"));
        assertThat(spec.config("cleanup.policy")).contains("compact");
        assertThat(spec.config("retention.ms")).isEmpty();
    }

    @Test
    void keepsConfigsSortedAndUnchangeable() {
        Map<String, String> configs = new HashMap<>(Map.of("retention.ms", "1", "cleanup.policy", "delete"));
        TopicSpec spec = new TopicSpec("llm.calls", 1, (short) 1, configs);
        configs.put("segment.ms", "5");

        assertThat(spec.configs()).containsExactly(
                Map.entry("cleanup.policy", "delete"), Map.entry("retention.ms", "1"));
        assertThatThrownBy(() -> spec.configs().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsWhatKafkaWouldRefuse() {
        assertThatThrownBy(() -> TopicSpec.of("bad name", 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad name'");
        assertThatThrownBy(() -> TopicSpec.of("..", 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicSpec.of("x".repeat(250), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicSpec.of("llm.calls", 0, 1))
                .hasMessage("topic llm.calls: partitions must be at least 1, got 0");
        assertThatThrownBy(() -> TopicSpec.of("llm.calls", 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(TopicSpec.of("x".repeat(249), 1, 1).name()).hasSize(249);
    }
}
