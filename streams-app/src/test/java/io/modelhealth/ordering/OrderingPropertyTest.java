package io.modelhealth.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A decision depends on the telemetry, not on the order it arrives in (within the allowed
 * disorder): {@link OrderingInput} through {@code backtest}'s engine in event-time order, and the
 * same calls displaced in arrival order (each moved by up to ±N of event time, seeded), must give
 * the same reroute decisions ({@link Decisions}), and every run must keep the fleet invariants
 * ({@link DecisionInvariants}).
 *
 * <p>N is at most half the allowed disorder, so no call arrives further behind the latest event
 * time seen than the monitor allows. A plain parameterized test, not jqwik: each try is a whole
 * replay (seconds), so a handful of seeds, and no shrinking.
 */
class OrderingPropertyTest {

    private static final AppConfig CONFIG = OrderingConfig.reference();
    private static final OrderingInput INPUT = OrderingInput.get();
    /** Displaced runs, once each for both tests that look at them. */
    private static final Map<String, Outputs> RUNS = new ConcurrentHashMap<>();

    private static Outputs inOrder;

    @BeforeAll
    static void replayInOrder() {
        inOrder = BacktestRun.run(CONFIG, INPUT.inOrder());
        System.out.println("ordering reference (backtest, in order, " + INPUT.inOrder().size() + " calls):\n"
                + Decisions.show(inOrder.commands(), INPUT));
    }

    /** (N, seed): N as a share of half the allowed disorder, so the tries follow the config. */
    static Stream<Arguments> displacements() {
        Duration half = OrderingConfig.allowedDisorder(CONFIG).dividedBy(2);
        return Stream.of(
                Arguments.of(half.dividedBy(4), 1L),
                Arguments.of(half.dividedBy(2), 2L),
                Arguments.of(half, 3L),
                Arguments.of(half, 4L));
    }

    @Test
    void inOrderTheWithdrawalAndTheOutageAreDecided() {
        assertThat(inOrder.commands()).as("REROUTE commands of the in-order run")
                .filteredOn(c -> c.action() == RerouteAction.REROUTE)
                .extracting(RerouteCommand::route)
                .contains(OrderingInput.FABLE, OrderingInput.HAIKU, OrderingInput.OUTAGE);
        // The regional ban moves that region only: a scoped command, and none for the route as a whole.
        assertThat(inOrder.commands()).as("commands for %s", OrderingInput.REGIONAL)
                .filteredOn(c -> c.route().equals(OrderingInput.REGIONAL) && c.action() == RerouteAction.REROUTE)
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.scope()).isEqualTo(java.util.Map.of("region", OrderingInput.REGIONAL_REGION)));
        assertThat(inOrder.callsInWindowsEndingBy(INPUT.comparedUntil())).as("calls counted in the in-order run's windows up to %s",
                INPUT.rel(INPUT.comparedUntil())).isEqualTo(INPUT.callsBefore(INPUT.comparedUntil()));
    }

    @Test
    void inOrderNoCommandTargetsAFailingRouteOrASibling() {
        DecisionInvariants.assertHold("backtest, in order", inOrder, INPUT);
    }

    @ParameterizedTest(name = "calls displaced by up to ±{0} (seed {1})")
    @MethodSource("displacements")
    void displacedArrivalsGiveTheSameDecisions(Duration n, long seed) {
        Outputs displaced = displaced(n, seed);
        Decisions.assertSame("backtest, in order", inOrder.commands(), "backtest, displaced ±" + n.toMillis() + " ms, seed " + seed,
                displaced.commands(), OrderingConfig.bucket(CONFIG), INPUT);
    }

    @ParameterizedTest(name = "calls displaced by up to ±{0} (seed {1})")
    @MethodSource("displacements")
    void displacedArrivalsNeverTargetAFailingRouteOrASibling(Duration n, long seed) {
        DecisionInvariants.assertHold("backtest, displaced ±" + n.toMillis() + " ms, seed " + seed, displaced(n, seed), INPUT);
    }

    @ParameterizedTest(name = "calls displaced by up to ±{0} (seed {1})")
    @MethodSource("displacements")
    void displacedArrivalsLoseNoCall(Duration n, long seed) {
        assertThat(displaced(n, seed).callsInWindowsEndingByPerRoute(INPUT.comparedUntil()))
                .as("calls per route in the final windows up to %s", INPUT.rel(INPUT.comparedUntil()))
                .isEqualTo(INPUT.callsBeforePerRoute(INPUT.comparedUntil()));
    }

    private static Outputs displaced(Duration n, long seed) {
        return RUNS.computeIfAbsent(n.toMillis() + "/" + seed, k -> BacktestRun.run(CONFIG, INPUT.displaced(n, seed)));
    }
}
