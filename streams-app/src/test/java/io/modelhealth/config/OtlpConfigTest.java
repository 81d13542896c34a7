package io.modelhealth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.kafka.TopicSpec;
import io.modelhealth.topology.AppTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code otlp} section: defaults, every layer, strict validation naming the key, and the topic spec. */
class OtlpConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreTheCollectorKafkaExportersDefaultsAndOff() {
        AppConfig.Otlp o = AppConfig.defaults().otlp();
        assertThat(o.enabled()).isFalse();
        assertThat(o.topic()).isEqualTo("otlp_spans");
        assertThat(o.encoding()).isEqualTo(AppConfig.OtlpEncoding.OTLP_PROTO);
        assertThat(o.tenantAttribute()).isEqualTo("service.name");
        assertThat(o.regionAttribute()).isEqualTo("cloud.region");
        assertThat(AppTopics.specs(AppConfig.defaults())).extracting(TopicSpec::name).doesNotContain("otlp_spans");
    }

    @Test
    void fileEnvironmentAndFlagsSetIt() throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), "otlp:\n  enabled: true\n  encoding: otlp_json\n  tenant-attribute: tenant.id\n");
        AppConfig c = ConfigLoader.load(file, Map.of("MODEL_HEALTH_OTLP_TOPIC", "spans"), Map.of("otlp.region-attribute", "gen_ai.region"));
        assertThat(c.otlp()).isEqualTo(new AppConfig.Otlp(true, "spans", AppConfig.OtlpEncoding.OTLP_JSON, "tenant.id", "gen_ai.region"));
        assertThat(AppTopics.specs(c)).filteredOn(s -> s.name().equals("spans")).singleElement()
                .satisfies(s -> assertThat(s.partitions()).isEqualTo(c.topics().partitions()));
        assertThat(ConfigLoader.configVersion(c)).as("input plumbing, not detection")
                .isEqualTo(ConfigLoader.configVersion(AppConfig.defaults()));
    }

    @Test
    void badValuesFailNamingTheKey() throws Exception {
        assertThatThrownBy(() -> load("otlp:\n  encoding: jaeger_proto\n"))
                .hasMessageStartingWith("otlp.encoding:").hasMessageContaining("otlp_proto, otlp_json");
        assertThatThrownBy(() -> load("otlp:\n  enable: true\n"))
                .hasMessageStartingWith("otlp.enable:").hasMessageContaining("did you mean enabled?");
        assertThatThrownBy(() -> load("otlp:\n  enabled: true\n  topic: llm.calls\n"))
                .hasMessageStartingWith("otlp.topic:").hasMessageContaining("a topic of their own");
        assertThatThrownBy(() -> load("otlp:\n  tenant-attribute: ''\n")).hasMessageStartingWith("otlp.tenant-attribute:");
        assertThatThrownBy(() -> load("otlp:\n  enabled: \"yes\"\n")).hasMessageStartingWith("otlp.enabled:");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_OTLP_ENCODING", "protobuf"), Map.of()))
                .hasMessageContaining("otlp.encoding").hasMessageContaining("MODEL_HEALTH_OTLP_ENCODING");
    }

    private AppConfig load(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("c.yaml"), yaml), Map.of(), Map.of());
    }
}
