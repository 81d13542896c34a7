package io.modelhealth.routing;

import static io.modelhealth.routing.Commands.BLOCKED;
import static io.modelhealth.routing.Commands.FALLBACK;
import static io.modelhealth.routing.Commands.T0;
import static io.modelhealth.routing.Commands.TTL;
import static io.modelhealth.routing.Commands.reroute;
import static io.modelhealth.routing.Commands.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RerouteViewTest {

    private static final int KEYS = 100_000;
    private static final Instant NOW = T0.plusSeconds(60);

    private final RerouteView view = new RerouteView();

    @Test
    void withoutCommandEveryRequestKeepsItsRoute() {
        Route r = view.resolve(BLOCKED, "user-1", NOW);

        assertThat(r).isEqualTo(Route.original(BLOCKED));
        assertThat(r.governed()).isFalse();
        assertThat(r.epoch()).isEqualTo(Route.NO_COMMAND);
    }

    @Nested
    class Shares {

        @ParameterizedTest(name = "weight {0}, probe share {1}")
        @CsvSource({"1.0, 0.01", "1.0, 0.0", "0.5, 0.05", "0.25, 0.0", "0.1, 0.5", "0.8, 1.0"})
        void targetGetsWeightTimesOneMinusProbeShare(double weight, double probeShare) {
            view.apply(reroute(BLOCKED, FALLBACK, weight, probeShare, 1));

            Split split = split(BLOCKED);

            assertThat(split.rerouted()).isCloseTo(weight * (1 - probeShare), within(0.01));
            assertThat(split.probe()).isCloseTo(weight * probeShare, within(0.01));
            assertThat(split.stayed()).isCloseTo(1 - weight * (1 - probeShare), within(0.01));
        }

        @Test
        void fullRerouteWithoutProbeMovesEveryone() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));

            assertThat(split(BLOCKED).rerouted()).isEqualTo(1.0);
        }

        @Test
        void answersCarryTheDecidingCommand() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.01, 7));
            List<Route> routes = IntStream.range(0, 10_000).mapToObj(i -> view.resolve(BLOCKED, "user-" + i, NOW)).toList();

            assertThat(routes).allSatisfy(r -> {
                assertThat(r.requested()).isEqualTo(BLOCKED);
                assertThat(r.route()).isEqualTo(r.rerouted() ? FALLBACK : BLOCKED);
                assertThat(r.epoch()).isEqualTo(7);
                assertThat(r.reason()).isEqualTo("policy_block.window");
                assertThat(r.rerouted() && r.probe()).as("a probe stays on the route").isFalse();
            });
            // weight 1: whoever stays, stays only because of the probe share
            assertThat(routes).filteredOn(r -> !r.rerouted()).isNotEmpty().allMatch(Route::probe);
        }

        @Test
        void nullRequestKeyStillHoldsTheShare() {
            view.apply(reroute(BLOCKED, FALLBACK, 0.5, 0.0, 1));

            long rerouted = IntStream.range(0, KEYS).filter(i -> view.resolve(BLOCKED, null, NOW).rerouted()).count();

            assertThat(rerouted / (double) KEYS).isCloseTo(0.5, within(0.01));
        }

        @Test
        void otherRoutesAreUntouched() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));

            assertThat(view.resolve(FALLBACK, "user-1", NOW)).isEqualTo(Route.original(FALLBACK));
            assertThat(view.resolve("google/gemini-3-pro", "user-1", NOW)).isEqualTo(Route.original("google/gemini-3-pro"));
        }
    }

    @Nested
    class Stickiness {

        @Test
        void sameKeyLandsOnTheSameSideEveryTimeAndOnEveryInstance() {
            view.apply(reroute(BLOCKED, FALLBACK, 0.5, 0.05, 3));
            RerouteView otherInstance = new RerouteView();
            otherInstance.apply(reroute(BLOCKED, FALLBACK, 0.5, 0.05, 3));

            for (int i = 0; i < 10_000; i++) {
                String key = "user-" + i;
                Route first = view.resolve(BLOCKED, key, NOW);
                assertThat(view.resolve(BLOCKED, key, NOW.plusSeconds(3600))).isEqualTo(first);
                assertThat(otherInstance.resolve(BLOCKED, key, NOW)).isEqualTo(first);
            }
        }

        @Test
        void restoreStepsOnlyMoveRequestsBack() {
            // Users must not flap: each step down moves some users home and nobody away.
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.01, 1));
            Set<String> atFull = onTarget(BLOCKED);
            view.apply(restore(BLOCKED, FALLBACK, 0.5, 2));
            Set<String> atHalf = onTarget(BLOCKED);
            view.apply(restore(BLOCKED, FALLBACK, 0.25, 3));
            Set<String> atQuarter = onTarget(BLOCKED);

            assertThat(notIn(atHalf, atFull)).as("moved to the target by a restore step").isEmpty();
            assertThat(notIn(atQuarter, atHalf)).as("moved to the target by a restore step").isEmpty();
            assertThat(atHalf.size() / (double) KEYS).isCloseTo(0.5 * 0.99, within(0.01));
            assertThat(atQuarter.size() / (double) KEYS).isCloseTo(0.25 * 0.99, within(0.01));
        }
    }

    @Nested
    class Epochs {

        @Test
        void newerEpochReplacesTheCommand() {
            assertThat(view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1))).isTrue();
            assertThat(view.apply(reroute(BLOCKED, "google/gemini-3-pro", 1.0, 0.0, 2))).isTrue();

            assertThat(view.resolve(BLOCKED, "user-1", NOW).route()).isEqualTo("google/gemini-3-pro");
            assertThat(view.lastEpoch(BLOCKED)).hasValue(2);
        }

        @Test
        void staleEpochIsIgnored() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 5));

            assertThat(view.apply(restore(BLOCKED, FALLBACK, 0.0, 4))).isFalse();

            assertThat(view.resolve(BLOCKED, "user-1", NOW).rerouted()).isTrue();
            assertThat(view.current(BLOCKED)).get().extracting(RerouteCommand::epoch).isEqualTo(5L);
        }

        @Test
        void duplicateEpochIsIgnoredEvenWithOtherContent() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 5));

            assertThat(view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 5))).isFalse();
            assertThat(view.apply(restore(BLOCKED, FALLBACK, 0.0, 5))).isFalse();

            assertThat(view.resolve(BLOCKED, "user-1", NOW).rerouted()).isTrue();
        }

        @Test
        void outOfOrderArrivalKeepsTheNewest() {
            List<Boolean> applied = List.of(
                    view.apply(restore(BLOCKED, FALLBACK, 0.5, 3)),
                    view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.01, 1)),
                    view.apply(restore(BLOCKED, FALLBACK, 0.75, 2)));

            assertThat(applied).containsExactly(true, false, false);
            assertThat(view.current(BLOCKED)).get().extracting(RerouteCommand::weight).isEqualTo(0.5);
            assertThat(split(BLOCKED).rerouted()).isCloseTo(0.5 * 0.99, within(0.01));
        }

        @Test
        void epochsArePerRoute() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 9));

            assertThat(view.apply(reroute("google/gemini-3-pro", FALLBACK, 1.0, 0.0, 1))).isTrue();
        }

        @Test
        void concurrentWritersNeverLeaveAnOlderEpochInForce() throws Exception {
            // The epoch check and the replacement must be one atomic step, or a slow writer of an old
            // epoch could overwrite a newer command that a fast writer had just applied.
            List<Long> epochs = new ArrayList<>(LongStream.rangeClosed(1, 20_000).boxed().toList());
            Collections.shuffle(epochs, new java.util.Random(7));
            List<RerouteCommand> commands = epochs.stream()
                    .map(e -> new RerouteCommand(BLOCKED + "#" + e, BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.0, 0.0,
                            "policy_block.window", HealthState.BLOCKED, null, T0, T0.plus(TTL), e))
                    .toList();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Long>> appliedCounts = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int offset = t;
                    appliedCounts.add(pool.submit(() -> IntStream.range(0, commands.size())
                            .filter(i -> i % 4 == offset)
                            .filter(i -> view.apply(commands.get(i)))
                            .count()));
                }
                long total = 0;
                for (Future<Long> count : appliedCounts) {
                    total += count.get();
                }
                assertThat(total).isPositive();
            } finally {
                pool.shutdownNow();
            }

            assertThat(view.lastEpoch(BLOCKED)).hasValue(20_000);
            assertThat(view.current(BLOCKED)).get().extracting(RerouteCommand::epoch).isEqualTo(20_000L);
        }
    }

    @Nested
    class Expiry {

        private final Instant expiresAt = T0.plus(TTL);

        @Test
        void commandIsVoidFromExpiresAtOn() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));

            assertThat(view.resolve(BLOCKED, "user-1", expiresAt.minusMillis(1)).rerouted()).isTrue();
            assertThat(view.resolve(BLOCKED, "user-1", expiresAt)).isEqualTo(Route.original(BLOCKED));
            assertThat(view.resolve(BLOCKED, "user-1", expiresAt.plusSeconds(3600))).isEqualTo(Route.original(BLOCKED));
            assertThat(view.activeCount(expiresAt)).isZero();
        }

        @Test
        void anExpiredCommandStillBlocksOlderEpochs() {
            view.apply(restore(BLOCKED, FALLBACK, 0.0, 4));

            assertThat(view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 3))).isFalse();
            assertThat(view.resolve(BLOCKED, "user-1", expiresAt.plusSeconds(1))).isEqualTo(Route.original(BLOCKED));
        }

        @Test
        void aNewerCommandAfterExpiryIsInForceAgain() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));
            Instant later = expiresAt.plusSeconds(60);
            view.apply(Commands.command(BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.0, 0.0, 2, later, later.plus(TTL)));

            assertThat(view.resolve(BLOCKED, "user-1", later.plusSeconds(1)).epoch()).isEqualTo(2);
        }

        @Test
        void sweepReportsEachExpiredRerouteOnce() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 1));
            view.apply(restore("google/gemini-3-pro", FALLBACK, 0.0, 1)); // ended by RESTORE: nothing to report

            assertThat(view.sweepExpired(expiresAt.minusMillis(1))).isEmpty();
            assertThat(view.sweepExpired(expiresAt)).extracting(RerouteCommand::route).containsExactly(BLOCKED);
            assertThat(view.sweepExpired(expiresAt.plusSeconds(10))).isEmpty();
        }
    }

    @Nested
    class Restore {

        @Test
        void restoreWithWeightZeroEndsTheReroute() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.01, 1));
            view.apply(restore(BLOCKED, FALLBACK, 0.0, 2));

            assertThat(split(BLOCKED).rerouted()).isZero();
            assertThat(view.resolve(BLOCKED, "user-1", NOW)).isEqualTo(Route.original(BLOCKED));
            assertThat(view.activeCount(NOW)).isZero();
            assertThat(view.inForce(NOW)).isEmpty();
        }

        @Test
        void finalRestoreWithoutTargetIsAccepted() {
            RerouteCommand command = Commands.command(BLOCKED, RerouteAction.RESTORE, null, 0.0, 0.0, 1, T0, T0.plus(TTL));

            assertThat(view.apply(command)).isTrue();
            assertThat(view.resolve(BLOCKED, "user-1", NOW)).isEqualTo(Route.original(BLOCKED));
        }

        @Test
        void restoreWithHalfWeightKeepsHalfOnTheTarget() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.01, 1));
            view.apply(restore(BLOCKED, FALLBACK, 0.5, 2));

            Split split = split(BLOCKED);

            assertThat(split.rerouted()).isCloseTo(0.5 * 0.99, within(0.01));
            assertThat(view.activeCount(NOW)).isEqualTo(1);
            assertThat(view.inForce(NOW)).containsOnlyKeys(BLOCKED);
        }
    }

    @Nested
    class Tombstones {

        @Test
        void tombstoneClearsTheRoute() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 3));

            assertThat(view.clear(BLOCKED)).isTrue();

            assertThat(view.resolve(BLOCKED, "user-1", NOW)).isEqualTo(Route.original(BLOCKED));
            assertThat(view.current(BLOCKED)).isEmpty();
            assertThat(view.clear(BLOCKED)).as("nothing left to clear").isFalse();
            assertThat(view.clear("never/seen")).isFalse();
        }

        @Test
        void tombstoneKeepsTheEpochSoReplaysStayDropped() {
            view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 3));
            view.clear(BLOCKED);

            assertThat(view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 3))).isFalse();
            assertThat(view.resolve(BLOCKED, "user-1", NOW).rerouted()).isFalse();
            assertThat(view.apply(reroute(BLOCKED, FALLBACK, 1.0, 0.0, 4))).isTrue();
            assertThat(view.resolve(BLOCKED, "user-1", NOW).rerouted()).isTrue();
        }
    }

    @Nested
    class ContractViolations {

        @Test
        void invalidCommandsAreRejectedAndChangeNothing() {
            view.apply(reroute(BLOCKED, FALLBACK, 0.5, 0.0, 1));
            Instant expires = T0.plus(TTL);
            List<RerouteCommand> invalid = List.of(
                    new RerouteCommand("x#2", BLOCKED, RerouteAction.REROUTE, null, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 2),
                    new RerouteCommand("x#3", BLOCKED, RerouteAction.RESTORE, null, 0.5, 0.0, "r", HealthState.RECOVERING, null, T0, expires, 3),
                    new RerouteCommand("x#4", BLOCKED, RerouteAction.REROUTE, BLOCKED, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 4),
                    new RerouteCommand("x#5", BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.5, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 5),
                    new RerouteCommand("x#6", BLOCKED, RerouteAction.REROUTE, FALLBACK, Double.NaN, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 6),
                    new RerouteCommand("x#7", BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.0, -0.1, "r", HealthState.BLOCKED, null, T0, expires, 7),
                    new RerouteCommand("x#8", BLOCKED, null, FALLBACK, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 8),
                    new RerouteCommand("x#9", BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, null, 9),
                    new RerouteCommand("x#10", null, RerouteAction.REROUTE, FALLBACK, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, expires, 10),
                    new RerouteCommand("x#11", BLOCKED, RerouteAction.REROUTE, FALLBACK, 1.0, 0.0, "r", HealthState.BLOCKED, null, T0, expires, -1));
            Split before = split(BLOCKED);

            for (RerouteCommand command : invalid) {
                assertThatThrownBy(() -> view.apply(command))
                        .as(command.commandId())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(command.commandId());
            }

            assertThat(view.lastEpoch(BLOCKED)).hasValue(1);
            assertThat(split(BLOCKED)).isEqualTo(before);
        }
    }

    /** The elements of {@code a} missing from {@code b} (AssertJ's containsAll compares pairwise: 10^10 steps here). */
    private static Set<String> notIn(Set<String> a, Set<String> b) {
        Set<String> missing = new HashSet<>(a);
        missing.removeAll(b);
        return missing;
    }

    private Set<String> onTarget(String route) {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            if (view.resolve(route, "user-" + i, NOW).rerouted()) {
                keys.add("user-" + i);
            }
        }
        return keys;
    }

    private Split split(String route) {
        int rerouted = 0;
        int probe = 0;
        for (int i = 0; i < KEYS; i++) {
            Route r = view.resolve(route, "user-" + i, NOW);
            rerouted += r.rerouted() ? 1 : 0;
            probe += r.probe() ? 1 : 0;
        }
        return new Split(rerouted / (double) KEYS, probe / (double) KEYS);
    }

    /** Shares of requests: moved to the target, kept as probes, kept (probes included). */
    private record Split(double rerouted, double probe) {
        double stayed() {
            return 1 - rerouted;
        }
    }
}
