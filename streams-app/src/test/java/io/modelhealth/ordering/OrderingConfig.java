package io.modelhealth.ordering;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place the ordering tests build their configuration, for the reference replay and for
 * every live app alike: the defaults, {@link OrderingInput#FALLBACKS} (a config file, the only way
 * to give routes), {@link #DETECTION} over them, and for a live app its own application id and
 * topic names. Only {@code kafka.*}, {@code topics.*} and {@code http.port} differ between the
 * reference and a live run, so they decide alike ({@link ConfigLoader#configVersion} differs,
 * being a hash that includes the topic names; the comparison ignores evidence).
 *
 * <p>{@link #DETECTION} pins {@code windows.out-of-order} at 10 s, so displaced arrivals within it
 * must give exactly the in-order decisions.
 */
final class OrderingConfig {

    private static final List<String> TOPIC_KEYS =
            List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides");

    /** Detection keys over the defaults, dotted as on the command line (e.g. {@code "windows.grace", "10s"}). Empty: defaults. */
    static final Map<String, String> DETECTION = Map.of("windows.out-of-order", "10s");

    private OrderingConfig() {
    }

    /** The config of the reference replay ({@code backtest}): default topic names, no broker. */
    static AppConfig reference() {
        try {
            Path dir = Files.createTempDirectory("ordering-config");
            return load(dir, null, "replay:9092", 1, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The config of a live app: application id {@code prefix} and topics {@code prefix.<name>} with
     * {@code partitions} partitions, on the cluster at {@code bootstrap}; HTTP on a free port.
     */
    static AppConfig live(Path dir, String prefix, String bootstrap, int partitions, int replicationFactor) {
        return load(dir, prefix, bootstrap, partitions, replicationFactor);
    }

    private static AppConfig load(Path dir, String prefix, String bootstrap, int partitions, int replicationFactor) {
        StringBuilder yaml = new StringBuilder();
        if (prefix != null) {
            yaml.append("kafka:\n  application.id: ").append(prefix).append('\n');
            yaml.append("topics:\n");
            for (String t : TOPIC_KEYS) {
                yaml.append("  ").append(t).append(": ").append(prefix).append('.').append(t).append('\n');
            }
            yaml.append("  partitions: ").append(partitions).append('\n');
            yaml.append("  replication-factor: ").append(replicationFactor).append('\n');
        }
        yaml.append("routes:\n");
        OrderingInput.FALLBACKS.forEach((route, chain) -> yaml.append("  ").append(route)
                .append(":\n    fallbacks: [").append(String.join(", ", chain)).append("]\n"));
        Path file = dir.resolve((prefix == null ? "reference" : prefix) + ".yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> flags = new LinkedHashMap<>(DETECTION);
        flags.put("kafka.bootstrap.servers", bootstrap);
        flags.put("http.port", "0");
        return ConfigLoader.load(file, Map.of(), flags);
    }

    /**
     * How far behind the latest event time already seen a call may arrive and still be decided as
     * if it had come in order: {@code windows.out-of-order}.
     */
    static Duration allowedDisorder(AppConfig config) {
        return config.windows().outOfOrder();
    }

    /** {@code windows.bucket}: the tolerance on a decision's {@code issued_at} between two runs. */
    static Duration bucket(AppConfig config) {
        return config.windows().bucket();
    }
}
