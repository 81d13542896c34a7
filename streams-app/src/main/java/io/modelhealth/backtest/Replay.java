package io.modelhealth.backtest;

import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.topology.AppTopics;
import io.modelhealth.topology.HealthTopology;
import io.modelhealth.topology.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The real topology ({@link HealthTopology#build}) driven without a broker, by Kafka Streams'
 * {@link TopologyTestDriver}: the engine of {@code backtest} and of the topology tests.
 *
 * <p>Time: each input record is piped with its event time as the Kafka timestamp, and the wall
 * clock is first advanced to that event time in steps of {@code windows.punctuate-interval}, so
 * the punctuator sees a silent route exactly as it would live. Same input ⇒ same output.
 */
public final class Replay implements AutoCloseable {

    /** One output record in the order it was produced. {@code value} is the typed record (null for a tombstone). */
    public record Output(String topic, Object key, long timestamp, Object value) {
    }

    private final AppTopics topics;
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> calls;
    private final TestInputTopic<byte[], byte[]> overrides;
    /** {@code otlp.topic}; null unless {@code otlp.enabled}. */
    private final TestInputTopic<byte[], byte[]> spans;
    private final List<java.util.Map.Entry<String, TestOutputTopic<?, ?>>> outputs = new ArrayList<>();
    private final long stepMs;
    /** Input moves the wall clock only in whole ticks of this (the shortest punctuation interval). */
    private final long tickMs;
    private final Path stateDir;
    private final io.modelhealth.telemetry.ParsedCalls parsed = new io.modelhealth.telemetry.ParsedCalls();
    private long wallClock;
    /** Inputs since TopologyTestDriver's unread records were last discarded. */
    private int sinceDiscard;

    /** How many inputs may pass between two {@link #discardUnread()}: bounds what the driver holds to a few thousand records. */
    private static final int DISCARD_EVERY = 4_096;

    /** A replay with the app's own stores (RocksDB, changelogs): what the topology tests and the memory bench need. */
    public Replay(AppConfig config, String configVersion, Instant start, HealthMetrics metrics) {
        this(config, configVersion, start, metrics, HealthTopology.StateStores.DURABLE);
    }

    /** @param stateStores {@link HealthTopology.StateStores#EPHEMERAL} for one fast pass over a file ({@code backtest}) */
    public Replay(AppConfig config, String configVersion, Instant start, HealthMetrics metrics, HealthTopology.StateStores stateStores) {
        this(config, configVersion, start, metrics, stateStores, HealthTopology.LIVE_STATES);
    }

    /** @param liveStates the route states kept as live objects ({@link HealthTopology#build}'s {@code liveStates}) */
    public Replay(AppConfig config, String configVersion, Instant start, HealthMetrics metrics, HealthTopology.StateStores stateStores,
                  int liveStates) {
        this.topics = AppTopics.from(config.topics());
        this.stepMs = config.windows().punctuateInterval().toMillis();
        this.tickMs = Math.min(stepMs, config.windows().watermarkInterval().toMillis());
        try {
            this.stateDir = Files.createTempDirectory("model-health-replay");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a state directory", e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.kafka().get("application.id"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "replay:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // As the app runs (StreamsSettings): with idling on, every record checks the task's other partitions and
        // formats a log message for it, a tenth of a backtest's time.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        this.wallClock = start.toEpochMilli();
        this.driver = new TopologyTestDriver(HealthTopology.build(config, configVersion, 1, 1, metrics, stateStores, parsed, liveStates), props,
                start);
        this.calls = driver.createInputTopic(topics.calls().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        this.overrides = driver.createInputTopic(topics.overrides().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        this.spans = config.otlp().enabled() ? driver.createInputTopic(config.otlp().topic(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer()) : null;
        for (Topic<?, ?> t : List.of(topics.windows(), topics.anomalies(), topics.state(), topics.reroutes(), topics.scopedReroutes(),
                topics.alerts(), topics.deadLetters())) {
            outputs.add(java.util.Map.entry(t.name(), output(t)));
        }
    }

    private <K, V> TestOutputTopic<K, V> output(Topic<K, V> t) {
        return driver.createOutputTopic(t.name(), t.keySerde().deserializer(), t.valueSerde().deserializer());
    }

    public AppTopics topics() {
        return topics;
    }

    /** Pipes one {@code llm.calls} record at its event time and returns what it caused. */
    public List<Output> call(byte[] key, byte[] value, long timestamp) {
        return call(key, value, timestamp, null);
    }

    /**
     * {@link #call(byte[], byte[], long)} for a value the caller has parsed already ({@code value} through a
     * {@link io.modelhealth.telemetry.CallParser} with the replay's {@code telemetry.max-record-bytes}): the
     * topology takes that result instead of parsing the bytes again. Null: parse them.
     */
    public List<Output> call(byte[] key, byte[] value, long timestamp, io.modelhealth.telemetry.ParseResult parsedValue) {
        if (parsedValue != null) {
            parsed.offer(value, parsedValue);
        }
        advanceToTick(timestamp);
        calls.pipeInput(new TestRecord<>(key, value, null, timestamp));
        return drainAndDiscard();
    }

    /**
     * Pipes one {@code otlp.topic} record (an {@code ExportTraceServiceRequest} in {@code otlp.encoding}) at
     * {@code timestamp} — for a batch, the time the exporter wrote it: no earlier than its last span's end.
     */
    public List<Output> otlp(byte[] key, byte[] value, long timestamp) {
        if (spans == null) {
            throw new IllegalStateException("otlp.enabled is false: the topology has no OTLP source");
        }
        advanceToTick(timestamp);
        spans.pipeInput(new TestRecord<>(key, value, null, timestamp));
        return drainAndDiscard();
    }

    /** Pipes one {@code model.health.overrides} record (null value: a tombstone). */
    public List<Output> override(byte[] key, byte[] value, long timestamp) {
        advanceTo(timestamp);
        overrides.pipeInput(new TestRecord<>(key, value, null, timestamp));
        return drain();
    }

    /** Lets wall-clock time pass with no input (silent routes, expiries) and returns what it caused. */
    public List<Output> advance(Duration d) {
        advanceTo(wallClock + d.toMillis());
        return drain();
    }

    public long wallClock() {
        return wallClock;
    }

    /**
     * The wall clock follows the input's time in whole ticks: every punctuation still fires at its time, but a
     * call that does not cross a tick does not make TopologyTestDriver visit every task (a wall-clock advance
     * punctuates and commits all of them; per call, that was a third of a backtest's time).
     */
    private void advanceToTick(long t) {
        if (t >= wallClock + tickMs) {
            advanceTo(t - Math.floorMod(t - wallClock, tickMs));
        }
    }

    private void advanceTo(long t) {
        while (wallClock + stepMs <= t) {
            wallClock += stepMs;
            driver.advanceWallClockTime(Duration.ofMillis(stepMs));
        }
        if (t > wallClock) {
            driver.advanceWallClockTime(Duration.ofMillis(t - wallClock));
            wallClock = t;
        }
    }

    private List<Output> drainAndDiscard() {
        if (++sinceDiscard >= DISCARD_EVERY) {
            discardUnread();
        }
        return drain();
    }

    /**
     * Drops what TopologyTestDriver captured on topics this replay does not return — changelogs and the
     * repartition topics between the stages: the driver keeps every record it captures until it is read, so a
     * long backtest would otherwise hold them all (the repartition topics' records even without changelogs).
     */
    public void discardUnread() {
        sinceDiscard = 0;
        org.apache.kafka.common.serialization.ByteArrayDeserializer bytes = new org.apache.kafka.common.serialization.ByteArrayDeserializer();
        for (String topic : driver.producedTopicNames()) {
            if (outputs.stream().noneMatch(o -> o.getKey().equals(topic))) {
                driver.createOutputTopic(topic, bytes, bytes).readRecordsToList();
            }
        }
    }

    /** Everything produced since the last call, topic by topic in a fixed order. */
    public List<Output> drain() {
        List<Output> out = new ArrayList<>();
        for (var t : outputs) {
            drainTopic(t.getKey(), t.getValue(), out);
        }
        out.sort(java.util.Comparator.comparingLong(Output::timestamp));
        return out;
    }

    private static <K, V> void drainTopic(String name, TestOutputTopic<K, V> t, List<Output> out) {
        for (TestRecord<K, V> r : t.readRecordsToList()) {
            out.add(new Output(name, r.key(), r.timestamp(), r.value()));
        }
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort: a temp dir
        }
    }
}
