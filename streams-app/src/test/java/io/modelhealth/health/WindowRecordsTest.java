package io.modelhealth.health;

import static io.modelhealth.health.EngineHarness.T0;
import static io.modelhealth.health.EngineHarness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.modelhealth.health.EngineHarness.Outcome;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** model.health.window.v1: one record per closed bucket, late calls beyond grace counted apart. */
class WindowRecordsTest {

    static final String A = "acme/alpha";

    final EngineHarness h = new EngineHarness(EngineHarness.config(Map.of()));

    static Map<OutcomeClass, Long> counts(long success, long availability, long rateLimit, long policy, long filter,
                                         long client) {
        Map<OutcomeClass, Long> m = new EnumMap<>(OutcomeClass.class);
        m.put(OutcomeClass.SUCCESS, success);
        m.put(OutcomeClass.AVAILABILITY, availability);
        m.put(OutcomeClass.RATE_LIMIT, rateLimit);
        m.put(OutcomeClass.POLICY_BLOCK, policy);
        m.put(OutcomeClass.CONTENT_FILTER, filter);
        m.put(OutcomeClass.CLIENT, client);
        return m;
    }

    @Test
    void oneRecordPerClosedBucketWithCountsPerClassAndQuantiles() {
        // bucket [0 s, 10 s): 100 calls, latencies 10, 20, ... 1000 ms
        for (int i = 0; i < 100; i++) {
            Outcome o = switch (i % 10) {
                case 0, 1 -> Outcome.error(529, null);
                case 2 -> Outcome.error(429, "rate_limit_error");
                case 3 -> i == 3 ? Outcome.error(403, "permission_error") : Outcome.ok();
                case 4 -> Outcome.error(200, "content_filter");
                case 5, 6 -> Outcome.error(400, "invalid_request_error");
                default -> Outcome.ok();
            };
            h.call(A, i * 90L, new Outcome(o.status(), o.errorType(), "t", (i + 1) * 10.0));
        }
        h.tickAll(9_999);
        assertThat(h.out.windows(A)).isEmpty(); // the route's time has not passed the first bucket's end
        // bucket [10 s, 20 s): 3 calls; the first closes the first bucket
        h.call(A, 10_000, Outcome.ok(50));
        assertThat(h.out.windows(A)).hasSize(1);
        h.call(A, 15_000, Outcome.ok(60));
        h.call(A, 19_999, Outcome.error(503, null));
        for (long t = 21_000; t <= 60_000; t += 1_000) {
            h.tickAll(t);
        }
        List<HealthWindow> windows = h.out.windows(A);
        assertThat(windows).hasSize(2);

        HealthWindow w = windows.get(0);
        assertThat(w.route()).isEqualTo(A);
        assertThat(w.provider()).isEqualTo("acme");
        assertThat(w.model()).isEqualTo("alpha");
        assertThat(w.windowStart()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(w.windowEnd()).isEqualTo(Instant.ofEpochMilli(T0 + 10_000));
        assertThat(w.calls()).isEqualTo(100);
        assertThat(w.byClass()).isEqualTo(counts(39, 20, 10, 1, 10, 20));
        assertThat(w.latencyP50Ms()).isCloseTo(500, within(50.0));
        assertThat(w.latencyP95Ms()).isCloseTo(950, within(95.0));
        assertThat(w.latencyP99Ms()).isCloseTo(990, within(99.0));
        assertThat(w.latencyP50Ms()).isLessThanOrEqualTo(w.latencyP95Ms());
        assertThat(w.latencyP95Ms()).isLessThanOrEqualTo(w.latencyP99Ms());
        // the record's timestamp is the event time at which the bucket closed: its end (the low watermark passed it)
        assertThat(h.out.of(RecordedOutputs.Kind.WINDOW, A).get(0).timestamp()).isEqualTo(at(10_000));
        assertThat(w.lateCalls()).isNull();

        HealthWindow second = windows.get(1);
        assertThat(second.windowStart()).isEqualTo(Instant.ofEpochMilli(T0 + 10_000));
        assertThat(second.calls()).isEqualTo(3);
        assertThat(second.byClass()).isEqualTo(counts(2, 1, 0, 0, 0, 0));
        assertThat(h.out.of(RecordedOutputs.Kind.WINDOW, A).get(1).timestamp()).isEqualTo(at(20_000));
    }

    @Test
    void emptyPeriodsHaveNoRecordsAndEachBucketIsEmittedOnce() {
        h.call(A, 1_000, Outcome.ok());
        h.call(A, 95_000, Outcome.ok());
        for (long t = 95_000; t <= 200_000; t += 500) {
            h.tickAll(t);
        }
        assertThat(h.out.windows(A)).extracting(w -> w.windowStart().toEpochMilli() - T0).containsExactly(0L, 90_000L);
        assertThat(h.out.windows(A)).extracting(HealthWindow::calls).containsExactly(1L, 1L);
    }

    @Test
    void lateCallsWithinTheLatenessBoundAmendTheirWindowAndBeyondItDoNot() {
        h.call(A, 5_000, Outcome.ok());
        h.call(A, 16_000, Outcome.ok());
        assertThat(h.out.windows(A)).extracting(HealthWindow::calls).containsExactly(1L);
        // 9 s late, after its bucket was emitted: counted, and the window is emitted again with the totals
        assertThat(h.call(A, 7_000, Outcome.error(529, null))).isTrue();
        assertThat(h.out.windows(A)).hasSize(2);
        HealthWindow amended = h.out.windows(A).get(1);
        assertThat(amended.windowStart()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(amended.byClass()).isEqualTo(counts(1, 1, 0, 0, 0, 0));
        assertThat(amended.lateCalls()).isEqualTo(1L);
        assertThat(h.engine.window(h.state(A), 60_000).of(OutcomeClass.AVAILABILITY)).isEqualTo(1.0);
        // the route's time passes the lateness bound (5 min) behind the first bucket's end: beyond it, not counted
        h.call(A, 10_000 + 300_000, Outcome.ok());
        assertThat(h.call(A, 9_999, Outcome.error(529, null))).isFalse();
        assertThat(h.out.lateCount(A)).isEqualTo(1);
        assertThat(h.out.windows(A).stream().filter(w -> w.windowStart().toEpochMilli() == T0))
                .extracting(HealthWindow::calls).containsExactly(1L, 2L);
    }

    @Test
    void aLateCallForABucketNoCallOpenedIsEmittedAtOnceAndAnHourLateIsNot() {
        h.call(A, 100_000, Outcome.ok());
        // 30 s late, for a bucket no call had opened: a window of its own, emitted at once as amended
        assertThat(h.call(A, 70_000, Outcome.error(529, null))).isTrue();
        assertThat(h.out.windows(A)).extracting(w -> w.windowStart().toEpochMilli() - T0, HealthWindow::calls,
                HealthWindow::lateCalls).containsExactly(tuple(70_000L, 1L, 1L));
        // an hour late
        assertThat(h.call(A, 100_000 - 3_600_000, Outcome.error(529, null))).isFalse();
        assertThat(h.out.lateCount(A)).isEqualTo(1);
        h.tickAll(200_000);
        assertThat(h.out.windows(A)).extracting(HealthWindow::calls).containsExactly(1L, 1L);
        assertThat(h.engine.window(h.state(A), 300_000).errors()).isEqualTo(1.0);
    }
}
