package io.modelhealth.otlp;

import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.schemas.LlmCall;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Spans made by the OpenTelemetry Java SDK, as an instrumented service would emit them for its LLM
 * calls (GenAI attributes, one {@link Resource} per tenant with {@code service.name}), captured by an
 * in-memory {@link SpanExporter} and serialized by the SDK's own OTLP marshaler — the bytes an OTLP
 * exporter sends and the Collector's kafka exporter forwards.
 */
public final class SdkSpans implements AutoCloseable {

    /** Collects every span the SDK ends. */
    private static final class Captured implements SpanExporter {
        final List<SpanData> spans = new ArrayList<>();

        @Override
        public synchronized CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    private final Captured exporter = new Captured();
    private final Map<String, SdkTracerProvider> providers = new HashMap<>();

    /** The tracer of the service {@code tenant} (null: a resource without service.name). */
    private Tracer tracer(String tenant) {
        return providers.computeIfAbsent(tenant == null ? "" : tenant, t -> SdkTracerProvider.builder()
                .setResource(t.isEmpty() ? Resource.empty()
                        : Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), t,
                                AttributeKey.stringKey("telemetry.sdk.language"), "java")))
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build()).get("io.opentelemetry.openai-java", "test");
    }

    /** The span an instrumentation would record for {@code call}: ends at its timestamp, lasts its latency. */
    public SpanData span(LlmCall call) {
        long end = nanos(call.timestamp());
        long start = end - Math.round(call.latencyMs() * 1_000_000);
        SpanBuilder b = tracer(call.tenant()).spanBuilder("chat " + call.model())
                .setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(start, TimeUnit.NANOSECONDS)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.provider.name", call.provider())
                .setAttribute("gen_ai.request.model", call.model());
        if (call.region() != null) {
            b.setAttribute("cloud.region", call.region());
        }
        if (call.statusCode() != null) {
            b.setAttribute(AttributeKey.longKey("http.response.status_code"), (long) call.statusCode());
        }
        if (call.errorType() != null) {
            b.setAttribute("error.type", call.errorType());
        }
        if (call.inputTokens() != null) {
            b.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), call.inputTokens());
        }
        if (call.outputTokens() != null) {
            b.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), call.outputTokens());
        }
        Span span = b.startSpan();
        if (call.errorType() != null || (call.statusCode() != null && call.statusCode() >= 400)) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end(end, TimeUnit.NANOSECONDS);
        return last();
    }

    /** A span that is no LLM call: an HTTP server span of the same service at {@code end}. */
    public SpanData httpSpan(String tenant, Instant end) {
        long e = nanos(end);
        Span span = tracer(tenant).spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(e - 5_000_000, TimeUnit.NANOSECONDS)
                .setAttribute("http.request.method", "GET")
                .setAttribute(AttributeKey.longKey("http.response.status_code"), 200L)
                .startSpan();
        span.end(e, TimeUnit.NANOSECONDS);
        return last();
    }

    /** A GenAI agent span (provider and model set, but it wraps model calls): skipped, not a call. */
    public SpanData agentSpan(String tenant, String provider, String model, Instant end) {
        long e = nanos(end);
        Span span = tracer(tenant).spanBuilder("invoke_agent planner").setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(e - 50_000_000, TimeUnit.NANOSECONDS)
                .setAttribute("gen_ai.operation.name", "invoke_agent")
                .setAttribute("gen_ai.provider.name", provider)
                .setAttribute("gen_ai.request.model", model)
                .startSpan();
        span.end(e, TimeUnit.NANOSECONDS);
        return last();
    }

    private SpanData last() {
        synchronized (exporter) {
            return exporter.spans.get(exporter.spans.size() - 1);
        }
    }

    /** The {@code llm.call.v1} record the same call would have been sent as: its event id is the span's ids. */
    public static LlmCall asCall(LlmCall call, SpanData span) {
        return new LlmCall(span.getTraceId() + span.getSpanId(), call.timestamp(), call.provider(), call.model(), call.region(),
                call.tenant(), call.statusCode(), call.errorType(),
                (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1_000_000.0, null, call.inputTokens(), call.outputTokens());
    }

    /** One {@code ExportTraceServiceRequest} of {@code spans}, written by the SDK's OTLP marshaler. */
    public static byte[] request(Collection<SpanData> spans, OtlpEncoding encoding) {
        TraceRequestMarshaler m = TraceRequestMarshaler.create(spans);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (encoding == OtlpEncoding.OTLP_JSON) {
                m.writeJsonTo(out);
            } else {
                m.writeBinaryTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public void close() {
        providers.values().forEach(SdkTracerProvider::close);
    }
}
