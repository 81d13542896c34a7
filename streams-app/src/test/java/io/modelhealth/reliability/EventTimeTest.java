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
 * demo incident (two models withdrawn at t = 20 s, an outage from t = 40 s) delivered in order,
 * shuffled within the grace period, with a storm of calls later than grace, and with one
 * producer's clock running fast. What single records do is covered in IngestTopologyTest; this
 * class looks at what arrival order does to a whole incident.
 */
class EventTimeTest {

    private static final AppConfig CONFIG = IncidentInput.referenceConfig();
    private static final Instant START = Instant.parse("2026-11-27T03:00:00Z");
    private static final long GRACE_MS = CONFIG.windows().grace().toMillis();

    /** One {@code llm.calls} record as a producer sends it: the call and the Kafka timestamp. */
    private record Sent(String route, LlmCall call, long kafkaTimestamp) {
        Sent at(Instant eventTime) {
            return new Sent(route, withTime(call, eventTime, call.eventId()), kafkaTimestamp);
        }
    }

    /** What a replay produced. */
    private record Run(List<RerouteCommand> commands, List<String> windows, double late, double skewCapped) {
        Map<String, List<String>> decisionsByRoute() {
            return commands.stream().collect(Collectors.groupingBy(RerouteCommand::route, TreeMap::new,
                    Collectors.mapping(c -> c.action() + " -> " + c.target() + " w=" + c.weight() + " epoch=" + c.epoch(),
                            Collectors.toList())));
        }

        /** The route's traffic at the end: the target of its last command, or itself. */
        Map<String, String> finalTargets() {
            Map<String, String> targets = new TreeMap<>();
            commands.forEach(c -> targets.put(c.route(), c.action() == RerouteAction.REROUTE || c.weight() > 0 ? c.target() : c.route()));
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
    void callsShuffledWithinGraceLoseNothingAndFillTheSameWindows() {
        Run shuffled = replay(shuffledWithin(inOrder, Duration.ofMillis(GRACE_MS - 1_000), 3));

        assertThat(shuffled.late()).as("calls counted late").isZero();
        assertThat(shuffled.windows()).as("closed windows: calls, classes and latency quantiles")
                .containsExactlyInAnyOrderElementsOf(reference.windows());
    }

    @Test
    void callsShuffledWithinGraceMoveTrafficToTheSameFallbacks() {
        Duration span = Duration.ofMillis(GRACE_MS - 1_000);
        Run shuffled = replay(shuffledWithin(inOrder, span, 3));

        // Decisions are taken on the calls seen so far, so their times follow arrival order; where
        // traffic ends up does not.
        assertThat(shuffled.finalTargets()).isEqualTo(reference.finalTargets());
        // A single-route incident is decided the same way, within the reorder span of the same time.
        List<RerouteCommand> outage = commandsOf(shuffled, Scenarios.GEMINI_PRO);
        List<RerouteCommand> expected = commandsOf(reference, Scenarios.GEMINI_PRO);
        assertThat(shuffled.decisionsByRoute().get(Scenarios.GEMINI_PRO))
                .isEqualTo(reference.decisionsByRoute().get(Scenarios.GEMINI_PRO));
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Duration.between(expected.get(i).issuedAt(), outage.get(i).issuedAt()).abs())
                    .as("shift of %s", IncidentInput.decision(expected.get(i))).isLessThanOrEqualTo(span);
        }
        CommittedOutputs.assertEpochsStrictlyIncreasePerRoute(shuffled.commands());
    }

    @Test
    void callsLaterThanGraceAreCountedAndChangeNothing() {
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
        Run run = replay(withLate);

        assertThat(late).isGreaterThan(50);
        assertThat(run.late()).as("model.health.late.events").isEqualTo(late);
        assertThat(run.windows()).containsExactlyInAnyOrderElementsOf(reference.windows());
        assertThat(run.commands()).extracting(IncidentInput::decision)
                .containsExactlyElementsOf(reference.commands().stream().map(IncidentInput::decision).toList());
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
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<RerouteCommand> commands = new ArrayList<>();
        List<String> windows = new ArrayList<>();
        try (Replay replay = new Replay(CONFIG, "test", START, new HealthMetrics(registry))) {
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
                }
            }
        }
        return new Run(commands, windows, registry.get(HealthMetrics.LATE).counter().count(),
                registry.get(HealthMetrics.CLOCK_SKEW).counter().count());
    }

    private static LlmCall withTime(LlmCall c, Instant timestamp, String eventId) {
        return new LlmCall(eventId, timestamp, c.provider(), c.model(), c.region(), c.tenant(), c.statusCode(),
                c.errorType(), c.latencyMs(), c.ttftMs(), c.inputTokens(), c.outputTokens());
    }
}
