package io.modelhealth.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigException;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * {@code detection.availability.confidence}: a burn-rate pair fires only when the error ratio's lower
 * confidence bound clears its threshold. The case that called for it is the demo's first seconds: a
 * region scope that had seen 37 calls, 3 of them background errors (8 %, over the slow pair's 6 %), was
 * rerouted — onto a model withdrawn a second later.
 */
class ConfidenceTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";

    private static EngineHarness harness(Map<String, String> flags) {
        AppConfig c = EngineHarness.withRoutes(ConfigLoader.load(null, Map.of(), flags), Map.of(A, List.of(B)));
        EngineHarness h = new EngineHarness(c);
        h.fleet.set(B, HealthState.HEALTHY);
        return h;
    }

    /** A fresh route's first {@code calls} calls at 10 per second, those {@code failing} says fail with a 529. */
    private static void fresh(EngineHarness h, int calls, java.util.function.IntPredicate failing) {
        for (int i = 0; i < calls; i++) {
            long t = i * 100L;
            h.tickAll(t);
            h.call(A, t, failing.test(i) ? Outcome.error(529, "overloaded_error") : Outcome.ok());
        }
        h.tickAll(calls * 100L);
    }

    private static List<HealthState> states(EngineHarness h) {
        return h.out.states(A).stream().map(RouteStatus::state).toList();
    }

    @Test
    void threeBackgroundErrorsInThirtySevenCallsNoLongerMakeARouteUnavailable() {
        EngineHarness h = harness(Map.of());
        fresh(h, 37, i -> i == 9 || i == 19 || i == 29);
        assertThat(states(h)).doesNotContain(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isEmpty();
    }

    @Test
    void withTheBoundOffTheSameCallsDoAsBefore() {
        EngineHarness h = harness(Map.of("detection.availability.confidence", "0"));
        fresh(h, 37, i -> i == 9 || i == 19 || i == 29);
        assertThat(states(h)).contains(HealthState.UNAVAILABLE);
        assertThat(h.out.commands(A)).isNotEmpty();
    }

    @Test
    void anOutageOnAsFewCallsIsStillCaughtAtOnce() {
        EngineHarness h = harness(Map.of());
        // 80 % of a fresh route's calls fail: caught as soon as the 30-call minimum is met.
        fresh(h, 37, i -> i % 5 != 0);
        assertThat(h.stateOf(A)).isEqualTo(HealthState.UNAVAILABLE);
        RouteStatus unavailable = h.out.states(A).stream().filter(s -> s.state() == HealthState.UNAVAILABLE).findFirst().orElseThrow();
        assertThat(unavailable.reason()).as("the reason says what cleared the threshold").containsPattern("95(\\.0)? % lower bound \\d");
        assertThat(h.out.commands(A)).isNotEmpty();
    }

    @Test
    void theLowerBoundIsWilsonsOneSidedScoreInterval() {
        double z95 = RouteHealth.normalQuantile(0.95);
        assertThat(z95).isCloseTo(1.645, within(0.001));
        assertThat(RouteHealth.normalQuantile(0.99)).isCloseTo(2.326, within(0.001));
        assertThat(RouteHealth.wilsonLower(3, 37, z95)).isCloseTo(0.033, within(0.001));
        assertThat(RouteHealth.wilsonLower(30, 37, z95)).isCloseTo(0.69, within(0.01));
        assertThat(RouteHealth.wilsonLower(3, 37, 0)).isCloseTo(3 / 37.0, within(1e-12));
        assertThat(RouteHealth.wilsonLower(0, 0, z95)).isZero();
    }

    @Test
    void aConfidenceOutsideItsRangeFailsAtStartNamingTheKey() {
        for (String bad : List.of("1", "0.3", "-0.1")) {
            Assertions.assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("detection.availability.confidence", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("detection.availability.confidence");
        }
    }
}
