package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.config.AppConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When stream-thread replacements become a loop that liveness must report. */
class ThreadReplacementsTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-12-03T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void moreReplacementsThanAllowedWithinTheWindowIsALoopUntilTheyAgeOut() {
        ManualClock clock = new ManualClock();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ThreadReplacements r = new ThreadReplacements(new AppConfig.Operations(2, Duration.ofMinutes(10)), clock, registry);

        r.replaced();
        clock.advance(Duration.ofMinutes(4));
        r.replaced();
        assertThat(r.looping()).as("2 replacements, 2 allowed").isFalse();
        clock.advance(Duration.ofMinutes(4));
        r.replaced();
        assertThat(r.looping()).as("3 within 10 minutes").isTrue();

        clock.advance(Duration.ofMinutes(3));
        assertThat(r.recentCount()).as("the first one aged out").isEqualTo(2);
        assertThat(r.looping()).isFalse();
        assertThat(registry.get(ThreadReplacements.METRIC).counter().count()).as("the counter never forgets").isEqualTo(3);
    }

    @Test
    void zeroAllowedMakesTheFirstReplacementALoop() {
        ThreadReplacements r = new ThreadReplacements(new AppConfig.Operations(0, Duration.ofMinutes(1)), new ManualClock(),
                new SimpleMeterRegistry());

        assertThat(r.looping()).isFalse();
        r.replaced();
        assertThat(r.looping()).isTrue();
    }
}
