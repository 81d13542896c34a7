package io.modelhealth.kafka;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.NewTopic;

/**
 * What a topic should look like: name, partition count, replication factor and the topic configs
 * that matter (e.g. {@code cleanup.policy}, {@code retention.ms}). Configs not named here are left
 * to the broker's defaults and are not checked.
 *
 * @param name              the topic name
 * @param partitions        the partition count, at least 1
 * @param replicationFactor replicas per partition, at least 1, or {@link #BROKER_DEFAULT} for the broker's
 *                          {@code default.replication.factor}
 * @param configs           topic-level configs, kept sorted by key so reports read the same every time
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    /** Replication factor -1: whatever the broker's {@code default.replication.factor} says. */
    public static final short BROKER_DEFAULT = -1;

    /** Kafka's rule for topic names: these characters, at most 249 of them, and not "." or "..". */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (!LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a legal topic name: use at most 249 of "
                    + "a-z A-Z 0-9 . _ -, and not '.' or '..'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1, got " + partitions);
        }
        if (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT) {
            throw new IllegalArgumentException("topic " + name + ": replication factor must be at least 1, got "
                    + replicationFactor);
        }
        Objects.requireNonNull(configs, "configs");
        TreeMap<String, String> sorted = new TreeMap<>();
        configs.forEach((key, value) -> sorted.put(
                Objects.requireNonNull(key, "config key"),
                Objects.requireNonNull(value, () -> "topic " + name + ": value of " + key)));
        configs = Collections.unmodifiableMap(sorted);
    }

    /** A topic with no configs of its own. */
    public static TopicSpec of(String name, int partitions, int replicationFactor) {
        return new TopicSpec(name, partitions, toShort(replicationFactor), Map.of());
    }

    /** This spec with one more config, e.g. {@code withConfig("cleanup.policy", "compact")}. */
    public TopicSpec withConfig(String key, String value) {
        TreeMap<String, String> more = new TreeMap<>(configs);
        more.put(key, value);
        return new TopicSpec(name, partitions, replicationFactor, more);
    }

    /** This spec with another partition count. */
    public TopicSpec withPartitions(int newPartitions) {
        return new TopicSpec(name, newPartitions, replicationFactor, configs);
    }

    /** This spec with another replication factor (e.g. 1 for a single-node test cluster). */
    public TopicSpec withReplicationFactor(int newReplicationFactor) {
        return new TopicSpec(name, partitions, toShort(newReplicationFactor), configs);
    }

    /** The value of one config, if the spec sets it. */
    public Optional<String> config(String key) {
        return Optional.ofNullable(configs.get(key));
    }

    /** The admin-client request that creates this topic. */
    public NewTopic toNewTopic() {
        return new NewTopic(name, java.util.Optional.of(partitions),
                replicationFactor == BROKER_DEFAULT ? java.util.Optional.empty() : java.util.Optional.of(replicationFactor))
                .configs(configs);
    }

    private static short toShort(int replicationFactor) {
        if ((replicationFactor < 1 && replicationFactor != BROKER_DEFAULT) || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor must be between 1 and " + Short.MAX_VALUE
                    + ", got " + replicationFactor);
        }
        return (short) replicationFactor;
    }
}
