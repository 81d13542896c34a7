package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage at volume through the real app: 24,000 broken records of 36 kinds (random bytes,
 * truncated and doubled JSON, wrong types, impossible timestamps, NaN and negative numbers as
 * strings, records at and over the 64 KiB limit, JSON nested 5,000 deep, tombstones, UTF-16)
 * interleaved one for one with 24,000 good calls, some of those padded to just under the limit.
 * Every broken record is dead-lettered exactly once with its reason and its original bytes (the
 * broken records carry null, foreign and route keys alike), every good call is counted exactly
 * once in the windows, and the app stays RUNNING on its original threads.
 */
@ExtendWith(KafkaBrokerExtension.class)
class BadInputAtVolumeIT {

    private static final int GOOD = 24_000;
    /** Every this-many good calls, one is padded with an unknown field to 100 bytes under the size limit. */
    private static final int PADDED_EVERY = 240;

    @TempDir
    Path tmp;

    @Test
    void everyBadRecordIsDeadLetteredAndEveryGoodOneCountedWhileTheAppKeepsRunning(KafkaCluster kafka) throws Exception {
        String prefix = kafka.uniqueTopicName("garbage");
        TestAppConfig app = TestAppConfig.write(tmp, prefix, kafka.bootstrapServers(), 2, kafka.replicationFactor(),
                Map.of("state.dir", tmp.resolve("state").toString(), "commit.interval.ms", "100"));
        AppConfig config = app.createTopics();
        int maxBytes = config.telemetry().maxRecordBytes();
        String topic = config.topics().calls();

        // Input: good calls in event-time order, each followed by one broken record stamped like it.
        Instant start = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS);
        SplittableRandom random = new SplittableRandom(2026);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<BadRecords.Bad> bad = new ArrayList<>();
        Map<String, Long> goodPerRoute = new TreeMap<>();
        long padded = 0;
        Instant end = start;
        for (GeneratedCall g : CallSchedule.of(Scenarios.byName("steady"), 200, start, Duration.ofSeconds(GOOD / 200), 11)) {
            long ts = g.call().timestamp().toEpochMilli();
            String json = new String(ContractSerdes.LLM_CALL.serialize(null, g.call()), StandardCharsets.UTF_8);
            byte[] value = json.getBytes(StandardCharsets.UTF_8);
            if (g.sequence() % PADDED_EVERY == 0) {
                value = BadRecords.padTo(json, maxBytes - 100);
                padded++;
            }
            records.add(new ProducerRecord<>(topic, null, ts, keyOf(g.route()), value));
            goodPerRoute.merge(g.route(), 1L, Long::sum);
            BadRecords.Bad b = BadRecords.nth(bad.size(), json, random, maxBytes);
            bad.add(b);
            byte[] badKey = switch (random.nextInt(3)) {
                case 0 -> null;
                case 1 -> g.key();
                default -> ("k" + random.nextInt()).getBytes(StandardCharsets.UTF_8);
            };
            records.add(new ProducerRecord<>(topic, null, ts, badKey, b.value()));
            end = g.call().timestamp();
        }
        // One more call per route, 30 s after the rest, closes every bucket by event time; it is not counted below.
        Instant closing = end.plusSeconds(30);
        for (String route : goodPerRoute.keySet()) {
            LlmCall c = new LlmCall("closer-" + route, closing, route.substring(0, route.indexOf('/')),
                    route.substring(route.indexOf('/') + 1), null, "search", 200, null, 100.0, null, null, null);
            records.add(new ProducerRecord<>(topic, null, closing.toEpochMilli(), keyOf(route),
                    ContractSerdes.LLM_CALL.serialize(null, c)));
        }
        long closingBucket = closing.toEpochMilli() - closing.toEpochMilli() % config.windows().bucket().toMillis();
        long produceStart = System.nanoTime();
        Feed.sendAll(kafka.clientProperties(), records);
        Duration produced = Offsets.since(produceStart);

        try (ModelHealthApp monitor = ModelHealthApp.start(config, Map.of());
             CommittedOutputs out = new CommittedOutputs(kafka.clientProperties(), config.topics(),
                     List.of(config.topics().deadLetters(), config.topics().windows()))) {
            monitor.awaitRunning(Duration.ofSeconds(90));
            long began = System.nanoTime();
            Set<String> threads = threadNames(monitor);
            await("every record processed").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        out.poll();
                        MeterRegistry r = monitor.metrics().registry();
                        String seen = "app counted " + monitor.metrics().calls() + " calls, "
                                + sum(r, HealthMetrics.DEAD_LETTERS) + " dead letters, " + sum(r, HealthMetrics.LATE) + " late, "
                                + sum(r, HealthMetrics.DUPLICATES) + " duplicates; windows per route "
                                + out.windows().stream().filter(w -> w.windowStart().toEpochMilli() < closingBucket)
                                        .collect(Collectors.groupingBy(HealthWindow::route, TreeMap::new,
                                                Collectors.summingLong(HealthWindow::calls)))
                                + " of " + goodPerRoute;
                        assertThat(out.deadLetters().size()).as("dead letters committed; " + seen).isGreaterThanOrEqualTo(bad.size());
                        assertThat(counted(out.windows(), closingBucket)).as("calls in committed windows; " + seen)
                                .isGreaterThanOrEqualTo(GOOD);
                    });
            Duration processed = Offsets.since(began);
            out.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));

            // Dead letters: exactly the broken records, each once, with a reason and its original bytes.
            List<DeadLetter> dead = out.deadLetters();
            assertThat(dead).hasSize(bad.size());
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.reason()).isIn(DeadLetter.REASONS);
                assertThat(d.error()).isNotBlank();
                assertThat(d.sourceTopic()).isEqualTo(topic);
            });
            Base64.Encoder b64 = Base64.getEncoder();
            assertThat(countBy(dead, DeadLetter::originalValue))
                    .as("original bytes of the dead letters")
                    .isEqualTo(countBy(bad, b -> b.value() == null ? null : b64.encodeToString(b.value())));
            Map<String, Long> expectedReasons = countBy(bad.stream().filter(b -> b.kind().reason() != null).toList(),
                    b -> b.kind().reason());
            Map<String, Long> reasons = countBy(dead, DeadLetter::reason);
            expectedReasons.forEach((reason, n) -> assertThat(reasons.get(reason)).as("dead letters with reason %s", reason)
                    .isGreaterThanOrEqualTo(n));
            for (String exact : List.of(DeadLetter.TOO_LARGE, DeadLetter.TIMESTAMP_OUT_OF_RANGE, DeadLetter.NULL_VALUE)) {
                assertThat(reasons.get(exact)).as("dead letters with reason %s", exact).isEqualTo(expectedReasons.get(exact));
            }

            // Good calls: every one counted once, in the windows and in the metrics.
            List<HealthWindow> windows = out.windows();
            assertThat(counted(windows, closingBucket)).as("calls in the closed windows").isEqualTo(GOOD);
            Map<String, Long> countedPerRoute = windows.stream().filter(w -> w.windowStart().toEpochMilli() < closingBucket)
                    .collect(Collectors.groupingBy(HealthWindow::route, TreeMap::new, Collectors.summingLong(HealthWindow::calls)));
            assertThat(countedPerRoute).as("calls per route").isEqualTo(goodPerRoute);
            MeterRegistry registry = monitor.metrics().registry();
            assertThat((double) monitor.metrics().calls()).as("model_health_calls_total").isEqualTo(GOOD + goodPerRoute.size());
            assertThat(sum(registry, HealthMetrics.DEAD_LETTERS)).as("model_health_dead_letters_total").isEqualTo(bad.size());
            assertThat(sum(registry, HealthMetrics.LATE)).as("late calls").isZero();
            assertThat(sum(registry, HealthMetrics.DUPLICATES)).as("duplicate calls").isZero();

            // And the app never stopped: RUNNING, on the threads it started with (a replaced thread gets a new name).
            assertThat(monitor.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(threadNames(monitor)).isEqualTo(threads);
            System.out.printf("bad input: %d good calls (%d padded to %d bytes) and %d broken records of %d kinds "
                            + "produced in %d ms, processed in %d ms; dead letters by reason %s%n",
                    GOOD, padded, maxBytes - 100, bad.size(), bad.stream().map(b -> b.kind().name()).distinct().count(),
                    produced.toMillis(), processed.toMillis(), new TreeMap<>(reasons));
        }
    }

    /**
     * Good calls are keyed by route, as producers are told to. (Unkeyed calls of one route reach the
     * route's task through {@code calls-by-route} from every upstream task, each at its own pace;
     * catching up on a backlog at many times real speed, their event times then interleave out of
     * order by more than the grace period, and some count as late: see docs/reliability.md.)
     */
    private static byte[] keyOf(String route) {
        return route.getBytes(StandardCharsets.UTF_8);
    }

    private static long counted(List<HealthWindow> windows, long beforeBucket) {
        return windows.stream().filter(w -> w.windowStart().toEpochMilli() < beforeBucket).mapToLong(HealthWindow::calls).sum();
    }

    private static double sum(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static <T> Map<String, Long> countBy(List<T> items, Function<T, String> key) {
        Map<String, Long> counts = new HashMap<>();
        for (T item : items) {
            counts.merge(String.valueOf(key.apply(item)), 1L, Long::sum);
        }
        return counts;
    }

    private static Set<String> threadNames(ModelHealthApp monitor) {
        return monitor.streams().metadataForLocalThreads().stream().map(t -> t.threadName()).collect(Collectors.toSet());
    }
}
