package io.modelhealth.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.backtest.Backtest;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.testing.TestConfigs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The incident the recovery tests feed a live app, and what an uninterrupted run decides for it.
 *
 * <p>The {@code demo} scenario at 60 calls/s for 135 s of event time: two anthropic models withdrawn
 * at t = 3 s (BLOCKED and rerouted within a second, one re-pointed when its first fallback turns
 * out blocked too), a gemini outage from t = 40 s (rerouted at about t = 42 s) that heals at
 * t = 100 s (first RESTORE step at about t = 129 s). Every one of these decisions is driven by
 * calls, not by the wall clock, so a live run must make exactly the backtest's decisions while the
 * input flows; after {@link #end()} the live app's wall-clock punctuation runs on, so only
 * decisions issued up to then are compared.
 *
 * <p>Calls are keyed by route, as producers are told to, except one route's, which come without a
 * key and so take the {@code calls-by-route} repartition topic: exactly-once must hold across that
 * internal hop too. Event times are two hours before the test run (recent enough that no retention
 * deletes them, on a whole hour so that buckets align as in every other run).
 *
 * <p>The backtest (the same topology without a broker) is computed once per JVM, in the
 * background from first use, and shared by every test that feeds this input.
 */
final class IncidentInput {

    static final Scenario SCENARIO = Scenarios.byName("demo");
    static final double CALLS_PER_SECOND = 60;
    static final Duration LENGTH = Duration.ofSeconds(135);
    /** Calls of this route are produced without a key and re-keyed by the app (the repartition path). */
    static final String UNKEYED_ROUTE = Scenarios.MISTRAL_LARGE;

    /** What a run decides: reroute commands and closed windows, as comparable lines. */
    record Expected(List<String> decisions, List<String> windows) {
    }

    /** One input record. {@code key} is null for {@link #UNKEYED_ROUTE}. */
    record Call(String route, byte[] key, byte[] value, long timestamp) {
    }

    private static IncidentInput instance;

    private final Instant start;
    private final List<Call> calls;
    private final CompletableFuture<Expected> expected;

    private IncidentInput(Instant start) {
        this.start = start;
        List<Call> list = new ArrayList<>();
        for (GeneratedCall g : CallSchedule.of(SCENARIO, CALLS_PER_SECOND, start, LENGTH, 7)) {
            byte[] key = g.route().equals(UNKEYED_ROUTE) ? null : g.key();
            list.add(new Call(g.route(), key, ContractSerdes.LLM_CALL.serialize(null, g.call()),
                    g.call().timestamp().toEpochMilli()));
        }
        this.calls = List.copyOf(list);
        this.expected = CompletableFuture.supplyAsync(this::backtest);
    }

    /** The input of this JVM's tests (created, and its backtest started, on first use). */
    static synchronized IncidentInput get() {
        if (instance == null) {
            instance = new IncidentInput(Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS));
        }
        return instance;
    }

    /** The fallback chains the scenario needs, as the app's config gives them. */
    static AppConfig referenceConfig() {
        return TestConfigs.withFallbacks(SCENARIO.fallbacks());
    }

    Instant start() {
        return start;
    }

    /** Decisions and windows are compared up to this event time. */
    Instant end() {
        return start.plus(LENGTH);
    }

    List<Call> calls() {
        return calls;
    }

    List<ProducerRecord<byte[], byte[]>> records(String topic) {
        return calls.stream()
                .map(c -> new ProducerRecord<>(topic, null, c.timestamp(), c.key(), c.value()))
                .toList();
    }

    /** How far into the input (event time) the given number of records reaches. */
    Duration eventTimeAt(int records) {
        if (records <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(calls.get(Math.min(records, calls.size()) - 1).timestamp() - start.toEpochMilli());
    }

    /** The uninterrupted run's decisions and windows (waits for the backtest if it is still running). */
    Expected expected() {
        return expected.join();
    }

    /** What a routing service acts on, in a comparable form. */
    static String decision(RerouteCommand c) {
        return c.route() + " " + c.action() + " -> " + c.target() + " w=" + c.weight() + " epoch=" + c.epoch()
                + " at " + c.issuedAt();
    }

    /** A closed window's content, in a comparable form. */
    static String window(HealthWindow w) {
        return w.route() + " " + w.windowStart() + ".." + w.windowEnd() + " calls=" + w.calls() + " "
                + new TreeMap<>(w.byClass()) + " p50=" + w.latencyP50Ms() + " p95=" + w.latencyP95Ms()
                + " p99=" + w.latencyP99Ms();
    }

    private Expected backtest() {
        StringBuilder jsonl = new StringBuilder();
        for (Call c : calls) {
            jsonl.append(new String(c.value(), StandardCharsets.UTF_8)).append('\n');
        }
        AppConfig config = referenceConfig();
        StringWriter out = new StringWriter();
        try (BufferedReader in = new BufferedReader(new StringReader(jsonl.toString()))) {
            new Backtest(config, ConfigLoader.configVersion(config)).run(in, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> decisions = new ArrayList<>();
        List<String> windows = new ArrayList<>();
        try {
            for (String line : out.toString().split("\n")) {
                JsonNode n = Json.mapper().readTree(line);
                String topic = n.get("topic").asText();
                if (topic.equals(config.topics().reroutes())) {
                    RerouteCommand c = Json.mapper().treeToValue(n.get("value"), RerouteCommand.class);
                    if (!c.issuedAt().isAfter(end())) {
                        decisions.add(decision(c));
                    }
                } else if (topic.equals(config.topics().windows())
                        && !Instant.parse(n.get("timestamp").asText()).isAfter(end())) {
                    windows.add(window(Json.mapper().treeToValue(n.get("value"), HealthWindow.class)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Expected(List.copyOf(decisions), List.copyOf(windows));
    }
}
