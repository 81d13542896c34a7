package io.modelhealth.reliability;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A config file for one test's app: its own application id and topic names (a unique prefix, so
 * tests never share state on one cluster), the scenario's fallback chains, and any extra Kafka
 * properties. Everything else stays at the defaults, so the app decides as
 * {@link IncidentInput#referenceConfig()} does.
 *
 * @param file      the YAML file, as {@code run --config} reads it
 * @param bootstrap the cluster's bootstrap servers (given as a flag, as an operator would)
 */
record TestAppConfig(Path file, String bootstrap) {

    private static final List<String> TOPIC_KEYS =
            List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides");

    /**
     * Writes {@code <dir>/<prefix>.yaml}.
     *
     * @param kafka extra {@code kafka.*} properties (state dir, commit interval, timeouts)
     */
    static TestAppConfig write(Path dir, String prefix, String bootstrap, int partitions, int replicationFactor,
                               Map<String, String> kafka) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("kafka:\n  application.id: ").append(prefix).append('\n');
        kafka.forEach((k, v) -> yaml.append("  ").append(k).append(": '").append(v).append("'\n"));
        yaml.append("topics:\n");
        for (String t : TOPIC_KEYS) {
            yaml.append("  ").append(t).append(": ").append(prefix).append('.').append(t).append('\n');
        }
        yaml.append("  partitions: ").append(partitions).append('\n');
        yaml.append("  replication-factor: ").append(replicationFactor).append('\n');
        yaml.append("routes:\n");
        IncidentInput.SCENARIO.fallbacks().forEach((route, chain) -> yaml.append("  ").append(route)
                .append(":\n    fallbacks: [").append(String.join(", ", chain)).append("]\n"));
        Path file = dir.resolve(prefix + ".yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestAppConfig(file, bootstrap);
    }

    /** The config as the app loads it ({@code run --config F --bootstrap-servers B}), plus flags. */
    AppConfig load(Map<String, String> flags) {
        Map<String, String> all = new LinkedHashMap<>(flags);
        all.put("kafka.bootstrap.servers", bootstrap);
        return ConfigLoader.load(file, Map.of(), all);
    }

    AppConfig load() {
        return load(Map.of("http.port", "0"));
    }

    /** Creates the app's topics as {@code model-health topics} would. */
    AppConfig createTopics() {
        AppConfig config = load();
        try (TopicAdmin admin = TopicAdmin.connect(bootstrap, config.kafka(), Duration.ofSeconds(60))) {
            if (!admin.ensure(AppTopics.specs(config.topics())).allMatch()) {
                throw new IllegalStateException("the test topics do not match the spec");
            }
        }
        return config;
    }
}
