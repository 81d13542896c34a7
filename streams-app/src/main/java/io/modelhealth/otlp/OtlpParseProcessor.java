package io.modelhealth.otlp;

import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.telemetry.DeadLetters;
import io.modelhealth.telemetry.Ingested;
import io.modelhealth.telemetry.RouteIds;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code otlp.topic} bytes (one {@code ExportTraceServiceRequest}: a batch of spans, keyed by nothing or
 * by trace id) ⇒ one {@link Ingested} per LLM-call span, stamped with its event time (capped at the
 * record's Kafka timestamp plus {@code telemetry.max-future-skew}, as {@code llm.calls} records are), in
 * event-time order within the batch. A record that is not a request is one dead letter with its original
 * bytes; a span that breaks the {@code llm.call.v1} rules is one dead letter whose value is that span
 * alone, as a one-span request in the topic's encoding (so nothing is lost and nothing is stored twice).
 * Spans that are not LLM calls are counted ({@code model_health_spans_skipped_total}) and dropped.
 * Never throws on input.
 */
public final class OtlpParseProcessor implements Processor<byte[], byte[], byte[], Ingested> {

    private final OtlpCodec codec;
    private final SpanMapper mapper;
    private final RouteIds routeIds;
    private final long maxSkewMs;
    private final HealthMetrics metrics;
    private ProcessorContext<byte[], Ingested> context;

    public OtlpParseProcessor(AppConfig config, HealthMetrics metrics) {
        this.codec = new OtlpCodec(config.otlp().encoding());
        this.mapper = new SpanMapper(config.otlp());
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.maxSkewMs = config.telemetry().maxFutureSkew().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Ingested> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        ExportTraceServiceRequest request;
        try {
            request = codec.decode(record.value());
        } catch (OtlpCodec.NotOtlpException e) {
            dead(record, e.reason(), e.getMessage(), record.value());
            return;
        }
        List<Record<byte[], Ingested>> calls = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    SpanMapper.Mapped m = mapper.map(rs.getResource(), span);
                    if (m instanceof SpanMapper.Call c) {
                        metrics.spanIngested();
                        calls.add(call(record, c));
                    } else if (m instanceof SpanMapper.Skipped s) {
                        metrics.spanSkipped(s.reason());
                    } else if (m instanceof SpanMapper.Invalid i) {
                        dead(record, i.reason(), i.detail(), codec.encode(alone(rs, ss, span)));
                    }
                }
            }
        }
        // A batch holds spans as they ended, from many threads: in time order, its first call cannot move this
        // partition's watermark past the batch's other calls.
        calls.sort(Comparator.comparingLong(Record::timestamp));
        for (Record<byte[], Ingested> r : calls) {
            context.forward(r);
        }
    }

    private Record<byte[], Ingested> call(Record<byte[], byte[]> record, SpanMapper.Call c) {
        long eventTime = c.call().timestamp().toEpochMilli();
        long cap = record.timestamp() + maxSkewMs;
        if (record.timestamp() > 0 && eventTime > cap) {
            metrics.clockSkewCapped();
            eventTime = cap;
        }
        return record.withValue(new Ingested(routeIds.of(c.call()), c.call(), null, false)).withTimestamp(eventTime);
    }

    private void dead(Record<byte[], byte[]> record, String reason, String detail, byte[] value) {
        metrics.deadLetter(reason);
        DeadLetter d = DeadLetters.of(reason, detail, context.recordMetadata(), record.timestamp(), record.key(), value);
        context.forward(record.withValue(new Ingested(null, null, d, false)));
    }

    /** The span as a request of its own, with its resource and scope (each only if the original had one). */
    static ExportTraceServiceRequest alone(ResourceSpans rs, ScopeSpans ss, Span span) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setSchemaUrl(ss.getSchemaUrl()).addSpans(span);
        if (ss.hasScope()) {
            scope.setScope(ss.getScope());
        }
        ResourceSpans.Builder resource = ResourceSpans.newBuilder().setSchemaUrl(rs.getSchemaUrl()).addScopeSpans(scope);
        if (rs.hasResource()) {
            resource.setResource(rs.getResource());
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(resource).build();
    }
}
