package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.testing.TestConfigs;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event time against arrival order, on the real topology without a broker ({@link Replay}): the
 * demo incident (two models withdrawn at t = 3 s, an outage from t = 40 s) delivered in order;
 * shuffled within {@code windows.out-of-order} (decided exactly as in order); shuffled beyond it but
 * within the lateness bound {@code windows.grace} (nothing lost: windows amended to the same totals);
 * with a storm of calls later than the lateness bound; and with one producer's clock running fast.
 * What single records do is covered in IngestTopologyTest; this class looks at what arrival order
 * does to a whole incident.
 */
class EventTimeTest {

    private static final AppConfig CONFIG = IncidentInput.referenceConfig();
    /** Decides disorder of up to 10 s within a partition exactly as in order. */
    private static final AppConfig TOLERANT = TestConfigs.withWindows(CONFIG, CONFIG.windows().grace(), Duration.ofSeconds(10));
    private static final Instant START = Instant.parse("2026-11-27T03:00:00Z");
    private static final Duration SHUFFLE = Duration.ofSeconds(9);

    /** One {@code llm.calls} record as a producer sends it: the call and the Kafka timestamp. */
    private record Sent(String route, LlmCall call, long kafkaTimestamp) {
        Sent at(Instant eventTime) {
            return new Sent(route, withTime(call, eventTime, call.eventId()), kafkaTimestamp);
        }
    }

    /** What a replay produced. */
    private record Run(List<RerouteCommand> commands, List<String> windows, double late, double skewCapped, long tooLate) {
        Map<String, List<String>> decisionsByRoute() {
            return commands.stream().collect(Collectors.groupingBy(RerouteCommand::key, TreeMap::new,
                    Collectors.mapping(c -> c.action() + " -> " + c.target() + " w=" + c.weight() + " epoch=" + c.epoch(),
                            Collectors.toList())));
        }

        /** The route's traffic at the end: the target of its last command, or itself. */
        Map<String, String> finalTargets() {
            Map<String, String> targets = new TreeMap<>();
            commands.forEach(c -> targets.put(c.key(), c.action() == RerouteAction.REROUTE || c.weight() > 0 ? c.target() : c.route()));
            // A scope with no command in force follows its route: drop it, as a routing client does.
            commands.stream().filter(c -> c.scope() != null).map(RerouteCommand::key)
                    .filter(k -> targets.get(k).equals(io.modelhealth.schemas.Scopes.routeOf(k))).toList().forEach(targets::remove);
            return targets;
        }
    }

    private static List<Sent> inOrder;
    private static Run reference;

    @BeforeAll
    static void replayInOrder() {
        inOrder = new ArrayList<>();
        for (GeneratedCall g : CallSchedule.of(IncidentInput.SCENARIO, 40, START, Duration.ofSeconds(110), 5)) {
            inOrder.add(new Sent(g.route(), g.call(), g.call().timestamp().toEpochMilli()));
        }
        reference = replay(inOrder);
        assertThat(reference.decisionsByRoute()).as("the incident is decided in order")
                .containsKeys(Scenarios.CLAUDE_FABLE, Scenarios.CLAUDE_HAIKU, Scenarios.GEMINI_PRO);
        assertThat(reference.late()).isZero();
    }

    @Test
    void callsShuffledWithinTheOutOfOrderBoundAreDecidedExactlyAsInOrder() {
        Run ordered = replay(inOrder, TOLERANT);
        Run shuffled = replay(shuffledWithin(inOrder, SHUFFLE, 3), TOLERANT);

        assertThat(shuffled.late()).as("calls counted late").isZero();
        assertThat(finalWindows(shuffled)).as("windows: calls, classes and latency quantiles")
                .containsExactlyInAnyOrderElementsOf(finalWindows(ordered));
        assertThat(shuffled.commands()).extracting(IncidentInput::decision)
                .containsExactlyElementsOf(ordered.commands().stream().map(IncidentInput::decision).toList());
        for (int i = 0; i < ordered.commands().size(); i++) {
            assertThat(shuffled.commands().get(i).issuedAt()).isEqualTo(ordered.commands().get(i).issuedAt());
        }
        // the siblings withdrawn together never point at each other
        assertThat(ordered.finalTargets()).doesNotContainEntry(Scenarios.CLAUDE_FABLE, Scenarios.CLAUDE_HAIKU)
                .doesNotContainEntry(Scenarios.CLAUDE_HAIKU, Scenarios.CLAUDE_FABLE);
        assertThat(ordered.commands()).noneMatch(c -> c.target().startsWith("anthropic/"));
    }

    @Test
    void callsShuffledBeyondTheOutOfOrderBoundLoseNothingAndMoveTrafficToTheSameFallbacks() {
        Run shuffled = replay(shuffledWithin(inOrder, SHUFFLE, 3));

        // Behind the watermark but within the lateness bound: every call counts, windows are amended
        // (re-emitted) to exactly the in-order totals.
        assertThat(shuffled.late()).as("calls counted late").isZero();
        assertThat(finalCounts(shuffled)).isEqualTo(finalCounts(reference));
        assertThat(shuffled.windows().size()).as("windows re-emitted as late calls amend them")
                .isGreaterThan(reference.windows().size());
        assertThat(shuffled.finalTargets()).isEqualTo(reference.finalTargets());
        assertThat(shuffled.commands()).noneMatch(c -> c.target().startsWith("anthropic/"));
        CommittedOutputs.assertEpochsStrictlyIncreasePerRoute(shuffled.commands());
    }

    @Test
    void callsLaterThanTheLatenessBoundAreCountedAndDeadLetteredAndChangeNothing() {
        AppConfig shortBound = TestConfigs.withWindows(CONFIG, Duration.ofSeconds(30), Duration.ZERO);
        Run reference30 = replay(inOrder, shortBound);
        // From t = 60 s on, every 25th call is followed by a call (new event id) that happened 60 s earlier.
        int sixtySeconds = 60 * 40;
        List<Sent> withLate = new ArrayList<>();
        int late = 0;
        for (int i = 0; i < inOrder.size(); i++) {
            withLate.add(inOrder.get(i));
            if (i % 25 == 0 && i >= sixtySeconds) {
                Sent old = inOrder.get(i - sixtySeconds);
                withLate.add(new Sent(old.route(), withTime(old.call(), old.call().timestamp(), "late-" + i),
                        old.kafkaTimestamp()));
                late++;
            }
        }
        Run run = replay(withLate, shortBound);

        assertThat(late).isGreaterThan(50);
        assertThat(run.late()).as("model.health.late.events").isEqualTo(late);
        assertThat(run.tooLate()).as("dead-lettered as too_late, with their original bytes").isEqualTo(late);
        assertThat(run.windows()).containsExactlyInAnyOrderElementsOf(reference30.windows());
        assertThat(run.commands()).extracting(IncidentInput::decision)
                .containsExactlyElementsOf(reference30.commands().stream().map(IncidentInput::decision).toList());
    }

    /** The last record of each (route, window): the window's totals. */
    private static List<String> finalWindows(Run run) {
        Map<String, String> last = new TreeMap<>();
        for (String w : run.windows()) {
            last.put(w.substring(0, w.indexOf(" calls=")), w);
        }
        return new ArrayList<>(last.values());
    }

    /** Calls and classes of each window's last record (latency quantiles are fixed at first emission). */
    private static Map<String, String> finalCounts(Run run) {
        Map<String, String> last = new TreeMap<>();
        for (String w : run.windows()) {
            last.put(w.substring(0, w.indexOf(" calls=")), w.substring(w.indexOf(" calls="), w.indexOf(" p50=")));
        }
        return last;
    }

    @Test
    void oneCallFromAFastClockDoesNotBlindTheRoute() {
        // At t = 38 s one gemini call says it happened an hour later; its Kafka timestamp is the broker's true time.
        List<Sent> skewed = new ArrayList<>(inOrder);
        for (int i = 0; i < skewed.size(); i++) {
            Sent s = skewed.get(i);
            if (s.route().equals(Scenarios.GEMINI_PRO) && s.kafkaTimestamp() >= START.plusSeconds(38).toEpochMilli()) {
                skewed.set(i, s.at(s.call().timestamp().plus(Duration.ofHours(1))));
                break;
            }
        }
        Run run = replay(skewed);

        assertThat(run.skewCapped()).as("model.health.clock.skew.capped").isEqualTo(1);
        assertThat(run.late()).as("honest calls counted late because of one fast clock").isZero();
        RerouteCommand outage = commandsOf(run, Scenarios.GEMINI_PRO).get(0);
        RerouteCommand expected = commandsOf(reference, Scenarios.GEMINI_PRO).get(0);
        assertThat(Duration.between(expected.issuedAt(), outage.issuedAt()))
                .as("detection delay caused by one fast clock").isLessThanOrEqualTo(CONFIG.windows().grace());
    }

    private static List<RerouteCommand> commandsOf(Run run, String route) {
        return run.commands().stream().filter(c -> c.route().equals(route)).toList();
    }

    /** The calls with each block of {@code span} (event time) delivered in a random order. */
    private static List<Sent> shuffledWithin(List<Sent> calls, Duration span, long seed) {
        Random random = new Random(seed);
        Map<Long, List<Sent>> blocks = new LinkedHashMap<>();
        for (Sent s : calls) {
            blocks.computeIfAbsent(s.kafkaTimestamp() / span.toMillis(), k -> new ArrayList<>()).add(s);
        }
        List<Sent> out = new ArrayList<>();
        for (List<Sent> block : blocks.values()) {
            Collections.shuffle(block, random);
            out.addAll(block);
        }
        return out;
    }

    private static Run replay(List<Sent> calls) {
        return replay(calls, CONFIG);
    }

    private static Run replay(List<Sent> calls, AppConfig config) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<RerouteCommand> commands = new ArrayList<>();
        List<String> windows = new ArrayList<>();
        long tooLate = 0;
        try (Replay replay = new Replay(config, "test", START, new HealthMetrics(registry))) {
            List<Replay.Output> outputs = new ArrayList<>();
            for (Sent s : calls) {
                // Replay advances the wall clock to the Kafka timestamp, never back: a record that comes late comes now.
                outputs.addAll(replay.call(s.route().getBytes(StandardCharsets.UTF_8),
                        ContractSerdes.LLM_CALL.serialize(null, s.call()), s.kafkaTimestamp()));
            }
            for (Replay.Output o : outputs) {
                if (o.value() instanceof RerouteCommand c) {
                    commands.add(c);
                } else if (o.value() instanceof HealthWindow w) {
                    windows.add(IncidentInput.window(w));
                } else if (o.value() instanceof DeadLetter d && DeadLetter.TOO_LATE.equals(d.reason()) && d.originalValue() != null) {
                    tooLate++;
                }
            }
        }
        return new Run(commands, windows, registry.get(HealthMetrics.LATE).counter().count(),
                registry.get(HealthMetrics.CLOCK_SKEW).counter().count(), tooLate);
    }

    private static LlmCall withTime(LlmCall c, Instant timestamp, String eventId) {
        return new LlmCall(eventId, timestamp, c.provider(), c.model(), c.region(), c.tenant(), c.statusCode(),
                c.errorType(), c.latencyMs(), c.ttftMs(), c.inputTokens(), c.outputTokens());
    }
}
