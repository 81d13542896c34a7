package io.modelhealth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The yardstick for the drain (issue 15 item 7): the Kafka Streams job a user writes in an afternoon to
 * watch LLM calls, run by {@code bench throughput} on the same topic as the app.
 *
 * <pre>
 *   in:  route (String, the producer's key: provider/model) -> llm.call.v1 JSON (bytes, docs/design.md)
 *   out: Windowed(route, 10 s tumbling event-time window) -> Counts(calls, errors)
 * </pre>
 * Each record is parsed with Jackson ({@code readTree}); an error is {@code status_code} ≥ 400 or an
 * {@code error_type}; an unparsable record is skipped. Window time is the record timestamp (the bench's
 * producer stamps each record with its event time). Exactly-once v2, everything else Kafka Streams'
 * defaults. It groups by the input key, as the bench's records are keyed by route, so it pays no
 * repartition topic; the app's calls skip its re-keying hop for such input too (only its watermarks
 * cross it).
 *
 * <pre>
 *   MinimalStreamsJob BOOTSTRAP APPLICATION_ID INPUT_TOPIC OUTPUT_TOPIC [streams-key=value ...]
 * </pre>
 * Prints {@link #RUNNING} once Kafka Streams is RUNNING; stops on SIGTERM (closing cleanly).
 */
public final class MinimalStreamsJob {

    public static final String RUNNING = "JOB RUNNING";
    static final Duration WINDOW = Duration.ofSeconds(10);

    private MinimalStreamsJob() {
    }

    /** Calls and errors of one route in one window. */
    public record Counts(long calls, long errors) {

        static final Counts ZERO = new Counts(0, 0);

        static final Serde<Counts> SERDE = Serdes.serdeFrom(
                (topic, c) -> ByteBuffer.allocate(16).putLong(c.calls).putLong(c.errors).array(),
                (topic, b) -> {
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    return new Counts(buf.getLong(), buf.getLong());
                });

        Counts add(boolean error) {
            return new Counts(calls + 1, errors + (error ? 1 : 0));
        }
    }

    public static Topology build(String input, String output) {
        ObjectMapper json = new ObjectMapper();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("calls"))
                .flatMapValues(v -> isError(json, v), Named.as("parse"))
                .groupByKey(Grouped.with("by-route", Serdes.String(), Serdes.Boolean()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(WINDOW))
                .aggregate(() -> Counts.ZERO, (route, error, counts) -> counts.add(error), Named.as("count"),
                        Materialized.<String, Counts, WindowStore<Bytes, byte[]>>as("counts")
                                .withKeySerde(Serdes.String()).withValueSerde(Counts.SERDE))
                .toStream(Named.as("changes"))
                .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW.toMillis()), Counts.SERDE)
                        .withName("counts-out"));
        return builder.build();
    }

    /** [whether the call failed], or [] for a record that is not JSON. */
    static List<Boolean> isError(ObjectMapper json, byte[] value) {
        try {
            JsonNode call = json.readTree(value);
            return List.of(call.path("status_code").asInt(0) >= 400 || call.hasNonNull("error_type"));
        } catch (IOException e) {
            return List.of();
        }
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("minimal-job-state").toString());
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        KafkaStreams streams = new KafkaStreams(build(args[2], args[3]), props);
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(Duration.ofSeconds(30));
            stopped.countDown();
        }, "job-stop"));
        streams.start();
        running.await();
        System.out.println(RUNNING);
        System.out.flush();
        stopped.await();
    }
}
