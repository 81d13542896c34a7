package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.topology.HealthTopology;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StreamsRouteQueries} before Kafka Streams runs (no broker needed): everything answers
 * "not ready" instead of failing, and the HTTP API turns that into 503. The running case, with
 * windows fetched from another instance, is {@code StreamsRouteQueriesIT}.
 */
class StreamsRouteQueriesTest {

    @TempDir
    Path stateDir;
    private MetricsRegistry metrics;
    private KafkaStreams streams;
    private StreamsRouteQueries queries;

    @BeforeEach
    void create() {
        AppConfig config = AppConfig.defaults();
        metrics = new MetricsRegistry();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "http-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never started: nothing connects
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:8080");
        streams = new KafkaStreams(HealthTopology.build(config, "test", 1, new HealthMetrics(metrics.registry())), props);
        queries = new StreamsRouteQueries(streams, new RouteHealth(config, "test"), new HostInfo("127.0.0.1", 8080));
    }

    @AfterEach
    void close() {
        streams.close(Duration.ofSeconds(5));
        metrics.close();
    }

    @Test
    void notReadyBeforeStart() {
        assertThat(queries.ready()).isFalse();
        assertThat(queries.notReadyReason()).isEqualTo("Kafka Streams is CREATED");
    }

    @Test
    void queriesSayNotReadyInsteadOfFailing() {
        assertThatThrownBy(queries::routes).isInstanceOf(NotReadyException.class);
        assertThatThrownBy(() -> queries.route("anthropic/claude-fable-5")).isInstanceOf(NotReadyException.class);
        assertThatThrownBy(queries::reroutes).isInstanceOf(NotReadyException.class);
        assertThatThrownBy(queries::localWindows).isInstanceOf(NotReadyException.class);
        // The page's best-effort view leaves the windows out rather than failing.
        assertThat(queries.recentWindows()).isEmpty();
    }

    @Test
    void theApiAnswers503UntilStreamsRuns() throws IOException, InterruptedException {
        try (HttpApi api = new HttpApi(new InetSocketAddress("127.0.0.1", 0), metrics.registry(), queries, Clock.systemUTC())) {
            HttpClient client = HttpClient.newHttpClient();
            for (String path : new String[]{"/readyz", "/api/routes", "/api/routes/anthropic/claude-fable-5", "/api/reroutes"}) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(503);
            }
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port()
                    + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void kafkaStreamsMetricsAreBoundAndUnbound() {
        var binder = metrics.bind(streams);
        assertThat(metrics.registry().scrape()).contains("kafka_stream_");
        binder.close();
        assertThat(metrics.registry().scrape()).doesNotContain("kafka_stream_");
    }
}
