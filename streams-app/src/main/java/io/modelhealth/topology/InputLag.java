package io.modelhealth.topology;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * How far this instance's consumers are behind on each input partition, as Kafka's own consumers
 * measure it: the {@code records-lag} metric of {@code consumer-fetch-manager-metrics} (the offsets
 * between the consumer's position and the partition's end, read_committed under exactly-once).
 *
 * <p>Why: an ingest task must not call its partition idle while records wait on it. Wall-clock
 * silence alone cannot tell "nothing was produced" from "the consumer has not fetched it yet" — a
 * partition left unfetched for a few seconds while the thread drains a backlog elsewhere looks
 * exactly like a silent one, and calling it idle moves the low watermark past its unread calls, which
 * then count out of order (measured in {@code RouteFloodIT}: a withdrawn model rerouted to its sibling
 * that was withdrawn 150 ms later; five of six partitions called idle 2.5 s after start-up, before their
 * first fetch, while the sixth drained). With the lag known, a partition is idle only when it is silent
 * <em>and</em> its consumer has caught up ({@code IngestProgress#punctuate}).
 *
 * <p>The app puts one instance into the Kafka Streams properties under {@link #CONFIG} (the way
 * {@code BoundedRocksDbConfig} shares its memory) and {@linkplain #attach attaches} the running
 * {@code KafkaStreams#metrics()}; each ingest task finds it in {@code ProcessorContext#appConfigs()}.
 * Where there is none (TopologyTestDriver, {@code backtest}: every record is already there) or Kafka
 * has not measured a partition yet (before its first fetch), {@link #of} answers {@link #UNKNOWN}. The metrics are read at most once per {@link #REFRESH_MS}, for every task
 * of the instance at once: {@code KafkaStreams#metrics()} copies every client's metrics.
 */
public final class InputLag {

    /** The Kafka Streams property under which the app hands this to its processors. */
    public static final String CONFIG = "model.health.input.lag";
    /** {@link #of} when Kafka has not measured the partition (not fetched yet, or no running app). */
    public static final long UNKNOWN = -1;
    static final long REFRESH_MS = 200;
    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String NAME = "records-lag";

    private final LongSupplier clock;
    private volatile Supplier<Map<MetricName, ? extends Metric>> source;
    private Map<String, Long> lags = Map.of();
    private long readAt = Long.MIN_VALUE;

    public InputLag() {
        this(System::currentTimeMillis);
    }

    InputLag(LongSupplier clock) {
        this.clock = clock;
    }

    /** Reads lags from here from now on, e.g. {@code streams::metrics}. */
    public void attach(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        this.source = metrics;
    }

    /**
     * Records waiting on {@code topic}-{@code partition} as of Kafka's last fetch of it (the largest
     * over this instance's consumers, for the moment of a hand-over between threads), or
     * {@link #UNKNOWN}.
     */
    public synchronized long of(String topic, int partition) {
        Supplier<Map<MetricName, ? extends Metric>> s = source;
        if (s == null) {
            return UNKNOWN;
        }
        long now = clock.getAsLong();
        if (readAt == Long.MIN_VALUE || now - readAt >= REFRESH_MS) {
            lags = read(s.get());
            readAt = now;
        }
        return lags.getOrDefault(key(topic, partition), UNKNOWN);
    }

    private static Map<String, Long> read(Map<MetricName, ? extends Metric> metrics) {
        Map<String, Long> out = new HashMap<>();
        metrics.forEach((name, metric) -> {
            if (!NAME.equals(name.name()) || !GROUP.equals(name.group())) {
                return;
            }
            String topic = name.tags().get("topic");
            String partition = name.tags().get("partition");
            if (topic == null || partition == null || !(metric.metricValue() instanceof Double v) || v.isNaN() || v < 0) {
                return;
            }
            // Kafka 4 reports each partition's lag twice: tagged with the topic's name, and (deprecated) with '.' as '_'.
            out.merge(key(topic, Integer.parseInt(partition)), v.longValue(), Math::max);
        });
        return out;
    }

    /** Matches both spellings of the topic tag (the deprecated one has '.' replaced by '_'). */
    private static String key(String topic, int partition) {
        return topic.replace('.', '_') + "#" + partition;
    }
}
