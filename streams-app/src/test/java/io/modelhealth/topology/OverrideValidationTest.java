package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractExamples.Example;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.SchemaCatalog;
import io.modelhealth.testing.Calls;
import io.modelhealth.testing.OverrideExamples;
import io.modelhealth.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code model.health.overrides} through the topology (TopologyTestDriver): an override is applied only
 * if {@code override.v1} allows it, its key is its route and it ends within {@code overrides.max-lifetime}
 * of the record's time; anything else is dead-lettered with a reason that names what is wrong. What is
 * applied carries its author into the state record and into the route's alerts.
 */
class OverrideValidationTest {

    private static final Instant T0 = Instant.parse("2026-11-27T03:00:00Z");
    private static final String BLOCKED = "anthropic/claude-fable-5";
    private static final String FALLBACK = "openai/gpt-5";

    private final AppConfig config = TestConfigs.withFallbacks(Map.of(BLOCKED, List.of(FALLBACK), FALLBACK, List.of(BLOCKED)));

    @Test
    void everyInvalidExampleIsDeadLetteredNamingItsViolationAndNoneIsApplied() {
        List<Example> examples = OverrideExamples.invalid();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(9);
        List<Replay.Output> out = new ArrayList<>();
        try (Replay r = new Replay(config, "test", T0, HealthMetrics.noop())) {
            warmUp(r, List.of(FALLBACK));
            long at = T0.toEpochMilli();
            for (Example e : examples) {
                at += 1_000;
                // Live: had it been applied, it would still be in force, and show.
                String json = OverrideExamples.liveAt(e, Instant.ofEpochMilli(at), Duration.ofHours(1));
                out.addAll(r.override(key(e), json.getBytes(StandardCharsets.UTF_8), at));
            }
            out.addAll(r.advance(Duration.ofSeconds(10)));
        }
        List<DeadLetter> dead = deadLetters(out);
        assertThat(dead).hasSameSizeAs(examples);
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            DeadLetter d = dead.get(i);
            assertThat(d.reason()).as("%s", e).isEqualTo(DeadLetter.SCHEMA_VIOLATION);
            assertThat(OverrideExamples.namesItsViolation(e, d.error()))
                    .as("%s: dead letter '%s' names '%s'", e, d.error(), OverrideExamples.expectation(e)).isTrue();
            assertThat(d.sourceTopic()).isEqualTo(config.topics().overrides());
            assertThat(new String(Base64.getDecoder().decode(d.originalValue()), StandardCharsets.UTF_8))
                    .isEqualTo(OverrideExamples.liveAt(e, Instant.ofEpochMilli(T0.toEpochMilli() + 1_000L * (i + 1)),
                            Duration.ofHours(1)));
            SchemaCatalog.assertValid(d);
        }
        assertThat(out).noneMatch(o -> (o.value() instanceof RouteStatus s && s.override() != null)
                || o.value() instanceof RerouteCommand || o.value() instanceof Alert);
    }

    @Test
    void everyValidExampleIsAppliedAndStampedWithItsAuthor() {
        List<Example> examples = OverrideExamples.valid();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
        try (Replay r = new Replay(config, "test", T0, HealthMetrics.noop())) {
            warmUp(r, examples.stream().map(OverrideExamples::route).distinct().toList());
            long at = T0.toEpochMilli();
            for (Example e : examples) {
                at += 60_000;
                String json = OverrideExamples.liveAt(e, Instant.ofEpochMilli(at), Duration.ofHours(1));
                List<Replay.Output> out = new ArrayList<>(r.override(key(e), json.getBytes(StandardCharsets.UTF_8), at));
                out.addAll(r.advance(Duration.ofSeconds(10)));
                assertThat(deadLetters(out)).as("%s", e).isEmpty();
                List<RouteStatus> states = states(out, OverrideExamples.route(e));
                assertThat(states).as("state records of %s after %s", OverrideExamples.route(e), e).isNotEmpty();
                RouteStatus last = states.get(states.size() - 1);
                assertThat(last.override()).as("%s", e).isNotNull();
                assertThat(last.overrideAuthor()).as("%s", e).isEqualTo(OverrideExamples.stampedAuthor(e));
                assertThat(last.override()).contains(OverrideExamples.expectedEffect(e))
                        .contains("by " + OverrideExamples.stampedAuthor(e));
                SchemaCatalog.assertValid(last);
            }
        }
    }

    @Test
    void anUntilBeyondTheMaximumLifetimeIsDeadLetteredAndOneWithinItApplied() {
        AppConfig hour = config.withOverrides(new AppConfig.Overrides(Duration.ofHours(1)));
        List<Replay.Output> out = new ArrayList<>();
        long at = T0.toEpochMilli() + 1_000;
        try (Replay r = new Replay(hour, "test", T0, HealthMetrics.noop())) {
            warmUp(r, List.of(BLOCKED));
            out.addAll(r.override(Calls.key(BLOCKED), pin(BLOCKED, Instant.ofEpochMilli(at).plus(Duration.ofHours(1)).plusMillis(1),
                    "carol"), at));
            out.addAll(r.advance(Duration.ofSeconds(10)));
            assertThat(states(out, BLOCKED)).isEmpty();
            out.addAll(r.override(Calls.key(BLOCKED), pin(BLOCKED, Instant.ofEpochMilli(at).plus(Duration.ofHours(1)), "carol"), at));
            out.addAll(r.advance(Duration.ofSeconds(10)));
        }
        assertThat(deadLetters(out)).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.OVERRIDE_LIFETIME);
            assertThat(d.error()).contains("overrides.max-lifetime PT1H").contains("PT1H0.001S");
            SchemaCatalog.assertValid(d);
        });
        assertThat(states(out, BLOCKED)).last().satisfies(s -> {
            assertThat(s.state()).isEqualTo(HealthState.BLOCKED);
            assertThat(s.overrideAuthor()).isEqualTo("carol");
        });
    }

    @Test
    void theDefaultMaximumLifetimeIsSevenDaysFromTheRecordsTime() {
        List<Replay.Output> out = new ArrayList<>();
        long at = T0.toEpochMilli() + 1_000;
        try (Replay r = new Replay(config, "test", T0, HealthMetrics.noop())) {
            warmUp(r, List.of(BLOCKED, FALLBACK));
            out.addAll(r.override(Calls.key(BLOCKED), pin(BLOCKED, Instant.ofEpochMilli(at).plus(Duration.ofDays(7)).plusSeconds(1),
                    "carol"), at));
            out.addAll(r.override(Calls.key(FALLBACK), pin(FALLBACK, Instant.ofEpochMilli(at).plus(Duration.ofDays(7)), "carol"), at));
            out.addAll(r.advance(Duration.ofSeconds(10)));
        }
        assertThat(deadLetters(out)).extracting(DeadLetter::reason).containsExactly(DeadLetter.OVERRIDE_LIFETIME);
        assertThat(states(out, BLOCKED)).isEmpty();
        assertThat(states(out, FALLBACK)).isNotEmpty();
    }

    @Test
    void theAlertsAnOverrideCausesNameItsAuthorOrSayItIsUnknown() {
        List<Replay.Output> out = new ArrayList<>();
        long at = T0.toEpochMilli() + 1_000;
        Instant until = Instant.ofEpochMilli(at).plus(Duration.ofHours(1));
        try (Replay r = new Replay(config, "test", T0, HealthMetrics.noop())) {
            warmUp(r, List.of(BLOCKED, FALLBACK));
            out.addAll(r.override(Calls.key(BLOCKED), pin(BLOCKED, until, "dave"), at));
            out.addAll(r.override(Calls.key(FALLBACK), pin(FALLBACK, until, null), at));
            out.addAll(r.advance(Duration.ofSeconds(10)));
        }
        List<Alert> alerts = out.stream().filter(o -> o.value() instanceof Alert).map(o -> (Alert) o.value()).toList();
        assertThat(alerts).filteredOn(a -> BLOCKED.equals(a.labels().get("route"))).isNotEmpty()
                .allSatisfy(a -> assertThat(a.annotations()).containsEntry(AlertFactory.OVERRIDE_AUTHOR, "dave"));
        assertThat(alerts).filteredOn(a -> FALLBACK.equals(a.labels().get("route"))).isNotEmpty()
                .allSatisfy(a -> assertThat(a.annotations()).containsEntry(AlertFactory.OVERRIDE_AUTHOR, "unknown"));
        alerts.forEach(SchemaCatalog::assertValid);
        assertThat(states(out, FALLBACK)).last().satisfies(s -> assertThat(s.overrideAuthor()).isEqualTo("unknown"));
    }

    @Test
    void anOverrideThatIsNotUtf8IsDeadLetteredAsSuch() {
        byte[] latin1 = ("{\"route\":\"" + BLOCKED + "\",\"pin_state\":\"BLOCKED\",\"until\":\"2026-11-27T04:00:00Z\","
                + "\"author\":\"Jos\u00e9\"}").getBytes(StandardCharsets.ISO_8859_1);
        List<Replay.Output> out = new ArrayList<>();
        try (Replay r = new Replay(config, "test", T0, HealthMetrics.noop())) {
            out.addAll(r.override(Calls.key(BLOCKED), latin1, T0.toEpochMilli() + 1_000));
        }
        assertThat(deadLetters(out)).extracting(DeadLetter::reason).containsExactly(DeadLetter.NOT_UTF8);
    }

    @Test
    void operatorTextIsLoggedOnOneLine() {
        assertThat(OverrideParser.printable("carol\nINFO override for x by root: pin HEALTHY"))
                .isEqualTo("carol?INFO override for x by root: pin HEALTHY");
        assertThat(OverrideParser.printable("x".repeat(500))).hasSizeLessThan(210);
    }

    /**
     * One healthy call per route at T0: the telemetry's time starts (with no call ever read, no route task
     * has a watermark and the fleet stage decides nothing), and then, as the input goes idle, follows the
     * wall clock. What it outputs is left out: the tests look at what the overrides cause.
     */
    private static void warmUp(Replay r, List<String> routes) {
        for (String route : routes) {
            r.call(Calls.key(route), Calls.bytes(Calls.ok(route, T0.toEpochMilli())), T0.toEpochMilli());
        }
    }

    /** The key an operator would give the example: its route (the file without one gets the route its siblings use). */
    private static byte[] key(Example e) {
        String route = OverrideExamples.route(e);
        return Calls.key(route == null ? FALLBACK : route);
    }

    private static byte[] pin(String route, Instant until, String author) {
        return ("{\"route\":\"" + route + "\",\"pin_state\":\"BLOCKED\",\"until\":\"" + until + "\""
                + (author == null ? "" : ",\"author\":\"" + author + "\"") + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<DeadLetter> deadLetters(List<Replay.Output> out) {
        return out.stream().filter(o -> o.value() instanceof DeadLetter).map(o -> (DeadLetter) o.value()).toList();
    }

    private static List<RouteStatus> states(List<Replay.Output> out, String route) {
        return out.stream().filter(o -> o.value() instanceof RouteStatus s && s.route().equals(route))
                .map(o -> (RouteStatus) o.value()).toList();
    }
}
