package io.modelhealth.otlp;

import com.google.protobuf.ByteString;
import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.LlmCall;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code llm.call.v1} calls ⇒ the OTLP spans an instrumented service would report for them, in one
 * {@link ExportTraceServiceRequest}: the inverse of {@link SpanMapper}, so that
 * {@code SpanMapper.map(resource, span)} gives the call back field for field, except that
 * <ul>
 *   <li>{@code event_id} becomes {@link #eventId}: trace id + span id in hex, which {@link SpanMapper}
 *       reads; a call whose id already has that form keeps it;</li>
 *   <li>{@code ttft_ms} is dropped: no span attribute carries it (README, "Already emitting OpenTelemetry?").</li>
 * </ul>
 * One resource per tenant ({@code otlp.tenant-attribute}, {@code service.name} by default), as each
 * service has its own SDK; the region ({@code otlp.region-attribute}) on the span. Spans are GenAI
 * client spans ({@code chat <model>}); end time = the call's timestamp, start = end − latency
 * (to the nanosecond); status ERROR for a call with an {@code error_type} or an HTTP status of 0 or
 * ≥ 400. Built with the official {@code opentelemetry-proto} bindings. Pure and thread-safe.
 */
public final class CallSpans {

    /** The instrumentation scope of the spans: this simulator, not a real instrumentation. */
    static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("io.modelhealth.scenario").build();
    private static final int TRACE_ID_BYTES = 16;
    private static final int SPAN_ID_BYTES = 8;
    private static final HexFormat HEX = HexFormat.of();

    /** Which attributes carry the tenant and the region: the same as {@link SpanMapper} reads. */
    private final AppConfig.Otlp attributes;

    public CallSpans(AppConfig.Otlp config) {
        this.attributes = config;
    }

    /** The calls as one request: a {@link ResourceSpans} per tenant in order of first appearance, spans in call order. */
    public ExportTraceServiceRequest request(List<LlmCall> calls) {
        Map<String, ScopeSpans.Builder> byTenant = new LinkedHashMap<>();
        for (LlmCall call : calls) {
            // "" for no tenant: a resource without the tenant attribute
            byTenant.computeIfAbsent(Objects.requireNonNullElse(call.tenant(), ""), t -> ScopeSpans.newBuilder().setScope(SCOPE))
                    .addSpans(span(call));
        }
        ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
        byTenant.forEach((tenant, spans) -> {
            Resource.Builder resource = Resource.newBuilder();
            if (!tenant.isEmpty()) {
                resource.addAttributes(text(attributes.tenantAttribute(), tenant));
            }
            request.addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(spans));
        });
        return request.build();
    }

    /** The span of one call (its tenant belongs on the resource: {@link #request}). */
    public Span span(LlmCall call) {
        byte[] ids = ids(call.eventId());
        long end = nanos(call.timestamp());
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(ids, 0, TRACE_ID_BYTES))
                .setSpanId(ByteString.copyFrom(ids, TRACE_ID_BYTES, SPAN_ID_BYTES))
                .setName("chat " + call.model())
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(end - Math.round(call.latencyMs() * 1_000_000))
                .setEndTimeUnixNano(end)
                .addAttributes(text(SpanMapper.OPERATION, "chat"))
                .addAttributes(text(SpanMapper.PROVIDER, call.provider()))
                .addAttributes(text(SpanMapper.MODEL, call.model()));
        if (call.region() != null) {
            span.addAttributes(text(attributes.regionAttribute(), call.region()));
        }
        if (call.statusCode() != null) {
            span.addAttributes(integer(SpanMapper.STATUS, call.statusCode()));
        }
        if (call.errorType() != null) {
            span.addAttributes(text(SpanMapper.ERROR_TYPE, call.errorType()));
        }
        if (call.inputTokens() != null) {
            span.addAttributes(integer(SpanMapper.INPUT_TOKENS, call.inputTokens()));
        }
        if (call.outputTokens() != null) {
            span.addAttributes(integer(SpanMapper.OUTPUT_TOKENS, call.outputTokens()));
        }
        boolean failed = call.errorType() != null
                || (call.statusCode() != null && (call.statusCode() == 0 || call.statusCode() >= 400));
        if (failed) {
            span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                    .setMessage(Objects.requireNonNullElse(call.errorType(), "HTTP " + call.statusCode())));
        }
        return span.build();
    }

    /**
     * The event id {@link SpanMapper} reads from the span of a call with this id: the id itself when it
     * is already 48 hex digits (a trace id and a span id), else hex of the first 24 bytes of its SHA-256,
     * so the same call always gets the same span (duplicates stay duplicates).
     */
    public static String eventId(String callEventId) {
        return HEX.formatHex(ids(callEventId));
    }

    private static byte[] ids(String eventId) {
        if (eventId.length() == 2 * (TRACE_ID_BYTES + SPAN_ID_BYTES) && eventId.chars().allMatch(CallSpans::isLowerHex)) {
            return HEX.parseHex(eventId);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(digest, TRACE_ID_BYTES + SPAN_ID_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static boolean isLowerHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    private static KeyValue text(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue integer(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
