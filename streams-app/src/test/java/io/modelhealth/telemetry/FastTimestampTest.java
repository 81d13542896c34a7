package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link CallParser#fastTimestamp} is a shortcut, not a second definition of RFC 3339: whenever it
 * answers, the answer is exactly {@code OffsetDateTime.parse}'s; anything it declines falls back.
 */
class FastTimestampTest {

    @Test
    void agreesWithJavaTimeOnEveryShapeItAccepts() {
        List<String> samples = new java.util.ArrayList<>(List.of(
                "2026-11-27T14:03:07Z", "2026-11-27T14:03:07.1Z", "2026-11-27T14:03:07.123Z", "2026-11-27T14:03:07.123456789Z",
                "2026-11-27T14:03:07.123+02:00", "2026-11-27T14:03:07-05:30", "2024-02-29T23:59:59.999Z", "2000-01-01T00:00:00Z",
                "2099-12-31T23:59:59.999999999-18:00", "2026-11-27T00:00:00+18:00", "2026-11-27T00:00:00-00:00",
                // shapes it must decline (or java.time rejects): each falls back and gets java.time's verdict
                "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-27T24:00:00Z",
                "2026-11-27T14:60:00Z", "2026-11-27T14:03:60Z", "2026-11-27t14:03:07z", "2026-11-27T14:03Z",
                "2026-11-27T14:03:07.Z", "2026-11-27T14:03:07.1234567890Z", "2026-11-27T14:03:07+19:00",
                "2026-11-27T14:03:07+02", "2026-11-27T14:03:07+0200", "2026-11-27T14:03:07", "2026-11-27 14:03:07Z",
                "+2026-11-27T14:03:07Z", "2026-1-27T14:03:07Z", "2026-11-27T14:03:07.12a3Z", "2026-11-27T14:03:07ZZ",
                "2026-11-27T14:03:07+02:00:30", "20261127T140307Z", "2026-11-27T14:03:07.5-00:01"));
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextLong(946_684_800L, 4_102_444_800L), r.nextInt(1_000_000_000));
            int offsetMin = r.nextInt(-18 * 60, 18 * 60 + 1);
            OffsetDateTime odt = t.atOffset(java.time.ZoneOffset.ofTotalSeconds(offsetMin * 60));
            samples.add(odt.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            samples.add(t.toString());
        }
        for (String s : samples) {
            Instant fast = CallParser.fastTimestamp(s);
            Instant slow;
            try {
                slow = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                slow = null;
            }
            if (fast != null) {
                assertThat(fast).as(s).isEqualTo(slow);
            }
        }
        assertThat(CallParser.fastTimestamp("2026-11-27T14:03:07.123Z")).isEqualTo(Instant.parse("2026-11-27T14:03:07.123Z"));
    }
}
