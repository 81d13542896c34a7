package io.modelhealth.app;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigException;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams properties: every {@code kafka.*} key of the config as given (security included),
 * on top of the defaults this app needs. A user-set key always wins.
 *
 * <p>Static membership: with {@code kafka.group.instance.id} set (the StatefulSet sets
 * {@code MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID} to the pod name), a restarted instance takes its own
 * place in the group back without a rebalance, instead of waiting {@code session.timeout.ms} for the
 * dead member to be dropped (docs/reliability.md: ready 6–8 s after a kill instead of 46 s). Kafka
 * Streams appends each stream thread's index to it. The RocksDB stores get {@link BoundedRocksDbConfig}.
 */
public final class StreamsSettings {

    private StreamsSettings() {
    }

    public static Properties from(AppConfig config) {
        Properties p = new Properties();
        // Decisions must be neither lost nor duplicated across crashes: transactions for state + outputs.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // A warm copy of every route's state on another instance: a failover resumes in seconds, not after a restore.
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        // A decision crosses three exactly-once hops (ingest -> route task -> fleet task -> output), and each
        // waits for the upstream transaction to commit: 50 ms instead of exactly-once's 100 ms default took
        // bench detection p99 from 1.6 s to 0.93 s at no measurable cost per call.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "50");
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Integer.toString(config.topics().replicationFactor()));
        p.put(StreamsConfig.consumerPrefix("max.poll.records"), "2000");
        // Each task reads llm.calls and the two repartition topics, which are empty when producers key
        // their calls by route (the recommended way). With task idling on (0, the default), Kafka Streams
        // checks the empty partitions' broker lag before every record and formats a log message for it
        // whether or not it logs (String.format: ~15 % of the stream thread in a JFR profile of a backlog
        // drain). -1 processes what is buffered without that check. Nothing here needs Streams'
        // cross-partition timestamp order: the route processor orders calls itself, up to the low
        // watermark that every ingest task forwards (RouteProcessor, README "Ordering").
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Every store's block cache and memtables come out of one budget (rocksdb.*): see BoundedRocksDbConfig.
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class.getName());
        p.putAll(config.kafka());
        checkInstanceId(p.getProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
        return p;
    }

    /**
     * A group instance id must be unique per instance and stable across its restarts. An empty one, or one
     * with an unexpanded {@code $(VAR)} (Kubernetes leaves it as it is when VAR is not defined earlier in the
     * pod's env), would give every pod the same id: the group would fence all but one of them.
     */
    private static void checkInstanceId(String id) {
        if (id == null) {
            return;
        }
        if (id.isBlank()) {
            throw new ConfigException("kafka." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                    "must not be empty: leave it unset, or give each instance its own stable id (the pod name)");
        }
        if (id.contains("$(") || id.contains("${")) {
            throw new ConfigException("kafka." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "'" + id
                    + "' holds an unexpanded variable: define POD_NAME (fieldRef metadata.name) before it in the pod's env");
        }
    }
}
