package io.modelhealth.reroute;

import static io.modelhealth.health.EngineHarness.flow;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.EngineHarness;
import io.modelhealth.health.EngineHarness.Flow;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Incidents that start together are decided together: the fleet stage with its default
 * {@code reroute.settle} (250 ms) and {@code reroute.suspect-hold} (5 s), driven in event-time order.
 */
class SimultaneousIncidentsTest {

    static final long WARM = 120_000;

    static Outcome refusal(long n) {
        return Outcome.error(403, "model_not_available", n % 2 == 0 ? "search" : "chat");
    }

    static EngineHarness harness(Map<String, List<String>> chains) {
        return new EngineHarness(EngineHarness.withRoutes(AppConfig.defaults(), chains));
    }

    static Flow routed(EngineHarness h, String route, double perSecond, EngineHarness.Shape shape) {
        return new Flow(route, t -> perSecond * h.remainingShare(route), shape);
    }

    @Test
    void siblingsWithdrawnInTheSameSecondBothGoToAHealthyFallbackNeverToEachOther() {
        String fable = "anthropic/claude-fable-5";
        String haiku = "anthropic/claude-haiku-5";
        String gpt = "openai/gpt-5";
        String mini = "openai/gpt-5-mini";
        // Each sibling lists the other first: the trap.
        EngineHarness h = harness(Map.of(fable, List.of(haiku, gpt), haiku, List.of(fable, mini)));
        h.run(0, WARM, flow(fable, 30, (t, n) -> Outcome.ok()), flow(haiku, 7, (t, n) -> Outcome.ok()),
                flow(gpt, 30, (t, n) -> Outcome.ok()), flow(mini, 30, (t, n) -> Outcome.ok()));
        // haiku is thinner and its first refusal comes after fable is already BLOCKED, within the same second
        long ban = WARM;
        h.run(ban, ban + 30_000,
                routed(h, fable, 30, (t, n) -> refusal(n)),
                routed(h, haiku, 7, (t, n) -> t < ban + 200 ? Outcome.ok() : refusal(n)),
                flow(gpt, 30, (t, n) -> Outcome.ok()), flow(mini, 30, (t, n) -> Outcome.ok()));

        assertThat(h.stateOf(fable)).isEqualTo(HealthState.BLOCKED);
        assertThat(h.stateOf(haiku)).isEqualTo(HealthState.BLOCKED);
        assertThat(h.out.commands(fable)).extracting(RerouteCommand::target).containsOnly(gpt);
        assertThat(h.out.commands(haiku)).extracting(RerouteCommand::target).containsOnly(mini);
        // rerouted within a second of the withdrawal, settle included
        assertThat(h.out.commands(fable).get(0).issuedAt().toEpochMilli() - EngineHarness.at(ban)).isLessThan(1_000);
        assertThat(h.out.commands(haiku).get(0).issuedAt().toEpochMilli() - EngineHarness.at(ban)).isLessThan(1_500);
    }

    @Test
    void threeOfFiveRoutesFailingTogetherEngageThePanicGuardBeforeAnyIsMoved() {
        String a = "anthropic/claude-sonnet-5";
        String b = "openai/gpt-5";
        String c = "google/gemini-3-pro";
        String d = "mistral/mistral-large-3";
        String e = "openai/gpt-5-mini";
        EngineHarness h = harness(Map.of(a, List.of(b, d), b, List.of(a, c, e), c, List.of(b, d)));
        h.run(0, WARM, flow(a, 20, (t, n) -> Outcome.ok()), flow(b, 20, (t, n) -> Outcome.ok()),
                flow(c, 20, (t, n) -> Outcome.ok()), flow(d, 20, (t, n) -> Outcome.ok()), flow(e, 20, (t, n) -> Outcome.ok()));
        // the network between the callers and three providers fails at once
        h.run(WARM, WARM + 60_000,
                routed(h, a, 20, (t, n) -> Outcome.error(0, "timeout")),
                routed(h, b, 20, (t, n) -> Outcome.error(0, "timeout")),
                routed(h, c, 20, (t, n) -> Outcome.error(0, "timeout")),
                flow(d, 20, (t, n) -> Outcome.ok()), flow(e, 20, (t, n) -> Outcome.ok()));

        for (String r : List.of(a, b, c)) {
            assertThat(h.stateOf(r)).isEqualTo(HealthState.UNAVAILABLE);
            assertThat(h.out.commands(r)).as("commands of %s", r).isEmpty();
            assertThat(h.out.alerts(r, AlertFactory.ROUTE_REROUTE_HELD)).as("held page for %s", r).isNotEmpty();
        }
    }

    @Test
    void anOutageAloneIsRerouted() {
        String a = "anthropic/claude-sonnet-5";
        String b = "openai/gpt-5";
        String c = "google/gemini-3-pro";
        String d = "mistral/mistral-large-3";
        String e = "openai/gpt-5-mini";
        EngineHarness h = harness(Map.of(a, List.of(b, d)));
        h.run(0, WARM, flow(a, 20, (t, n) -> Outcome.ok()), flow(b, 20, (t, n) -> Outcome.ok()),
                flow(c, 20, (t, n) -> Outcome.ok()), flow(d, 20, (t, n) -> Outcome.ok()), flow(e, 20, (t, n) -> Outcome.ok()));
        h.run(WARM, WARM + 60_000,
                routed(h, a, 20, (t, n) -> Outcome.error(0, "timeout")),
                flow(b, 20, (t, n) -> Outcome.ok()), flow(c, 20, (t, n) -> Outcome.ok()),
                flow(d, 20, (t, n) -> Outcome.ok()), flow(e, 20, (t, n) -> Outcome.ok()));

        assertThat(h.out.commands(a)).first().satisfies(cmd -> {
            assertThat(cmd.action()).isEqualTo(RerouteAction.REROUTE);
            assertThat(cmd.target()).isEqualTo(b);
        });
    }

    @Test
    void aFallbackWithFreshRefusalsIsPassedOverForACleanOne() {
        String a = "acme/alpha";
        String b = "acme/beta";
        String c = "other/gamma";
        EngineHarness h = harness(Map.of(a, List.of(b, c)));
        h.run(0, WARM, flow(a, 20, (t, n) -> Outcome.ok()), flow(b, 20, (t, n) -> Outcome.ok()), flow(c, 20, (t, n) -> Outcome.ok()));
        // b refuses one call a second (one team's revoked key, not enough to block b), while a is withdrawn
        h.run(WARM, WARM + 10_000,
                routed(h, a, 20, (t, n) -> refusal(n)),
                flow(b, 20, (t, n) -> n % 20 == 0 ? Outcome.error(403, "permission_error", "batch") : Outcome.ok()),
                flow(c, 20, (t, n) -> Outcome.ok()));

        assertThat(h.stateOf(b)).isNotEqualTo(HealthState.BLOCKED);
        assertThat(h.out.commands(a)).extracting(RerouteCommand::target).containsOnly(c);
    }
}
