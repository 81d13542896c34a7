package io.modelhealth.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.ParseResult;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GarbageRecordTest {

    private static final CallParser PARSER = new CallParser(64 * 1024);

    @ParameterizedTest
    @EnumSource(GarbageRecord.class)
    void everyKindIsDeadLetteredByTheAppsParser(GarbageRecord kind) {
        ParseResult r = PARSER.parse(kind.value("garbage-1-1", Scenarios.CLAUDE_FABLE, Instant.parse("2025-11-27T03:00:00Z")));
        assertThat(r.isValid()).isFalse();
        assertThat(r.reason()).isIn(DeadLetter.NOT_JSON, DeadLetter.NOT_UTF8, DeadLetter.SCHEMA_VIOLATION);
    }

    @Test
    void nthCyclesThroughEveryKind() {
        Set<GarbageRecord> seen = EnumSet.noneOf(GarbageRecord.class);
        for (int i = 0; i < GarbageRecord.values().length; i++) {
            seen.add(GarbageRecord.nth(i));
        }
        assertThat(seen).containsExactlyInAnyOrder(GarbageRecord.values());
        assertThat(GarbageRecord.nth(GarbageRecord.values().length)).isEqualTo(GarbageRecord.nth(0));
    }
}
