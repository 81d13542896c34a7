package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.testing.Calls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link InputLag} reads Kafka's own {@code records-lag} metrics, and an ingest task does not call a silent
 * partition idle while its consumer reports records waiting on it (reliability.md "Not guaranteed" item 6).
 */
class InputLagTest {

    private static final String TOPIC = "llm.calls";
    private static final String ROUTE = "anthropic/claude-fable-5";
    private static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();

    private final Map<MetricName, Metric> metrics = new HashMap<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger reads = new AtomicInteger();

    @TempDir
    Path stateDir;

    private static MetricName name(String name, String group, String client, String topic, int partition) {
        return new MetricName(name, group, "", Map.of("client-id", client, "topic", topic, "partition", Integer.toString(partition)));
    }

    private void lag(String client, String topic, int partition, double value) {
        MetricName n = name("records-lag", "consumer-fetch-manager-metrics", client, topic, partition);
        metrics.put(n, metric(n, value));
    }

    private InputLag attached() {
        InputLag lag = new InputLag(now::get);
        lag.attach(() -> {
            reads.incrementAndGet();
            return Map.copyOf(metrics);
        });
        return lag;
    }

    @Test
    void readsEachPartitionsLagInEitherSpellingOfTheTopicTag() {
        lag("c1", TOPIC, 0, 42);
        lag("c1", "llm_calls", 1, 7);   // the deprecated spelling: '.' as '_'
        lag("c1", TOPIC, 2, 0);
        InputLag lag = attached();

        assertThat(lag.of(TOPIC, 0)).isEqualTo(42);
        assertThat(lag.of(TOPIC, 1)).isEqualTo(7);
        assertThat(lag.of(TOPIC, 2)).isZero();
        assertThat(lag.of(TOPIC, 3)).isEqualTo(InputLag.UNKNOWN);
        assertThat(lag.of("otlp_spans", 0)).isEqualTo(InputLag.UNKNOWN);
    }

    @Test
    void takesTheLargestOverConsumersAndIgnoresUnmeasuredAndOtherMetrics() {
        lag("thread-1-consumer", TOPIC, 0, 3);
        lag("thread-2-consumer", TOPIC, 0, 900);   // the partition moving between threads
        lag("c1", TOPIC, 1, Double.NaN);           // registered, not measured yet
        MetricName max = name("records-lag-max", "consumer-fetch-manager-metrics", "c1", TOPIC, 2);
        MetricName producer = name("records-lag", "producer-metrics", "c1", TOPIC, 2);
        metrics.put(max, metric(max, 5.0));
        metrics.put(producer, metric(producer, 5.0));
        InputLag lag = attached();

        assertThat(lag.of(TOPIC, 0)).isEqualTo(900);
        assertThat(lag.of(TOPIC, 1)).isEqualTo(InputLag.UNKNOWN);
        assertThat(lag.of(TOPIC, 2)).isEqualTo(InputLag.UNKNOWN);
    }

    @Test
    void answersUnknownUntilAttachedAndReadsTheMetricsAtMostOncePerRefresh() {
        InputLag detached = new InputLag(now::get);
        lag("c1", TOPIC, 0, 10);
        assertThat(detached.of(TOPIC, 0)).isEqualTo(InputLag.UNKNOWN);

        InputLag lag = attached();
        assertThat(lag.of(TOPIC, 0)).isEqualTo(10);
        lag("c1", TOPIC, 0, 0);
        assertThat(lag.of(TOPIC, 0)).as("within the refresh interval").isEqualTo(10);
        assertThat(reads).hasValue(1);
        now.addAndGet(InputLag.REFRESH_MS);
        assertThat(lag.of(TOPIC, 0)).isZero();
        assertThat(reads).hasValue(2);
    }

    @Test
    void aSilentPartitionWithRecordsWaitingIsNotIdleAndIsOnceItsConsumerCatchesUp() {
        AppConfig config = AppConfig.defaults();
        // Control: without a lag source, silence alone makes the partition idle, event time follows the wall
        // clock and the call's window closes.
        try (Run run = new Run(config, null)) {
            run.call(T0);
            run.wall(Duration.ofSeconds(25));
            assertThat(run.windows()).as("silence alone").hasSize(1);
        }

        lag("c1", TOPIC, 0, 500);
        InputLag lag = attached();
        try (Run run = new Run(config, lag)) {
            run.call(T0);
            run.wall(Duration.ofSeconds(25));
            assertThat(run.windows()).as("500 records still waiting: not idle, the window stays open").isEmpty();

            lag("c1", TOPIC, 0, 0);
            run.wall(Duration.ofSeconds(25));
            List<HealthWindow> windows = run.windows();
            assertThat(windows).as("caught up: idle after the silence").hasSize(1);
            assertThat(windows.get(0).windowStart()).isEqualTo(Instant.ofEpochMilli(T0));
        }
    }

    @Test
    void aSilentPartitionNotMeasuredYetIsWaitedForABoundedTime() {
        InputLag lag = attached();   // attached, but Kafka has not fetched the partition: no records-lag yet
        try (Run run = new Run(AppConfig.defaults(), lag)) {
            run.call(T0);
            run.wall(Duration.ofSeconds(25));
            assertThat(run.windows()).as("unmeasured, 25 s of silence: still waited for").isEmpty();

            run.wall(Duration.ofMillis(IngestProgress.UNMEASURED_WAIT_MS));
            assertThat(run.windows()).as("never measured: silence decides after the bound").hasSize(1);
        }
    }

    private static Metric metric(MetricName n, double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    /** The whole topology on one partition, with the app's lag source (or none) in its Streams properties. */
    private final class Run implements AutoCloseable {
        private final TopologyTestDriver driver;
        private final TestInputTopic<byte[], byte[]> calls;
        private final TestOutputTopic<String, HealthWindow> windows;

        Run(AppConfig config, InputLag lag) {
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "input-lag-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test:9092");
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(lag == null ? "none" : "lag").toString());
            if (lag != null) {
                props.put(InputLag.CONFIG, lag);
            }
            AppTopics topics = AppTopics.from(config.topics());
            driver = new TopologyTestDriver(HealthTopology.build(config, "test", 1, new HealthMetrics(new SimpleMeterRegistry())),
                    props, Instant.ofEpochMilli(T0));
            calls = driver.createInputTopic(TOPIC, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            windows = driver.createOutputTopic(topics.windows().name(), topics.windows().keySerde().deserializer(),
                    topics.windows().valueSerde().deserializer());
        }

        void call(long ts) {
            calls.pipeInput(Calls.key(ROUTE), Calls.bytes(Calls.ok(ROUTE, ts)), ts);
        }

        void wall(Duration d) {
            for (long ms = 0; ms < d.toMillis(); ms += 100) {
                driver.advanceWallClockTime(Duration.ofMillis(100));
                now.addAndGet(100);
            }
        }

        List<HealthWindow> windows() {
            return windows.readValuesToList();
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
