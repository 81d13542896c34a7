package io.modelhealth.scenario;

import static io.modelhealth.scenario.Scenarios.CLAUDE_FABLE;
import static io.modelhealth.scenario.Scenarios.CLAUDE_HAIKU;
import static io.modelhealth.scenario.Scenarios.GEMINI_PRO;
import static io.modelhealth.scenario.Scenarios.GPT;
import static io.modelhealth.scenario.Scenarios.GPT_MINI;
import static io.modelhealth.scenario.Scenarios.MISTRAL_LARGE;
import static io.modelhealth.schemas.OutcomeClass.AVAILABILITY;
import static io.modelhealth.schemas.OutcomeClass.CLIENT;
import static io.modelhealth.schemas.OutcomeClass.CONTENT_FILTER;
import static io.modelhealth.schemas.OutcomeClass.POLICY_BLOCK;
import static io.modelhealth.schemas.OutcomeClass.RATE_LIMIT;
import static io.modelhealth.schemas.OutcomeClass.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.LlmCall;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Each scenario's phases produce the intended outcome mix at the intended times, as the monitor's
 * default class rules see it. Slices keep a second away from phase edges.
 */
class ScenarioOutcomesTest {

    private static final Predicate<LlmCall> WITHDRAWN = c ->
            c.statusCode() == 403 && "model_not_available".equals(c.errorType())
                    || c.statusCode() == 451 && "export_controlled".equals(c.errorType());

    @Test
    void steadyIsBackgroundNoiseOnEveryRoute() {
        Scenario steady = Scenarios.byName("steady");
        List<GeneratedCall> calls = CallMix.generate(steady);
        assertThat(calls).hasSize(400 * 120);
        for (String route : steady.routes()) {
            CallMix all = CallMix.of(calls, route, 0, 120);
            assertThat(all.share(AVAILABILITY)).as(route).isBetween(0.001, 0.012);
            assertThat(all.share(CLIENT)).as(route).isBetween(0.0, 0.008);
            assertThat(all.share(POLICY_BLOCK)).as(route).isZero();
            assertThat(all.share(SUCCESS)).as(route).isGreaterThan(0.98);
        }
        CallMix everything = CallMix.of(calls, CLAUDE_FABLE, 0, 120);
        assertThat(everything.tenants(c -> true)).containsExactlyInAnyOrderElementsOf(Scenario.TENANTS);
    }

    @Test
    void outageHitsOneRouteFrom20To80SecondsThenHeals() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("outage"));
        assertThat(CallMix.of(calls, GEMINI_PRO, 0, 19).share(AVAILABILITY)).isLessThan(0.02);
        CallMix during = CallMix.of(calls, GEMINI_PRO, 21, 79);
        assertThat(during.share(AVAILABILITY)).isBetween(0.6, 0.9);
        assertThat(during.statusCodes(AVAILABILITY)).contains(529, 503, 500, 0);
        assertThat(CallMix.of(calls, GEMINI_PRO, 81, 240).share(AVAILABILITY)).isLessThan(0.02);
        assertThat(CallMix.of(calls, GPT, 21, 79).share(AVAILABILITY)).isLessThan(0.02);
    }

    @Test
    void policyWithdrawalBlocksBothAnthropicModelsForGoodFromEveryTenant() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("policy-withdrawal"));
        for (String route : List.of(CLAUDE_FABLE, CLAUDE_HAIKU)) {
            assertThat(CallMix.of(calls, route, 0, 20).share(POLICY_BLOCK)).as(route).isLessThan(0.05);
            CallMix after = CallMix.of(calls, route, 20, 120);
            assertThat(after.share(WITHDRAWN)).as(route).isGreaterThan(0.95);
            assertThat(after.share(POLICY_BLOCK)).as(route).isEqualTo(1.0);
            assertThat(after.statusCodes(POLICY_BLOCK)).as(route).containsExactlyInAnyOrder(403, 451);
            assertThat(after.tenants(WITHDRAWN)).as(route).hasSizeGreaterThanOrEqualTo(2)
                    .containsExactlyInAnyOrderElementsOf(Scenario.TENANTS);
            // Caught in well under a second of traffic: the first calls after t=20s are already refused.
            assertThat(after.calls().subList(0, 10)).allMatch(WITHDRAWN);
            assertThat(CallMix.of(calls, route, 110, 120).share(WITHDRAWN)).as("never comes back").isGreaterThan(0.95);
        }
        assertThat(CallMix.of(calls, GPT, 20, 120).share(POLICY_BLOCK)).isZero();
    }

    @Test
    void rateLimitThrottlesOneRouteFor60Seconds() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("rate-limit"));
        assertThat(CallMix.of(calls, GPT, 0, 19).share(RATE_LIMIT)).isLessThan(0.01);
        CallMix during = CallMix.of(calls, GPT, 21, 79);
        assertThat(during.share(RATE_LIMIT)).isBetween(0.65, 0.75);
        assertThat(during.statusCodes(RATE_LIMIT)).containsExactly(429);
        assertThat(CallMix.of(calls, GPT, 81, 240).share(RATE_LIMIT)).isLessThan(0.01);
    }

    @Test
    void latencyScenarioSlowsOneRouteFiveTimesWithoutErrors() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("latency"));
        CallMix before = CallMix.of(calls, CLAUDE_FABLE, 0, 19);
        CallMix during = CallMix.of(calls, CLAUDE_FABLE, 21, 79);
        CallMix after = CallMix.of(calls, CLAUDE_FABLE, 81, 120);
        double ratio = during.successLatencyQuantile(0.5) / before.successLatencyQuantile(0.5);
        assertThat(ratio).isBetween(4.0, 6.0);
        assertThat(after.successLatencyQuantile(0.5) / before.successLatencyQuantile(0.5)).isBetween(0.8, 1.25);
        assertThat(during.modelErrorShare()).isLessThan(0.02);
        assertThat(CallMix.of(calls, GPT, 21, 79).successLatencyQuantile(0.5)).isLessThan(600);
    }

    @Test
    void latencyIsLogNormalWithARealisticTail() {
        CallMix gpt = CallMix.of(CallMix.generate(Scenarios.byName("steady")), GPT, 0, 120);
        double median = gpt.successLatencyQuantile(0.5);
        double p99 = gpt.successLatencyQuantile(0.99);
        assertThat(median).isBetween(400.0, 500.0);
        assertThat(p99).isBetween(2500.0, 4500.0);
        assertThat(gpt.calls()).allSatisfy(c -> {
            assertThat(c.latencyMs()).isPositive();
            switch (CallMix.CLASSIFIER.classify(c)) {
                case SUCCESS, CONTENT_FILTER -> {
                    assertThat(c.ttftMs()).isNotNull().isLessThanOrEqualTo(c.latencyMs());
                    assertThat(c.inputTokens()).isNotNull().isPositive();
                    assertThat(c.outputTokens()).isNotNull().isNotNegative();
                }
                default -> {
                    assertThat(c.ttftMs()).isNull();
                    assertThat(c.outputTokens()).isNull();
                    if (c.statusCode() == 0) {
                        assertThat(c.latencyMs()).isGreaterThanOrEqualTo(30_000);
                    }
                }
            }
        });
    }

    @Test
    void flappingAlternates30SecondsBadAnd30SecondsGood() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("flapping"));
        assertThat(CallMix.of(calls, GPT_MINI, 0, 19).share(AVAILABILITY)).isLessThan(0.02);
        for (long badStart = 20; badStart + 60 <= 300; badStart += 60) {
            assertThat(CallMix.of(calls, GPT_MINI, badStart + 1, badStart + 29).share(AVAILABILITY))
                    .as("bad from %ds", badStart).isBetween(0.85, 0.95);
            assertThat(CallMix.of(calls, GPT_MINI, badStart + 31, badStart + 59).share(AVAILABILITY))
                    .as("good from %ds", badStart + 30).isLessThan(0.02);
        }
    }

    @Test
    void clientStormIsTheCallersFaultAndNothingThatCountsAgainstTheModel() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("client-storm"));
        CallMix during = CallMix.of(calls, GPT, 21, 79);
        assertThat(during.share(CLIENT)).isBetween(0.55, 0.65);
        assertThat(during.statusCodes(CLIENT)).containsExactlyInAnyOrder(400, 401);
        assertThat(during.modelErrorShare()).isLessThan(0.02);
        assertThat(CallMix.of(calls, GPT, 0, 19).share(CLIENT)).isLessThan(0.02);
        assertThat(CallMix.of(calls, GPT, 81, 120).share(CLIENT)).isLessThan(0.02);
    }

    @Test
    void contentFilterSpikeDoesNotCountAgainstTheModel() {
        List<GeneratedCall> calls = CallMix.generate(Scenarios.byName("content-filter"));
        CallMix during = CallMix.of(calls, MISTRAL_LARGE, 21, 79);
        assertThat(during.share(CONTENT_FILTER)).isBetween(0.25, 0.35);
        assertThat(during.modelErrorShare()).isLessThan(0.02);
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 0, 19).share(CONTENT_FILTER)).isLessThan(0.02);
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 81, 120).share(CONTENT_FILTER)).isLessThan(0.02);
    }

    @Test
    void demoPlaysEveryPhaseOfTheStory() {
        Scenario demo = Scenarios.byName("demo");
        List<GeneratedCall> calls = CallMix.generate(demo);
        assertThat(calls).hasSize(400 * 180);

        // t < 3 s (Scenarios.DEMO_FIRST_INCIDENT): noise only, everywhere; other routes until their incidents.
        int first = (int) Scenarios.DEMO_FIRST_INCIDENT.toSeconds();
        for (String route : demo.routes()) {
            assertThat(CallMix.of(calls, route, 0, first).modelErrorShare()).as(route).isLessThan(0.02);
        }
        for (String route : Set.of(GPT, GPT_MINI, GEMINI_PRO, MISTRAL_LARGE)) {
            assertThat(CallMix.of(calls, route, 0, 39).modelErrorShare()).as(route).isLessThan(0.02);
        }
        // t ≥ 3 s: both anthropic models withdrawn worldwide, for good.
        for (String route : Set.of(CLAUDE_FABLE, CLAUDE_HAIKU)) {
            CallMix withdrawn = CallMix.of(calls, route, first, 180);
            assertThat(withdrawn.share(WITHDRAWN)).as(route).isGreaterThan(0.95);
            assertThat(withdrawn.tenants(WITHDRAWN)).as(route).containsExactlyInAnyOrderElementsOf(Scenario.TENANTS);
            assertThat(CallMix.of(calls, route, 170, 180).share(WITHDRAWN)).as(route).isGreaterThan(0.95);
        }
        // Their fallbacks stay healthy, so the monitor has somewhere to send the traffic.
        assertThat(CallMix.of(calls, GPT_MINI, 20, 180).modelErrorShare()).isLessThan(0.02);
        assertThat(CallMix.of(calls, GPT, 20, 180).modelErrorShare()).isLessThan(0.02);

        // 40–100 s: gemini-3-pro outage, then healed.
        assertThat(CallMix.of(calls, GEMINI_PRO, 0, 39).share(AVAILABILITY)).isLessThan(0.02);
        assertThat(CallMix.of(calls, GEMINI_PRO, 41, 99).share(AVAILABILITY)).isBetween(0.75, 0.85);
        assertThat(CallMix.of(calls, GEMINI_PRO, 101, 180).share(AVAILABILITY)).isLessThan(0.02);

        // 60–90 s: client-error storm on gpt-5; nothing that counts against it.
        assertThat(CallMix.of(calls, GPT, 61, 89).share(CLIENT)).isBetween(0.55, 0.65);
        assertThat(CallMix.of(calls, GPT, 91, 180).share(CLIENT)).isLessThan(0.02);

        // 90–120 s: content-filter spike on mistral-large-3.
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 0, 89).share(CONTENT_FILTER)).isLessThan(0.02);
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 91, 119).share(CONTENT_FILTER)).isBetween(0.24, 0.36);
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 91, 119).modelErrorShare()).isLessThan(0.03);
        assertThat(CallMix.of(calls, MISTRAL_LARGE, 121, 180).share(CONTENT_FILTER)).isLessThan(0.02);
    }
}
