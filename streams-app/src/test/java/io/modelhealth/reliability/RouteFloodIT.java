package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input (issue "Hardening", item 1): 100,000 made-up model names among the seed incident's real traffic,
 * met as a backlog on 6 partitions, half of them unkeyed, by the app as operators run it, {@code -Xmx512m} in a
 * child JVM ({@link ChildApp}). Without {@code limits.*} this took the JVM down with {@code OutOfMemoryError}
 * within minutes and the withdrawal was never decided. Now: the app stays up, /metrics stays bounded, the routes
 * over the cap are dead-lettered with their reason, and the real routes are decided exactly as a run without
 * the flood decides them.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RouteFloodIT {

    private static final int MADE_UP_ROUTES = Integer.getInteger("flood.routes", 100_000);
    /**
     * Below the default 10,000 so the suite stays short: the fleet stage's work grows with the routes it holds (a
     * run at the default: docs/reliability.md). The flood is the same 100,000 names.
     */
    private static final int MAX_ROUTES = 2_000;
    private static final int METERED = AppConfig.Limits.DEFAULT.meteredRoutes();
    private static final int PARTITIONS = 6;
    private static final Pattern ROUTE_LABEL = Pattern.compile("route=\"([^\"]+)\"");

    @TempDir
    static Path tmp;

    private static IncidentInput input;
    private static List<String> decided;
    private static String metrics;
    private static boolean aliveThroughout;
    private static double refusedCalls;
    private static double refusedRoutes;
    private static Set<String> named;

    @BeforeAll
    static void floodABacklogThenStartTheApp(KafkaCluster kafka) throws Exception {
        input = IncidentInput.get();
        String prefix = kafka.uniqueTopicName("flood");
        TestAppConfig app = TestAppConfig.write(tmp, prefix, kafka.bootstrapServers(), PARTITIONS, kafka.replicationFactor(),
                Map.of("state.dir", tmp.resolve("state").toString(), "commit.interval.ms", "200"));
        // The default windows.idle-partition-after (2 s): while this backlog drains on a busy 2-core machine the
        // consumer leaves partitions unfetched for longer than that, and calling one idle on silence alone moved the
        // low watermark past its unread calls (measured: a REROUTE to a sibling withdrawn 150 ms later). An ingest
        // task now asks its consumer's lag first (InputLag); this test is the proof at volume. docs/reliability.md.
        java.nio.file.Files.writeString(app.file(), "limits:\n  max-routes: " + MAX_ROUTES + "\n", java.nio.file.StandardOpenOption.APPEND);
        AppConfig config = app.createTopics();
        named = config.namedRoutes();

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(input.records(config.topics().calls()));
        Random random = new Random(14);
        long start = input.start().toEpochMilli();
        long length = input.end().toEpochMilli() - start;
        for (int i = 0; i < MADE_UP_ROUTES; i++) {
            String route = "fuzz/m-" + Long.toHexString(random.nextLong());
            long ts = start + (long) (random.nextDouble() * length);
            LlmCall call = new LlmCall("fuzz-" + i, Instant.ofEpochMilli(ts), "fuzz", route.substring("fuzz/".length()), null,
                    "tenant-" + random.nextInt(50), 200, null, 300.0, 90.0, 100L, 50L);
            byte[] key = i % 2 == 0 ? null : route.getBytes(StandardCharsets.UTF_8);
            records.add(new ProducerRecord<>(config.topics().calls(), null, ts, key, ContractSerdes.LLM_CALL.serialize(null, call)));
        }
        // One stream of telemetry, in event-time order as producers write it, the flood interleaved with the real calls.
        records.sort(java.util.Comparator.comparingLong(ProducerRecord::timestamp));
        produce(kafka, records);

        long began = System.nanoTime();
        try (ChildApp monitor = ChildApp.run("flood", app, ChildApp.freePort());
             CommittedOutputs out = new CommittedOutputs(kafka.clientProperties(), config.topics(), List.of(config.topics().reroutes()))) {
            monitor.awaitReady(Duration.ofSeconds(120));
            aliveThroughout = true;
            await("every record consumed").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).until(() -> {
                aliveThroughout &= monitor.isAlive() && monitor.status("/healthz") == 200;
                if (!monitor.isAlive()) {
                    throw new AssertionError("the app died:\n" + monitor.logTail(40));
                }
                return Offsets.committed(kafka.clientProperties(), prefix, config.topics().calls()) == records.size();
            });
            Duration drained = Offsets.since(began);
            int admittedAtMost = PARTITIONS * (int) Math.ceil(MAX_ROUTES / (double) PARTITIONS);
            // Read by the ingest tasks is not yet judged by the route tasks: wait until every made-up route is placed.
            await("every made-up route admitted or refused").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> sample(monitor.get("/metrics").body(), "model_health_dead_letters_total",
                            "reason=\"route_limit\"") >= MADE_UP_ROUTES - admittedAtMost);
            List<String> expected = input.expected().decisions();
            try {
                await("the real routes' decisions").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
                        .until(() -> out.poll().decisionsUpTo(input.end()).size() >= expected.size());
                out.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // theRealRoutesAreDecidedAsWithoutTheFlood shows what differs.
            }
            decided = out.decisionsUpTo(input.end());
            metrics = monitor.get("/metrics").body();
            refusedCalls = sample(metrics, "model_health_dead_letters_total", "reason=\"route_limit\"");
            refusedRoutes = sample(metrics, "model_health_routes_dropped_total", "reason=\"max_routes\"");
            aliveThroughout &= monitor.isAlive() && monitor.status("/healthz") == 200;
            System.out.printf("route flood: %d made-up routes among %d real calls, -Xmx512m, %d partitions: drained in %d ms "
                            + "(from start); heap used %.0f MB of max %.0f MB; /metrics %d lines, %d routes with series; "
                            + "%.0f calls of %.0f routes refused (route_limit), %.0f routes unmetered, %.0f calls late%n",
                    MADE_UP_ROUTES, input.calls().size(), PARTITIONS, drained.toMillis(),
                    sample(metrics, "jvm_memory_used_bytes", "area=\"heap\"") / 1e6,
                    sample(metrics, "jvm_memory_max_bytes", "area=\"heap\"") / 1e6,
                    metrics.lines().count(), routesWithSeries(metrics).size(), refusedCalls, refusedRoutes,
                    sample(metrics, "model_health_routes_unmetered"), sample(metrics, "model_health_late_events_total"));
        }
    }

    private static void produce(KafkaCluster kafka, List<ProducerRecord<byte[], byte[]>> records) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    @Test
    void theAppStayedUpAndAnsweredItsProbes() {
        assertThat(aliveThroughout).as("alive, /healthz 200 at every look").isTrue();
    }

    @Test
    void theRealRoutesAreDecidedAsWithoutTheFlood() {
        assertThat(decided).as("reroute commands of the real routes, as the run without the flood issues them")
                .containsExactlyInAnyOrderElementsOf(input.expected().decisions());
        assertThat(decided).anyMatch(d -> d.contains("REROUTE"));
    }

    @Test
    void metricsStayBoundedToTheConfiguredAndTheMeteredRoutes() {
        Set<String> routes = routesWithSeries(metrics);
        assertThat(routes).as("routes with their own series").hasSizeLessThanOrEqualTo(named.size() + METERED)
                .containsAll(named);
        assertThat(sample(metrics, "model_health_routes_unmetered")).as("routes decided but not metered").isPositive();
    }

    @Test
    void routesOverTheCapAreDeadLetteredAndCounted() {
        // Each task admits its share of limits.max-routes; everything else is refused, call by call, with its reason.
        int admittedAtMost = PARTITIONS * (int) Math.ceil(MAX_ROUTES / (double) PARTITIONS);
        assertThat(refusedCalls).as("calls dead-lettered as route_limit")
                .isGreaterThanOrEqualTo(MADE_UP_ROUTES - admittedAtMost)
                .isLessThanOrEqualTo(MADE_UP_ROUTES - admittedAtMost + input.calls().size());
        assertThat(refusedRoutes).as("routes refused").isEqualTo(refusedCalls);
    }

    private static Set<String> routesWithSeries(String scrape) {
        Set<String> routes = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#")) {
                Matcher m = ROUTE_LABEL.matcher(line);
                if (m.find()) {
                    routes.add(m.group(1));
                }
            }
        }
        return routes;
    }

    /** The sum of the samples of a metric whose labels contain every given fragment. */
    private static double sample(String scrape, String name, String... fragments) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                boolean all = true;
                for (String f : fragments) {
                    all &= line.contains(f);
                }
                if (all) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return sum;
    }
}
