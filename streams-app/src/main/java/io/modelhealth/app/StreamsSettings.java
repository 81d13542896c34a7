package io.modelhealth.app;

import io.modelhealth.config.AppConfig;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams properties: every {@code kafka.*} key of the config as given (security included),
 * on top of the defaults this app needs. A user-set key always wins.
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
        p.putAll(config.kafka());
        return p;
    }
}
