package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.SchemaCatalog;
import io.modelhealth.testing.Calls;
import io.modelhealth.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Decision paths of the topology through TopologyTestDriver, with event time and wall-clock time
 * driven by {@link Replay}: the global fleet view, overrides from their topic, provider-wide alerts,
 * silence, and determinism.
 */
class HealthTopologyTest {

    private static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
    private static final String A = "anthropic/claude-fable-5";
    private static final String B = "anthropic/claude-haiku-5";
    private static final String C = "openai/gpt-5";

    private final AppConfig config = TestConfigs.withFallbacks(Map.of(
            A, List.of(B, C),
            B, List.of(A, C),
            C, List.of(A)));

    /** Feeds every route a call every 100 ms from {@code from} to {@code to}; {@code outcome} picks each call. */
    private static void traffic(Replay r, List<Replay.Output> out, long from, long to, List<String> routes,
                                java.util.function.BiFunction<String, Long, io.modelhealth.schemas.LlmCall> outcome) {
        for (long ts = from; ts < to; ts += 100) {
            for (String route : routes) {
                out.addAll(r.call(Calls.key(route), Calls.bytes(outcome.apply(route, ts)), ts));
            }
        }
    }

    private static List<RerouteCommand> commands(List<Replay.Output> out) {
        return out.stream().filter(o -> o.value() instanceof RerouteCommand).map(o -> (RerouteCommand) o.value()).toList();
    }

    private static List<Alert> alerts(List<Replay.Output> out) {
        return out.stream().filter(o -> o.value() instanceof Alert).map(o -> (Alert) o.value()).toList();
    }

    private static List<RouteStatus> states(List<Replay.Output> out, String route) {
        return out.stream().filter(o -> o.value() instanceof RouteStatus s && s.route().equals(route))
                .map(o -> (RouteStatus) o.value()).toList();
    }

    private List<Replay.Output> withdrawBothAnthropicModels() {
        List<Replay.Output> out = new ArrayList<>();
        try (Replay r = new Replay(config, "test", Instant.ofEpochMilli(T0), HealthMetrics.noop())) {
            traffic(r, out, T0, T0 + 30_000, List.of(A, B, C), (route, ts) -> Calls.ok(route, ts));
            // Both anthropic models withdrawn worldwide at once.
            String[] tenants = {"search", "chat", "support"};
            int[] n = {0};
            traffic(r, out, T0 + 30_000, T0 + 60_000, List.of(A, B, C), (route, ts) -> route.equals(C)
                    ? Calls.ok(route, ts)
                    : Calls.call(route, ts, 403, "model_not_available", tenants[n[0]++ % tenants.length]));
            out.addAll(r.advance(Duration.ofSeconds(5)));
        }
        return out;
    }

    @Test
    void twoRoutesThatFallBackToEachOtherBothEndOnTheHealthyThird() {
        List<Replay.Output> out = withdrawBothAnthropicModels();
        List<RerouteCommand> commands = commands(out);
        // The last word for each blocked route points at C, the only healthy route of its chain.
        assertThat(commands.stream().filter(c -> c.route().equals(A)).reduce((a, b) -> b)).get()
                .satisfies(c -> {
                    assertThat(c.action()).isEqualTo(RerouteAction.REROUTE);
                    assertThat(c.target()).isEqualTo(C);
                    assertThat(c.weight()).isEqualTo(1.0);
                    assertThat(c.state()).isEqualTo(HealthState.BLOCKED);
                });
        assertThat(commands.stream().filter(c -> c.route().equals(B)).reduce((a, b) -> b)).get()
                .satisfies(c -> assertThat(c.target()).isEqualTo(C));
        // Never a command that sends traffic to an unhealthy target once that target's state is known.
        long blockedA = states(out, A).stream().filter(s -> s.state() == HealthState.BLOCKED).findFirst().orElseThrow()
                .since().toEpochMilli();
        long blockedB = states(out, B).stream().filter(s -> s.state() == HealthState.BLOCKED).findFirst().orElseThrow()
                .since().toEpochMilli();
        assertThat(commands).filteredOn(c -> c.target().equals(B)).allMatch(c -> c.issuedAt().toEpochMilli() <= blockedB);
        assertThat(commands).filteredOn(c -> c.target().equals(A)).allMatch(c -> c.issuedAt().toEpochMilli() <= blockedA);
        // Epochs strictly increase per route.
        for (String route : List.of(A, B)) {
            List<Long> epochs = commands.stream().filter(c -> c.route().equals(route)).map(RerouteCommand::epoch).toList();
            assertThat(epochs).isSorted().doesNotHaveDuplicates();
        }
        // Detected within a second of event time of the withdrawal (3 consecutive refusals from 2+ tenants).
        assertThat(blockedA - (T0 + 30_000)).isLessThan(1_000);
        // Every output record validates against its schema.
        out.forEach(o -> SchemaCatalog.assertValid(o.value()));
    }

    @Test
    void mostOfAProviderDownAtOnceFiresOneProviderWideAlert() {
        List<Replay.Output> out = withdrawBothAnthropicModels();
        List<Alert> provider = alerts(out).stream().filter(a -> a.labels().get("alertname").equals("ModelProviderOutage")).toList();
        assertThat(provider).hasSize(1);
        assertThat(provider.get(0).labels()).containsEntry("provider", "anthropic").doesNotContainKey("route");
        assertThat(provider.get(0).isFiring()).isTrue();
        // One page per route incident, not one per call: one fingerprint per route (a firing alert is
        // re-sent with the same fingerprint when its reroute target changes).
        List<Alert> blocked = alerts(out).stream().filter(a -> a.labels().get("alertname").equals("ModelRouteBlocked")).toList();
        assertThat(blocked.stream().map(Alert::fingerprint).distinct().count()).isEqualTo(2);
        assertThat(blocked).extracting(a -> a.labels().get("route")).containsOnly(A, B);
        assertThat(blocked).allMatch(Alert::isFiring);
        // The last word on each incident names the healthy target, never the other blocked route.
        assertThat(blocked.stream().filter(a -> a.labels().get("route").equals(A)).reduce((x, y) -> y)).get()
                .satisfies(a -> assertThat(a.annotations().get("summary")).endsWith("traffic rerouted to " + C));
    }

    @Test
    void sameInputGivesTheSameOutputTwice() {
        List<Replay.Output> first = withdrawBothAnthropicModels();
        List<Replay.Output> second = withdrawBothAnthropicModels();
        assertThat(second).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(SchemaCatalog.toJson(second.get(i).value())).isEqualTo(SchemaCatalog.toJson(first.get(i).value()));
            assertThat(second.get(i).timestamp()).isEqualTo(first.get(i).timestamp());
        }
    }

    private static byte[] override(RouteOverride o) {
        return ContractSerdes.OVERRIDE.serialize("", o);
    }

    @Test
    void operatorOverridesFromTheTopicWinAndExpire() {
        List<Replay.Output> out = new ArrayList<>();
        try (Replay r = new Replay(config, "test", Instant.ofEpochMilli(T0), HealthMetrics.noop())) {
            traffic(r, out, T0, T0 + 10_000, List.of(A, C), (route, ts) -> Calls.ok(route, ts));
            long at = T0 + 10_000;
            RouteOverride force = new RouteOverride(A, null, RouteOverride.FORCE, C, false,
                    Instant.ofEpochMilli(at + 20_000), "drain before the deprecation", "oncall@example.com", Instant.ofEpochMilli(at));
            out.addAll(r.override(Calls.key(A), override(force), at));
            assertThat(commands(out)).singleElement().satisfies(c -> {
                assertThat(c.action()).isEqualTo(RerouteAction.REROUTE);
                assertThat(c.target()).isEqualTo(C);
                assertThat(c.reason()).isEqualTo("override.force");
            });
            assertThat(states(out, A).get(states(out, A).size() - 1).override()).contains("force reroute to " + C);
            // Healthy traffic goes on; when the override expires, automation takes back and restores.
            traffic(r, out, at, at + 25_000, List.of(A, C), (route, ts) -> Calls.ok(route, ts));
            List<RerouteCommand> after = commands(out);
            assertThat(after).hasSize(2);
            assertThat(after.get(1).action()).isEqualTo(RerouteAction.RESTORE);
            assertThat(after.get(1).weight()).isEqualTo(0.0);
            assertThat(after.get(1).epoch()).isGreaterThan(after.get(0).epoch());
            assertThat(after.get(1).issuedAt().toEpochMilli()).isBetween(at + 20_000, at + 21_000);

            // FORBID keeps a withdrawn model's traffic where it is (operator's call), but the page still fires.
            long t2 = at + 25_000;
            RouteOverride forbid = new RouteOverride(A, null, RouteOverride.FORBID, null, false,
                    Instant.ofEpochMilli(t2 + 600_000), "provider says it is a glitch", "oncall", Instant.ofEpochMilli(t2));
            out.addAll(r.override(Calls.key(A), override(forbid), t2));
            int before = commands(out).size();
            traffic(r, out, t2, t2 + 5_000, List.of(A), (route, ts) -> Calls.call(route, ts, 403, "model_not_available",
                    ts % 200 == 0 ? "search" : "chat"));
            assertThat(states(out, A)).extracting(RouteStatus::state).contains(HealthState.BLOCKED);
            assertThat(commands(out)).hasSize(before);
            assertThat(alerts(out)).anyMatch(a -> a.labels().get("alertname").equals("ModelRouteBlocked") && a.isFiring());
            // A tombstone clears the override: automation reroutes at once, to the first route of A's chain
            // that is not known to be unhealthy (B has sent no telemetry here: a cold standby counts as fit).
            out.addAll(r.override(Calls.key(A), null, t2 + 5_000));
            // (a new target is chosen reroute.settle after the verdict, once the telemetry's time has got there:
            // with no more calls, once the input partition has counted as idle for a while)
            out.addAll(r.advance(config.windows().idlePartitionAfter().multipliedBy(2).plusSeconds(1)));
            assertThat(commands(out)).hasSize(before + 1);
            assertThat(commands(out).get(before).target()).isEqualTo(B);
        }
    }

    @Test
    void badOverridesAreDeadLetteredNotApplied() {
        List<Replay.Output> out = new ArrayList<>();
        try (Replay r = new Replay(config, "test", Instant.ofEpochMilli(T0), HealthMetrics.noop())) {
            out.addAll(r.override(Calls.key(A), "{not json".getBytes(StandardCharsets.UTF_8), T0));
            RouteOverride noExpiry = new RouteOverride(A, HealthState.BLOCKED, null, null, false, null, "forever", "x", null);
            out.addAll(r.override(Calls.key(A), override(noExpiry), T0 + 1));
            RouteOverride wrongKey = new RouteOverride(A, HealthState.BLOCKED, null, null, false,
                    Instant.ofEpochMilli(T0 + 60_000), "x", "x", null);
            out.addAll(r.override(Calls.key(B), override(wrongKey), T0 + 2));
        }
        List<DeadLetter> dead = out.stream().filter(o -> o.value() instanceof DeadLetter).map(o -> (DeadLetter) o.value()).toList();
        assertThat(dead).hasSize(3);
        assertThat(dead).extracting(DeadLetter::sourceTopic).containsOnly(config.topics().overrides());
        assertThat(dead.get(1).error()).contains("until").contains("[required]");
        assertThat(dead.get(2).error()).contains("is not the override's route");
        assertThat(out).noneMatch(o -> o.value() instanceof RouteStatus || o.value() instanceof RerouteCommand);
    }

    @Test
    void aRouteThatGoesSilentTurnsIdleByWallClockAndKeepsItsReroute() {
        List<Replay.Output> out = new ArrayList<>();
        LongFunction<io.modelhealth.schemas.LlmCall> refused = ts -> Calls.call(A, ts, 403, "model_not_available",
                ts % 200 == 0 ? "search" : "chat");
        try (Replay r = new Replay(config, "test", Instant.ofEpochMilli(T0), HealthMetrics.noop())) {
            traffic(r, out, T0, T0 + 5_000, List.of(A, C), (route, ts) -> route.equals(A) ? refused.apply(ts) : Calls.ok(route, ts));
            // Then nothing at all: no record, only the wall clock moves.
            out.addAll(r.advance(config.detection().idleAfter().plusSeconds(5)));
        }
        List<RouteStatus> a = states(out, A);
        RouteStatus last = a.get(a.size() - 1);
        assertThat(last.state()).isEqualTo(HealthState.IDLE);
        assertThat(last.previousState()).isEqualTo(HealthState.BLOCKED);
        assertThat(last.rerouteTarget()).isEqualTo(B);
        assertThat(last.since().toEpochMilli() - (T0 + 5_000)).isBetween(config.detection().idleAfter().toMillis() - 1_000,
                config.detection().idleAfter().toMillis() + 1_000);
        assertThat(commands(out)).noneMatch(c -> c.action() == RerouteAction.RESTORE);
    }
}
