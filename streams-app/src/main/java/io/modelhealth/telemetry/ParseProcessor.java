package io.modelhealth.telemetry;

import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * {@code llm.calls} bytes → {@link Ingested}: parse, validate, compute the route id, and stamp the
 * record with the call's event time (capped at the Kafka timestamp plus
 * {@code telemetry.max-future-skew}, so a producer with a fast clock cannot push windows ahead).
 * A record that cannot be used becomes a dead letter carrying its reason, source coordinates and
 * original bytes. Never throws on input.
 */
public final class ParseProcessor implements FixedKeyProcessor<byte[], byte[], Ingested> {

    private final CallParser parser;
    private final RouteIds routeIds;
    private final long maxSkewMs;
    private final HealthMetrics metrics;
    /** Calls already parsed by whoever feeds the topology (backtest), or null. */
    private final ParsedCalls parsed;
    private FixedKeyProcessorContext<byte[], Ingested> context;

    public ParseProcessor(AppConfig config, HealthMetrics metrics) {
        this(config, metrics, null);
    }

    /** @param parsed calls the feeder has parsed already (see {@link ParsedCalls}); null: parse every record */
    public ParseProcessor(AppConfig config, HealthMetrics metrics, ParsedCalls parsed) {
        this.parsed = parsed;
        this.parser = new CallParser(config.telemetry().maxRecordBytes());
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.maxSkewMs = config.telemetry().maxFutureSkew().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Ingested> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        ParseResult result = parsed == null ? null : parsed.take(record.value());
        if (result == null) {
            result = parser.parse(record.value());
        }
        if (!result.isValid()) {
            metrics.deadLetter(result.reason());
            context.forward(record.withValue(new Ingested(null, null, deadLetter(record, result), false)));
            return;
        }
        String route = routeIds.of(result.call());
        long eventTime = result.call().timestamp().toEpochMilli();
        long cap = record.timestamp() + maxSkewMs;
        if (record.timestamp() > 0 && eventTime > cap) {
            metrics.clockSkewCapped();
            eventTime = cap;
        }
        boolean keyed = record.key() != null && Arrays.equals(record.key(), route.getBytes(StandardCharsets.UTF_8));
        context.forward(record.withValue(new Ingested(route, result.call(), null, keyed)).withTimestamp(eventTime));
    }

    private DeadLetter deadLetter(FixedKeyRecord<byte[], byte[]> record, ParseResult result) {
        return DeadLetters.of(result.reason(), result.detail(), context.recordMetadata(), record.timestamp(),
                record.key(), record.value());
    }
}
