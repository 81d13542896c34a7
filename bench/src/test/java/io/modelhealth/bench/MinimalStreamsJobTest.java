package io.modelhealth.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.bench.MinimalStreamsJob.Counts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.junit.jupiter.api.Test;

/** The bench's yardstick job counts what it claims to: calls and errors per route per 10 s of event time. */
class MinimalStreamsJobTest {

    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void countsCallsAndErrorsPerRouteInTenSecondWindows() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "minimal-job-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(MinimalStreamsJob.build("calls", "counts"), p)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("calls", new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<Windowed<String>, Counts> out = driver.createOutputTopic("counts",
                    WindowedSerdes.timeWindowedSerdeFrom(String.class, MinimalStreamsJob.WINDOW.toMillis()).deserializer(),
                    Counts.SERDE.deserializer());
            Calls calls = new Calls("m", 2, 1);
            String a = calls.route(0);
            String b = calls.route(1);
            in.pipeInput(a, call(a, 200, null), T0);
            in.pipeInput(a, call(a, 503, "overloaded_error"), T0.plusSeconds(1));
            in.pipeInput(a, call(a, 200, "timeout"), T0.plusSeconds(2)); // an error field without an error status
            in.pipeInput(a, "not json".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(3));
            in.pipeInput(b, call(b, 429, "rate_limit_error"), T0.plusSeconds(4));
            in.pipeInput(a, call(a, 200, null), T0.plusSeconds(10)); // the next window

            Map<Windowed<String>, Counts> last = out.readKeyValuesToMap();
            assertThat(last).hasSize(3);
            assertThat(last.entrySet()).anySatisfy(e -> {
                assertThat(e.getKey().key()).isEqualTo(a);
                assertThat(e.getKey().window().startTime()).isEqualTo(T0);
                assertThat(e.getValue()).isEqualTo(new Counts(3, 2));
            }).anySatisfy(e -> {
                assertThat(e.getKey().key()).isEqualTo(b);
                assertThat(e.getValue()).isEqualTo(new Counts(1, 1));
            }).anySatisfy(e -> {
                assertThat(e.getKey().key()).isEqualTo(a);
                assertThat(e.getKey().window().startTime()).isEqualTo(T0.plusSeconds(10));
                assertThat(e.getValue()).isEqualTo(new Counts(1, 0));
            });
        }
    }

    private static byte[] call(String route, int status, String errorType) {
        int slash = route.indexOf('/');
        return ("{\"event_id\":\"e-" + System.nanoTime() + "\",\"timestamp\":\"" + T0 + "\",\"provider\":\"" + route.substring(0, slash)
                + "\",\"model\":\"" + route.substring(slash + 1) + "\",\"status_code\":" + status
                + (errorType == null ? "" : ",\"error_type\":\"" + errorType + "\"") + ",\"latency_ms\":812.5}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
