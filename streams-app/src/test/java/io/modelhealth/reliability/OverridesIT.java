package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.ContractExamples.Example;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.testing.OverrideExamples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code override.v1} example through the running app ({@link ModelHealthApp} on a real broker), as an
 * operator would send it: each invalid example is dead-lettered with a reason that names its violation and
 * changes nothing, an override that would outlive {@code overrides.max-lifetime} is dead-lettered as
 * {@code override_lifetime}, and every valid example is applied and shows in {@code model.health.state}
 * with its author. The examples' {@code until} are moved to an hour after sending
 * ({@link OverrideExamples#liveAt}): applied, an invalid one would still be in force and show.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OverridesIT {

    @TempDir
    Path tmp;

    @Test
    void invalidOverridesAreDeadLetteredWithTheirReasonAndValidOnesApplied(KafkaCluster kafka) throws Exception {
        String prefix = kafka.uniqueTopicName("overrides");
        TestAppConfig app = TestAppConfig.write(tmp, prefix, kafka.bootstrapServers(), 2, kafka.replicationFactor(),
                Map.of("state.dir", tmp.resolve("state").toString(), "commit.interval.ms", "100"));
        AppConfig config = app.createTopics();
        List<Example> invalid = OverrideExamples.invalid();
        List<Example> valid = OverrideExamples.valid();
        // Fine for the schema, too long-lived for the app: a forbid a week and a day ahead.
        Example tooLong = valid.stream().filter(e -> e.name().equals("forbid-reroute")).findFirst().orElseThrow();

        Instant now = Instant.now();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        // One call per route first: the telemetry's time starts, then follows the wall clock as the input goes idle.
        Stream.concat(invalid.stream(), valid.stream()).map(OverridesIT::keyRoute).distinct().forEach(route ->
                records.add(new ProducerRecord<>(config.topics().calls(), null, now.toEpochMilli(), bytes(route),
                        ContractSerdes.LLM_CALL.serialize(null, new LlmCall("warm-up-" + route, now, route.substring(0, route.indexOf('/')),
                                route.substring(route.indexOf('/') + 1), null, "search", 200, null, 100.0, null, null, null)))));
        // Invalid first, on the same key (so the same partition, in order) as the one valid override of their route.
        Map<String, Example> sent = new LinkedHashMap<>();
        for (Example e : invalid) {
            sent.put(OverrideExamples.liveAt(e, now, Duration.ofHours(1)), e);
        }
        String tooLongJson = OverrideExamples.liveAt(tooLong, now, Duration.ofDays(8));
        for (Map.Entry<String, Example> e : sent.entrySet()) {
            records.add(override(config, keyRoute(e.getValue()), e.getKey(), now));
        }
        records.add(override(config, keyRoute(tooLong), tooLongJson, now));
        Feed.sendAll(kafka.clientProperties(), records);

        try (ModelHealthApp monitor = ModelHealthApp.start(config, Map.of());
             CommittedOutputs out = new CommittedOutputs(kafka.clientProperties(), config.topics(),
                     List.of(config.topics().deadLetters(), config.topics().state()))) {
            monitor.awaitRunning(Duration.ofSeconds(90));
            await("every bad override dead-lettered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(out.poll().deadLetters()).hasSize(invalid.size() + 1));
            // Then the valid ones, each once the one before shows: two on one route applied in one go may
            // leave one state record (the latest), and each must be seen applied.
            for (Example e : valid) {
                Feed.sendAll(kafka.clientProperties(), List.of(override(config, keyRoute(e),
                        OverrideExamples.liveAt(e, Instant.now(), Duration.ofHours(1)), Instant.now())));
                await("state record after " + e).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(states(out.poll(), config))
                                .anyMatch(s -> s.route().equals(OverrideExamples.route(e)) && s.override() != null
                                        && s.override().contains(OverrideExamples.expectedEffect(e))
                                        && OverrideExamples.stampedAuthor(e).equals(s.overrideAuthor())));
            }
            assertThat(out.awaitQuiet(Duration.ofSeconds(1), Duration.ofSeconds(30)).deadLetters()).hasSize(invalid.size() + 1);

            // Each invalid example: dead-lettered once, for the violation its name gives, with its bytes.
            Map<String, DeadLetter> byValue = new LinkedHashMap<>();
            for (DeadLetter d : out.deadLetters()) {
                byValue.put(new String(Base64.getDecoder().decode(d.originalValue()), StandardCharsets.UTF_8), d);
                assertThat(d.sourceTopic()).isEqualTo(config.topics().overrides());
            }
            sent.forEach((json, e) -> {
                DeadLetter d = byValue.get(json);
                assertThat(d).as("the dead letter of %s", e).isNotNull();
                assertThat(d.reason()).as("%s", e).isEqualTo(DeadLetter.SCHEMA_VIOLATION);
                assertThat(OverrideExamples.namesItsViolation(e, d.error()))
                        .as("%s: '%s' names '%s'", e, d.error(), OverrideExamples.expectation(e)).isTrue();
            });
            assertThat(byValue.get(tooLongJson)).as("the dead letter of the override a week and a day long")
                    .satisfies(d -> assertThat(d.reason()).isEqualTo(DeadLetter.OVERRIDE_LIFETIME));
            assertThat(monitor.metrics().registry().find(HealthMetrics.DEAD_LETTERS).tag("reason", DeadLetter.SCHEMA_VIOLATION)
                    .counters().stream().mapToDouble(Counter::count).sum()).isEqualTo(invalid.size());

            // None changed anything: the only override the state of their route ever showed is the valid one.
            String route = OverrideExamples.route(tooLong);
            assertThat(states(out, config)).filteredOn(s -> s.route().equals(route) && s.override() != null)
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.override()).startsWith("forbid reroute by alice@example.com"));
        }
    }

    /** The example's route, or the route its siblings use for the one that lacks it: the key an operator would give. */
    private static String keyRoute(Example e) {
        String route = OverrideExamples.route(e);
        return route == null ? "openai/gpt-5" : route;
    }

    private static ProducerRecord<byte[], byte[]> override(AppConfig config, String key, String json, Instant at) {
        return new ProducerRecord<>(config.topics().overrides(), null, at.toEpochMilli(), bytes(key),
                json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<RouteStatus> states(CommittedOutputs out, AppConfig config) {
        return out.records(config.topics().state()).stream()
                .filter(r -> r.value() != null)
                .map(r -> ContractSerdes.ROUTE_STATUS.deserialize(r.topic(), r.value()))
                .toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
