package io.modelhealth.topology;

import io.modelhealth.health.RouteHealth;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.DeadLetters;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code model.health.overrides} bytes → {@link OverrideInput}: the override keyed by its route, a
 * tombstone for the route (null override), or a dead letter. Operators write this topic by hand, so
 * anything may arrive, and an override is read only if it is exactly what {@code override.v1} allows
 * ({@link OverrideSchema}): a misspelt field or a string where a boolean belongs is dead-lettered,
 * not ignored or coerced into something the operator did not mean.
 *
 * <p>Beyond the schema, an override is dead-lettered when its key is not its route (the compacted
 * topic would keep the wrong one) and when its {@code until} lies more than
 * {@code overrides.max-lifetime} after the record's timestamp ({@code override_lifetime}): a
 * forgotten "force healthy" must not outlive a week of incidents. An override without an
 * {@code author} is stamped {@link RouteOverride#UNKNOWN_AUTHOR}, so the state and the alerts always
 * say who is answerable, or that nobody said. Every accepted override, tombstone and rejection is
 * logged in one line; overrides are rare, and the log is where an operator looks first.
 */
final class OverrideParser implements Processor<byte[], byte[], String, OverrideInput> {

    private static final Logger LOG = LoggerFactory.getLogger(OverrideParser.class);

    private final Duration maxLifetime;
    private final HealthMetrics metrics;
    private ProcessorContext<String, OverrideInput> context;

    OverrideParser(Duration maxLifetime, HealthMetrics metrics) {
        this.maxLifetime = maxLifetime;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, OverrideInput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (key == null) {
                dead(record, DeadLetter.NULL_VALUE, "override tombstone without a key (the key must be the route id)");
            } else {
                LOG.info("override for {} cleared (tombstone)", printable(key));
                context.forward(record.withKey(key).withValue(new OverrideInput(null, null, record.key())));
            }
            return;
        }
        String json = strictUtf8(record.value());
        if (json == null) {
            dead(record, DeadLetter.NOT_UTF8, "override value is not valid UTF-8");
            return;
        }
        List<String> violations;
        try {
            violations = OverrideSchema.problems(json);
        } catch (RuntimeException e) {
            dead(record, DeadLetter.NOT_JSON, "not valid JSON: " + CallParser.firstLine(e.getMessage()));
            return;
        }
        if (!violations.isEmpty()) {
            dead(record, DeadLetter.SCHEMA_VIOLATION, "not a valid override.v1: " + String.join("; ", violations));
            return;
        }
        RouteOverride o;
        try {
            o = ContractSerdes.OVERRIDE.deserialize("", record.value());
        } catch (RuntimeException e) {
            // The schema allows UTC offsets up to ±23:59 (RFC 3339); java.time stops at ±18:00.
            dead(record, DeadLetter.SCHEMA_VIOLATION, "a valid override.v1 that cannot be read: "
                    + CallParser.firstLine(e.getMessage()));
            return;
        }
        if (key != null && !key.equals(o.route())) {
            dead(record, DeadLetter.SCHEMA_VIOLATION, "key '" + CallParser.abbreviate(key) + "' is not the override's route '"
                    + o.route() + "'");
            return;
        }
        Duration ahead = Duration.between(Instant.ofEpochMilli(record.timestamp()), o.until());
        if (ahead.compareTo(maxLifetime) > 0) {
            dead(record, DeadLetter.OVERRIDE_LIFETIME, "until " + o.until() + " is " + ahead + " after the record's time "
                    + Instant.ofEpochMilli(record.timestamp()) + ", more than overrides.max-lifetime " + maxLifetime);
            return;
        }
        RouteOverride stamped = o.author() == null ? withAuthor(o, RouteOverride.UNKNOWN_AUTHOR) : o;
        // describeOverride says what, by whom and until when
        LOG.info("applying override to {}: {}", stamped.route(), printable(RouteHealth.describeOverride(stamped)));
        context.forward(record.withKey(stamped.route()).withValue(new OverrideInput(stamped, null, record.key())));
    }

    private static RouteOverride withAuthor(RouteOverride o, String author) {
        return new RouteOverride(o.route(), o.pinState(), o.reroute(), o.target(), o.silenceAlerts(), o.until(),
                o.reason(), author, o.createdAt());
    }

    private void dead(Record<byte[], byte[]> record, String reason, String detail) {
        metrics.deadLetter(reason);
        LOG.warn("override rejected ({}), sent to the dead-letter topic: {}", reason, printable(detail));
        DeadLetter d = DeadLetters.of(reason, detail, context.recordMetadata(), record.timestamp(), record.key(),
                record.value());
        context.forward(record.withKey((String) null).withValue(new OverrideInput(null, d, record.key())));
    }

    /** The text, or null when the bytes are not well-formed UTF-8 (a lenient decoder would put U+FFFD in). */
    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Operator-written text as one log line: control characters (a newline could forge a log line)
     * become {@code ?}, and it is cut at 200 characters.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 201));
        String cut = CallParser.abbreviate(s);
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
