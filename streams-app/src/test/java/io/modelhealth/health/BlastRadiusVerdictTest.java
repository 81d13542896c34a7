package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.flow;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.Caller;
import io.modelhealth.schemas.HealthState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The blast radius in the verdicts an unhealthy route sends: a new verdict when the busiest-first order of its
 * callers changes, none when only their rates move. (The engine decides this from a signature it makes
 * from the state, before any verdict; {@link EngineHarness} holds each verdict's own signature equal to it.)
 */
class BlastRadiusVerdictTest {

    static final String A = "acme/alpha";
    static final String B = "acme/beta";

    @Test
    void aNewVerdictWhenTheOrderOfCallersChangesNotWhenTheirRatesDo() {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(A, List.of(B))));
        h.fleet.set(B, HealthState.HEALTHY);
        h.run(0, 120_000, flow(A, 20, (t, n) -> Outcome.ok()));
        Outcome banned = Outcome.error(403, "model_not_available", "search");
        Outcome bannedChat = Outcome.error(403, "model_not_available", "chat");
        // Withdrawn: search calls 20/s, chat 5/s, for a minute.
        h.run(120_000, 180_000, flow(A, 20, (t, n) -> banned), flow(A, 5, (t, n) -> bannedChat));
        assertThat(h.stateOf(A)).isEqualTo(HealthState.BLOCKED);
        List<RouteVerdict> blocked = h.verdicts.stream().filter(v -> v.state() == HealthState.BLOCKED).toList();
        assertThat(blocked.get(blocked.size() - 1).callers()).extracting(Caller::tenant).containsExactly("search", "chat");
        int before = h.verdicts.size();

        // A second minute at the same shares: rates move with every call, the order does not.
        h.run(180_000, 240_000, flow(A, 20, (t, n) -> banned), flow(A, 5, (t, n) -> bannedChat));
        assertThat(h.verdicts).hasSize(before);

        // chat becomes the busier caller: the order flips, and the fleet hears of it.
        h.run(240_000, 300_000, flow(A, 2, (t, n) -> banned), flow(A, 30, (t, n) -> bannedChat));
        List<RouteVerdict> later = h.verdicts.subList(before, h.verdicts.size());
        assertThat(later).isNotEmpty();
        assertThat(later.get(later.size() - 1).callers()).extracting(Caller::tenant).containsExactly("chat", "search");
        assertThat(later.get(later.size() - 1).callers().get(0).callsPerMinute())
                .isGreaterThan(later.get(later.size() - 1).callers().get(1).callsPerMinute());
    }

    /**
     * The ranking starts from the last one (an insertion sort); over random callers, calls and clock steps it
     * must give exactly what a stable sort of the callers map by (rate, calls) descending and tenant gives.
     */
    @Test
    void theIncrementalRankingIsTheStableSortOfTheCallers() {
        java.util.Random random = new java.util.Random(5);
        for (int trial = 0; trial < 200; trial++) {
            RouteState s = new RouteState();
            s.callers = new java.util.LinkedHashMap<>();
            long now = EngineHarness.T0 + random.nextInt(60_000);
            for (int step = 0; step < 60; step++) {
                if (s.callers.size() < RouteHealth.MAX_CALLERS && random.nextInt(5) == 0) {
                    RouteState.CallerCount c = new RouteState.CallerCount();
                    // few tenants and regions: ties on tenant, rate and calls happen
                    c.tenant = random.nextInt(4) == 0 ? null : "t" + random.nextInt(3);
                    c.region = "r" + s.callers.size();
                    c.first = now;
                    s.callers.put(c.tenant + "\u0000" + c.region, c);
                }
                for (RouteState.CallerCount c : s.callers.values()) {
                    if (random.nextInt(3) == 0) {
                        long minute = Math.floorDiv(now, 60_000);
                        if (c.minute != minute) {
                            c.previous = c.minute == minute - 1 ? c.current : 0;
                            c.current = 0;
                            c.minute = minute;
                        }
                        int n = random.nextInt(3);
                        c.current += n;
                        c.calls += n;
                        c.last = now;
                    }
                }
                now += random.nextInt(4) == 0 ? random.nextInt(90_000) : random.nextInt(2_000);
                assertThat(RouteHealth.blastRadius(s, now)).as("trial %d step %d", trial, step).isEqualTo(reference(s, now));
            }
        }
    }

    /** The ranking as it was first written: a Caller per caller, then a stable sort. */
    private static List<Caller> reference(RouteState s, long now) {
        List<Caller> out = new java.util.ArrayList<>();
        long minute = Math.floorDiv(now, 60_000);
        double elapsed = (double) (now - minute * 60_000) / 60_000;
        for (RouteState.CallerCount c : s.callers.values()) {
            double rate = c.minute == minute ? c.current + c.previous * (1 - elapsed)
                    : c.minute == minute - 1 ? c.current * (1 - elapsed) : 0;
            out.add(new Caller(c.tenant, c.region, c.calls, Math.round(rate * 1000) / 1000.0,
                    java.time.Instant.ofEpochMilli(c.first), java.time.Instant.ofEpochMilli(c.last)));
        }
        out.sort(java.util.Comparator.comparingDouble(Caller::callsPerMinute).reversed()
                .thenComparing(java.util.Comparator.comparingLong(Caller::calls).reversed())
                .thenComparing(c -> c.tenant() == null ? "" : c.tenant()));
        return out;
    }
}
