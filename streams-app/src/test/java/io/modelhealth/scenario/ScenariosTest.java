package io.modelhealth.scenario;

import static io.modelhealth.scenario.Scenarios.CLAUDE_FABLE;
import static io.modelhealth.scenario.Scenarios.CLAUDE_HAIKU;
import static io.modelhealth.scenario.Scenarios.GEMINI_PRO;
import static io.modelhealth.scenario.Scenarios.GPT;
import static io.modelhealth.scenario.Scenarios.GPT_MINI;
import static io.modelhealth.scenario.Scenarios.MISTRAL_LARGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.AppConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ScenariosTest {

    static List<String> names() {
        return Scenarios.names();
    }

    @Test
    void catalogHasEveryNamedScenario() {
        assertThat(Scenarios.names()).containsExactly("steady", "outage", "policy-withdrawal", "rate-limit", "latency",
                "flapping", "client-storm", "content-filter", "demo");
        assertThat(Scenarios.byName(" Policy-Withdrawal ").name()).isEqualTo("policy-withdrawal");
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> Scenarios.byName("meltdown"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scenario 'meltdown'")
                .hasMessageContaining("steady, outage, policy-withdrawal, rate-limit, latency, flapping, client-storm, "
                        + "content-filter, demo");
        assertThatThrownBy(() -> Scenarios.byName(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("names")
    void fallbacksNeverPointAtThemselvesAndOnlyNameRoutesOfTheScenario(String name) {
        Scenario s = Scenarios.byName(name);
        assertThat(s.fallbacks()).isNotEmpty();
        s.fallbacks().forEach((route, chain) -> {
            assertThat(chain).as(route).doesNotContain(route).doesNotHaveDuplicates().isNotEmpty();
            assertThat(s.routes()).as(route).contains(route).containsAll(chain);
        });
    }

    @ParameterizedTest
    @MethodSource("names")
    void fallbacksAreAValidRoutesConfigForTheMonitor(String name) {
        Map<String, AppConfig.Route> routes = new LinkedHashMap<>();
        Scenarios.byName(name).fallbacks().forEach((route, chain) -> routes.put(route, new AppConfig.Route(chain)));
        AppConfig d = AppConfig.defaults();
        AppConfig config = new AppConfig(d.kafka(), d.http(), d.topics(), d.telemetry(), d.classes(), d.windows(),
                d.detection(), d.anomaly(), d.reroute(), d.alerts(), routes, d.otlp(), d.scopes(), d.families(), d.limits(), d.overrides(), d.operations(), d.rocksdb());
        assertThat(config.validate().fallbacksOf(CLAUDE_FABLE)).containsExactly(CLAUDE_HAIKU, GPT, GEMINI_PRO);
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyScenarioHasATimelineFromZeroAndADuration(String name) {
        Scenario s = Scenarios.byName(name);
        assertThat(s.description()).isNotBlank();
        assertThat(s.timeline()).isNotEmpty();
        assertThat(s.timeline().get(0).at()).isZero();
        assertThat(s.timeline()).extracting(Phase::at).isSorted();
        assertThat(s.defaultDuration()).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(10));
        assertThat(s.routes()).hasSizeBetween(4, 6);
        assertThat(s.trafficShares().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                org.assertj.core.data.Offset.offset(1e-9));
        // Every incident is over, or permanent, well before the end: the run shows the aftermath.
        for (Incident inc : s.incidents()) {
            if (!inc.isPermanent()) {
                assertThat(inc.until()).isLessThan(s.defaultDuration());
            }
        }
    }

    @Test
    void routesHaveDifferentTrafficWeights() {
        Map<String, Double> shares = Scenarios.byName("steady").trafficShares();
        assertThat(shares.keySet()).containsExactly(CLAUDE_FABLE, CLAUDE_HAIKU, GPT, GPT_MINI, GEMINI_PRO, MISTRAL_LARGE);
        assertThat(shares.get(CLAUDE_FABLE)).isGreaterThan(2 * shares.get(MISTRAL_LARGE));
    }

    @Test
    void demoSuggestsTheFallbacksOfTheStory() {
        Map<String, List<String>> fb = Scenarios.byName("demo").fallbacks();
        assertThat(fb).containsExactly(
                Map.entry(CLAUDE_FABLE, List.of(CLAUDE_HAIKU, GPT, GEMINI_PRO)),
                Map.entry(CLAUDE_HAIKU, List.of(CLAUDE_FABLE, GPT_MINI)),
                Map.entry(GEMINI_PRO, List.of(GPT)),
                Map.entry(GPT, List.of(GEMINI_PRO)),
                Map.entry(GPT_MINI, List.of(CLAUDE_HAIKU)),
                Map.entry(MISTRAL_LARGE, List.of(GPT_MINI)));
    }

    @Test
    void demoTimelineNamesEveryMilestone() {
        Scenario demo = Scenarios.byName("demo");
        assertThat(demo.defaultDuration()).isEqualTo(Duration.ofMinutes(3));
        assertThat(demo.timeline()).extracting(p -> p.at().toSeconds()).containsExactly(0L, 3L, 40L, 60L, 90L, 100L, 120L);
        assertThat(demo.phaseAt(Duration.ofSeconds(25)).description()).contains("withdrawn", CLAUDE_FABLE, CLAUDE_HAIKU);
        assertThat(demo.phaseAt(Duration.ofSeconds(25)).expected()).contains("BLOCKED", GPT, GPT_MINI);
        assertThat(demo.phaseAt(Duration.ofSeconds(45)).description()).contains(GEMINI_PRO, "outage");
        assertThat(demo.phaseAt(Duration.ofSeconds(61)).description()).contains(GPT, "client-error storm");
        assertThat(demo.phaseAt(Duration.ofSeconds(95)).description()).contains(MISTRAL_LARGE, "content-filter");
        assertThat(demo.phaseAt(Duration.ofSeconds(110)).description()).contains(GEMINI_PRO, "heals");
        assertThat(demo.timeline().get(1).toString()).startsWith("t+3s").contains("→ expect");
    }

    /**
     * {@code demo} starts the scenario once the monitor runs (about 6 s after the command); its first decision
     * must print within 10 s of the command (issue 15, bench {@code startup}), so the story's first incident
     * comes after a short baseline, and the story printed at start says when.
     */
    @Test
    void theDemosFirstIncidentComesEarlyAndThePrintedStorySaysWhen() {
        Scenario demo = Scenarios.byName("demo");
        Duration first = Scenarios.DEMO_FIRST_INCIDENT;
        assertThat(first).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThat(demo.conditionsAt(first.minusMillis(1))).isEqualTo("steady");
        assertThat(demo.conditionsAt(first)).isEqualTo("two anthropic models withdrawn");
        Phase told = demo.timeline().get(1);
        assertThat(told.at()).isEqualTo(first);
        assertThat(told.toString()).startsWith("t+" + first.toSeconds() + "s").contains("withdrawn", "BLOCKED");
        // Every phase the story prints starts when the conditions it names do.
        for (Phase p : demo.timeline().subList(1, demo.timeline().size())) {
            assertThat(demo.conditionsAt(p.at())).as(p.toString()).isNotEqualTo(demo.conditionsAt(p.at().minusMillis(1)));
        }
        // The other scenarios keep their 20 s baseline.
        assertThat(Scenarios.byName("policy-withdrawal").conditionsAt(Duration.ofSeconds(19))).isEqualTo("steady");
    }

    @Test
    void conditionsNameWhatIsGoingOn() {
        Scenario demo = Scenarios.byName("demo");
        assertThat(demo.conditionsAt(Duration.ofSeconds(2))).isEqualTo("steady");
        assertThat(demo.conditionsAt(Duration.ofSeconds(30))).isEqualTo("two anthropic models withdrawn");
        assertThat(demo.conditionsAt(Duration.ofSeconds(65)))
                .isEqualTo("two anthropic models withdrawn; gemini-3-pro outage; gpt-5 client-error storm");
        assertThat(demo.conditionsAt(Duration.ofSeconds(170))).isEqualTo("two anthropic models withdrawn");
        Scenario flapping = Scenarios.byName("flapping");
        assertThat(flapping.conditionsAt(Duration.ofSeconds(30))).contains("flapping");
        assertThat(flapping.conditionsAt(Duration.ofSeconds(60))).isEqualTo("steady");
    }

    @Test
    void builderRejectsInconsistentScenarios() {
        RouteProfile a = new RouteProfile("p/a", 1, 100, List.of("r"));
        RouteProfile b = new RouteProfile("p/b", 1, 100, List.of("r"));
        assertThatThrownBy(() -> Scenario.builder("x").route(a).fallbacks(Map.of("p/a", List.of("p/a")))
                .phase(Duration.ZERO, "start", "").build())
                .hasMessageContaining("cannot fall back to itself");
        assertThatThrownBy(() -> Scenario.builder("x").route(a).fallbacks(Map.of("p/a", List.of("p/zzz")))
                .phase(Duration.ZERO, "start", "").build())
                .hasMessageContaining("is not a route");
        assertThatThrownBy(() -> Scenario.builder("x").route(a)
                .incident(Incident.slowdown("slow", Set.of("p/b"), 2)).phase(Duration.ZERO, "start", "").build())
                .hasMessageContaining("unknown route p/b");
        assertThatThrownBy(() -> Scenario.builder("x").route(a).route(b).build())
                .hasMessageContaining("timeline must start");
        assertThatThrownBy(() -> new RouteProfile("no-slash", 1, 100, List.of("r")))
                .hasMessageContaining("provider/model");
        assertThatThrownBy(() -> Incident.slowdown("x", Set.of("p/a"), 2).between(Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .hasMessageContaining("until must be after from");
    }

    @Test
    void routeWithSlashInTheModelSplitsAtTheFirstSlash() {
        RouteProfile r = new RouteProfile("aws.bedrock/anthropic/claude", 1, 100, List.of("us-east-1"));
        assertThat(r.provider()).isEqualTo("aws.bedrock");
        assertThat(r.model()).isEqualTo("anthropic/claude");
    }
}
