package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.testing.Calls;
import io.modelhealth.topology.AppTopics;
import io.modelhealth.topology.HealthTopology;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the app on one cluster, each with its HTTP API at its {@code application.server}:
 * every instance answers for every route (global fleet store), and the windows of a route hosted by
 * the other instance come from that instance over HTTP, or are reported unavailable when it is gone.
 */
class StreamsRouteQueriesIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    private static final int PARTITIONS = 4;
    private static final String WITHDRAWN = "anthropic/claude-fable-5";
    /** The instances guard their API with a token, so the windows they fetch from each other prove the peers send it. */
    private static final String TOKEN = "it-peer-token";

    @TempDir
    Path stateDir;
    private final List<Instance> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One app instance: Kafka Streams, its queries and its HTTP API. */
    private record Instance(KafkaStreams streams, StreamsRouteQueries queries, HttpApi api) {
    }

    @AfterEach
    void stop() {
        for (Instance i : instances) {
            i.api().close();
            i.streams().close(Duration.ofSeconds(20));
        }
    }

    @Test
    void everyInstanceAnswersForEveryRouteWithWindowsFromTheirOwner() throws Exception {
        String prefix = kafka.uniqueTopicName("http-it");
        AppConfig base = AppConfig.defaults();
        AppConfig.Topics t = base.topics();
        AppConfig.Topics topics = new AppConfig.Topics(prefix + "." + t.calls(), prefix + "." + t.deadLetters(),
                prefix + "." + t.windows(), prefix + "." + t.anomalies(), prefix + "." + t.state(), prefix + "." + t.alerts(),
                prefix + "." + t.reroutes(), prefix + "." + t.overrides(), PARTITIONS, kafka.replicationFactor());
        AppConfig.Http guarded = new AppConfig.Http(0, "127.0.0.1", TOKEN, false, base.http().requestTimeout(),
                base.http().statusCache());
        AppConfig config = new AppConfig(base.kafka(), guarded, topics, base.telemetry(), base.classes(),
                base.windows(), base.detection(), base.anomaly(), base.reroute(), base.alerts(),
                Map.of(WITHDRAWN, new AppConfig.Route(List.of("openai/gpt-5"))), base.otlp(), base.scopes(), base.families(), base.limits(), base.overrides(), base.operations(), base.rocksdb());
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(topics));
        }

        List<String> routes = routesOnEveryPartition();
        instances.add(start(config, prefix, "a"));
        instances.add(start(config, prefix, "b"));
        await().atMost(Duration.ofSeconds(60)).until(() -> instances.stream().allMatch(i -> i.queries().ready()));

        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int n = 0; n < 20; n++) {
                for (String route : routes) {
                    producer.send(new ProducerRecord<>(topics.calls(), null, now + n, Calls.key(route),
                            Calls.bytes(Calls.ok(route, now + n))));
                }
            }
            for (int n = 0; n < 12; n++) {
                long ts = now + 100 + n;
                producer.send(new ProducerRecord<>(topics.calls(), null, ts, Calls.key(WITHDRAWN), Calls.bytes(
                        Calls.call(WITHDRAWN, ts, 403, "model_not_available", n % 2 == 0 ? "search" : "chat"))));
            }
        }

        Instance a = instances.get(0);
        Instance b = instances.get(1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Instance i : instances) {
                assertThat(i.queries().routes()).extracting(RouteStatus::route).containsAll(routes);
                assertThat(i.queries().route(WITHDRAWN)).hasValueSatisfying(d ->
                        assertThat(d.status().state()).isEqualTo(HealthState.BLOCKED));
            }
        });

        // Each instance hosts some routes and not others, so some windows must come from the peer.
        Set<String> onA = a.queries().localWindows().keySet();
        Set<String> onB = b.queries().localWindows().keySet();
        assertThat(onA).isNotEmpty();
        assertThat(onB).isNotEmpty();
        Set<String> both = new HashSet<>(onA);
        both.addAll(onB);
        assertThat(both).containsAll(routes);
        assertThat(onA).doesNotContainAnyElementsOf(onB);

        for (String route : routes) {
            for (Instance i : instances) {
                RouteDetail d = i.queries().route(route).orElseThrow();
                assertThat(d.windowsAvailable()).as("%s from %s", route, i.api().port()).isTrue();
                assertThat(d.recentWindows().stream().mapToLong(w -> w.calls()).sum()).as(route)
                        .isGreaterThanOrEqualTo(20);
            }
        }
        assertThat(a.queries().recentWindows().keySet()).containsAll(routes);
        assertThat(a.queries().reroutes()).anySatisfy(r -> {
            assertThat(r.route()).isEqualTo(WITHDRAWN);
            assertThat(r.target()).isEqualTo("openai/gpt-5");
        });

        // Through HTTP, from the instance that does not host the withdrawn model.
        Instance notOwner = onA.contains(WITHDRAWN) ? b : a;
        JsonNode detail = getJson(notOwner, "/api/routes/anthropic/claude-fable-5");
        assertThat(detail.get("status").get("state").asText()).isEqualTo("BLOCKED");
        assertThat(detail.get("windows_available").asBoolean()).isTrue();
        assertThat(detail.get("recent_windows").size()).isPositive();
        assertThat(getJson(notOwner, "/api/routes?view=page").get("counts").get("BLOCKED").asInt()).isEqualTo(1);

        // The owner's HTTP goes away: the other instance still answers, without the windows, quickly.
        Instance owner = notOwner == a ? b : a;
        owner.api().close();
        long start = System.nanoTime();
        RouteDetail without = notOwner.queries().route(WITHDRAWN).orElseThrow();
        assertThat(without.windowsAvailable()).isFalse();
        assertThat(without.status().state()).isEqualTo(HealthState.BLOCKED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(StreamsRouteQueries.DEFAULT_PEER_TIMEOUT.plusSeconds(1));

        // An instance started after the states were written fills its global store from the state topic before it
        // runs (the store holds them in its own compact form, the topic as JSON): it answers with the same records.
        Instance late = start(config, prefix, "c");
        instances.add(late);
        await().atMost(Duration.ofSeconds(60)).until(() -> late.queries().ready());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(late.queries().routes()).containsExactlyInAnyOrderElementsOf(notOwner.queries().routes()));
        Map<String, RouteStatus> restored = new HashMap<>();
        for (RouteStatus s : late.queries().routes()) {
            restored.put(s.route(), s);
        }
        assertThat(restored.keySet()).containsAll(routes);
        assertThat(restored.get(WITHDRAWN).evidence()).isNotNull();
        assertThat(restored.values()).filteredOn(s -> s.state() == HealthState.HEALTHY).hasSizeGreaterThanOrEqualTo(routes.size() - 1);
    }

    private Instance start(AppConfig config, String appId, String name) throws IOException {
        int port = freePort();
        Properties props = new Properties();
        props.putAll(kafka.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(name).toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + port);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(kafka.replicationFactor()));
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        KafkaStreams streams = new KafkaStreams(HealthTopology.build(config, "it", PARTITIONS, HealthMetrics.noop()), props);
        StreamsRouteQueries queries = StreamsRouteQueries.of(streams, new RouteHealth(config, "it"),
                new HostInfo("127.0.0.1", port), config.http());
        HttpApi api = new HttpApi(config.http().withPort(port), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                queries, Clock.systemUTC());
        streams.start();
        return new Instance(streams, queries, api);
    }

    /** Two routes per partition of the calls topic (the default partitioner: murmur2 of the key). */
    private static List<String> routesOnEveryPartition() {
        Map<Integer, List<String>> byPartition = new HashMap<>();
        byPartition.computeIfAbsent(partition(WITHDRAWN), p -> new ArrayList<>()).add(WITHDRAWN);
        for (int n = 0; byPartition.values().stream().mapToInt(List::size).sum() < 2 * PARTITIONS || byPartition.size() < PARTITIONS; n++) {
            String route = "provider" + (n % 3) + "/model-" + n;
            List<String> list = byPartition.computeIfAbsent(partition(route), p -> new ArrayList<>());
            if (list.size() < 2) {
                list.add(route);
            }
        }
        List<String> routes = new ArrayList<>();
        byPartition.values().forEach(routes::addAll);
        return routes;
    }

    private static int partition(String route) {
        return Utils.toPositive(Utils.murmur2(route.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(props);
    }

    private JsonNode getJson(Instance i, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + i.api().port() + path))
                        .header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return Json.mapper().readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
