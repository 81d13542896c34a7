package io.modelhealth.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.otlp.SpanMapper;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real topology on {@code TopologyTestDriver}: {@link OrderingInput}'s first minute (the two
 * sibling models withdrawn at t = 20 s, the outage beginning at t = 40 s) fed as OTLP spans — as
 * {@code backtest} reads the Collector's file exporter output (OTLP/JSON lines), and as
 * {@code otlp_proto} records on the OTLP source — decides exactly as the same calls fed as
 * {@code llm.call.v1}: the same states, reroute commands and windows, record for record.
 */
class OtlpTopologyTest {

    private static final Duration LENGTH = Duration.ofSeconds(60);

    private static AppConfig config;
    private static OtlpInput spans;
    private static Outputs reference;

    @BeforeAll
    static void reference() {
        OrderingInput input = OrderingInput.get();
        Instant cut = input.start().plus(LENGTH);
        List<GeneratedCall> calls = input.inOrder().stream().filter(c -> c.call().timestamp().isBefore(cut)).toList();
        spans = new OtlpInput(calls);
        config = OrderingConfig.reference();
        reference = BacktestRun.run(config, spans.equivalents);
        assertThat(reference.states()).as("the reference blocks the withdrawn siblings")
                .anyMatch(s -> s.route().equals(OrderingInput.FABLE) && s.state() == HealthState.BLOCKED)
                .anyMatch(s -> s.route().equals(OrderingInput.HAIKU) && s.state() == HealthState.BLOCKED);
        assertThat(reference.commands()).filteredOn(c -> c.action() == RerouteAction.REROUTE)
                .extracting(RerouteCommand::route, RerouteCommand::target)
                .contains(org.assertj.core.groups.Tuple.tuple(OrderingInput.FABLE, OrderingInput.FABLE_FALLBACK),
                        org.assertj.core.groups.Tuple.tuple(OrderingInput.HAIKU, OrderingInput.HAIKU_FALLBACK));
    }

    @Test
    void backtestOfTheCollectorsFileExporterOutputDecidesAsTheSameCalls() {
        Outputs otlp = BacktestRun.runLines(config, spans.otlpJsonLines());
        assertSame(otlp);
    }

    @Test
    void otlpProtoRecordsOnTheOtlpSourceDecideAsTheSameCallsAndBadOnesAreDeadLettered() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AppConfig.Otlp o = config.otlp();
        AppConfig withOtlp = config.withOtlp(new AppConfig.Otlp(true, o.topic(), OtlpEncoding.OTLP_PROTO, o.tenantAttribute(),
                o.regionAttribute()));
        assertThat(ConfigLoader.configVersion(withOtlp)).as("reading spans is not a detection change")
                .isEqualTo(ConfigLoader.configVersion(config));
        List<Replay.Output> out = new ArrayList<>();
        long first = spans.requests.get(0).timestamp();
        byte[] garbage = "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8);
        try (Replay replay = new Replay(withOtlp, ConfigLoader.configVersion(withOtlp), Instant.ofEpochMilli(first),
                new HealthMetrics(registry))) {
            for (int i = 0; i < spans.requests.size(); i++) {
                OtlpInput.Request r = spans.requests.get(i);
                out.addAll(replay.otlp(null, r.bytes(OtlpEncoding.OTLP_PROTO), r.timestamp()));
                if (i == 3) {
                    out.addAll(replay.otlp("trace-key".getBytes(StandardCharsets.UTF_8), garbage, r.timestamp()));
                }
            }
            Duration drain = config.windows().bucket().plus(config.windows().grace()).plus(config.windows().punctuateInterval());
            out.addAll(replay.advance(drain));
        }
        assertSame(outputs(out));

        List<DeadLetter> dead = out.stream().map(Replay.Output::value).filter(DeadLetter.class::isInstance)
                .map(DeadLetter.class::cast).toList();
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.SCHEMA_VIOLATION);
            assertThat(d.sourceTopic()).isEqualTo(o.topic());
            assertThat(d.error()).contains("otlp_proto");
            assertThat(java.util.Base64.getDecoder().decode(d.originalValue())).isEqualTo(garbage);
            assertThat(java.util.Base64.getDecoder().decode(d.originalKey())).isEqualTo("trace-key".getBytes(StandardCharsets.UTF_8));
        });
        assertThat(registry.get(HealthMetrics.SPANS_INGESTED).counter().count()).isEqualTo(spans.equivalents.size());
        assertThat(registry.get(HealthMetrics.SPANS_SKIPPED).tag("reason", SpanMapper.NOT_GENAI).counter().count())
                .isEqualTo(spans.httpSpans);
        assertThat(registry.get(HealthMetrics.SPANS_SKIPPED).tag("reason", SpanMapper.NOT_A_MODEL_CALL).counter().count())
                .isEqualTo(spans.agentSpans);
        assertThat(spans.httpSpans).isPositive();
    }

    /** The other way round: OTLP enabled but silent must not hold llm.calls back (its partitions go idle). */
    @Test
    void llmCallsWithTheOtlpSourceEnabledButSilentDecideAsWithoutIt() {
        AppConfig.Otlp o = config.otlp();
        AppConfig silent = config.withOtlp(new AppConfig.Otlp(true, o.topic(), OtlpEncoding.OTLP_PROTO, o.tenantAttribute(),
                o.regionAttribute()));
        assertSame(BacktestRun.run(silent, spans.equivalents));
    }

    private static Outputs outputs(List<Replay.Output> out) {
        List<RerouteCommand> commands = new ArrayList<>();
        List<RouteStatus> states = new ArrayList<>();
        List<HealthWindow> windows = new ArrayList<>();
        for (Replay.Output o : out) {
            if (o.value() instanceof RerouteCommand c) {
                commands.add(c);
            } else if (o.value() instanceof RouteStatus s) {
                states.add(s);
            } else if (o.value() instanceof HealthWindow w) {
                windows.add(w);
            }
        }
        return new Outputs(commands, states, windows);
    }

    /** Record for record: the spans are the same calls, so nothing may differ, not even a window's latency. */
    private static void assertSame(Outputs otlp) {
        assertThat(otlp.states()).as("state changes").containsExactlyElementsOf(reference.states());
        assertThat(otlp.commands()).as("reroute commands").containsExactlyElementsOf(reference.commands());
        assertThat(otlp.finalWindows()).as("final windows").isEqualTo(reference.finalWindows());
    }
}
