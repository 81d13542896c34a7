package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.SchemaCatalog;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link CallParser#rfc3339Instant} is the {@code timestamp} rule of {@code llm.call.v1}, not a second
 * definition of RFC 3339: it reads a timestamp exactly when the schema (pattern and {@code date-time}
 * format, checked by the schema validator) accepts it, and then reads the instant {@code java.time} reads.
 */
class Rfc3339InstantTest {

    @Test
    void acceptsExactlyWhatTheSchemaAcceptsAndReadsTheInstantJavaTimeReads() {
        List<String> samples = new ArrayList<>(List.of(
                "2026-11-27T14:03:07Z", "2026-11-27T14:03:07.1Z", "2026-11-27T14:03:07.123Z", "2026-11-27T14:03:07.123456789Z",
                "2026-11-27T14:03:07.123+02:00", "2026-11-27T14:03:07-05:30", "2024-02-29T23:59:59.999Z", "2000-01-01T00:00:00Z",
                "2099-12-31T23:59:59.999999999-18:00", "2026-11-27T00:00:00+18:00", "2026-11-27T00:00:00-00:00",
                "2026-11-27T14:03:07+19:00", "2026-11-27T14:03:07-23:59", "2026-11-27T14:03:07+24:00", "2026-11-27T14:03:07+05:60",
                "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-27T24:00:00Z",
                "2026-11-27T14:60:00Z", "2026-11-27T14:03:60Z", "2026-11-27t14:03:07z", "2026-11-27T14:03Z",
                "2026-11-27T14:03:07.Z", "2026-11-27T14:03:07.1234567890Z",
                "2026-11-27T14:03:07+02", "2026-11-27T14:03:07+0200", "2026-11-27T14:03:07", "2026-11-27 14:03:07Z",
                "+2026-11-27T14:03:07Z", "2026-1-27T14:03:07Z", "2026-11-27T14:03:07.12a3Z", "2026-11-27T14:03:07ZZ",
                "2026-11-27T14:03:07+02:00:30", "20261127T140307Z", "2026-11-27T14:03:07.5-00:01", "2026-00-10T00:00:00Z",
                "2026-11-00T00:00:00Z", "\u0662026-11-27T14:03:07Z"));
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 2_000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextLong(946_684_800L, 4_102_444_800L), r.nextInt(1_000_000_000));
            int offsetMin = r.nextInt(-18 * 60, 18 * 60 + 1);
            samples.add(t.atOffset(java.time.ZoneOffset.ofTotalSeconds(offsetMin * 60)).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            samples.add(t.toString());
        }
        int accepted = 0;
        for (String s : samples) {
            Instant read = CallParser.rfc3339Instant(s);
            List<String> problems = SchemaCatalog.validate("llm.call.v1", "{\"event_id\":\"e\",\"timestamp\":\"" + s
                    + "\",\"provider\":\"p\",\"model\":\"m\",\"latency_ms\":1}");
            assertThat(read != null).as("%s read as %s; the schema says %s", s, read, problems).isEqualTo(problems.isEmpty());
            if (read != null) {
                accepted++;
                Instant javaTime = javaTime(s);
                if (javaTime != null) {
                    assertThat(read).as(s).isEqualTo(javaTime);
                }
            }
        }
        assertThat(accepted).isGreaterThan(samples.size() / 2);
        assertThat(CallParser.rfc3339Instant("2026-11-27T14:03:07.123Z")).isEqualTo(Instant.parse("2026-11-27T14:03:07.123Z"));
        // Beyond java.time's ±18:00, which RFC 3339 and the schema allow.
        assertThat(CallParser.rfc3339Instant("2026-11-27T20:00:00+20:00")).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
    }

    private static Instant javaTime(String s) {
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
