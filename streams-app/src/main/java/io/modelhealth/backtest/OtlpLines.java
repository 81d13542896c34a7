package io.modelhealth.backtest;

import io.modelhealth.config.AppConfig;
import io.modelhealth.otlp.OtlpCodec;
import io.modelhealth.otlp.SpanMapper;
import io.modelhealth.schemas.LlmCall;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code backtest} over the OpenTelemetry Collector {@code file} exporter's output: one OTLP/JSON
 * {@code ExportTraceServiceRequest} per line. A file whose first line is such a request is replayed
 * with {@code otlp.enabled} and {@code otlp.encoding: otlp_json}: each request line goes to the OTLP
 * source as it is (the topology parses, maps and dead-letters it exactly as it would live); other
 * lines stay {@code llm.call.v1} records. This class only reads what the replay's clock and the
 * summary need.
 */
final class OtlpLines {

    /** A JSON object whose first key is the request's one field (OTLP/JSON spelling, or the proto name). */
    private static final Pattern REQUEST = Pattern.compile("^\\s*\\{\\s*\"resource_?[sS]pans\"");

    /**
     * What the replay needs from a request line.
     *
     * @param timestamp when the exporter would have written it: the latest end of its LLM-call spans
     * @param calls     the calls its spans map to (invalid and skipped spans left out)
     */
    record Batch(long timestamp, List<LlmCall> calls) {
    }

    private final AppConfig config;
    private final OtlpCodec codec = new OtlpCodec(AppConfig.OtlpEncoding.OTLP_JSON);
    private final SpanMapper mapper;

    OtlpLines(AppConfig base) {
        AppConfig.Otlp o = base.otlp();
        this.config = base.withOtlp(new AppConfig.Otlp(true, o.topic(), AppConfig.OtlpEncoding.OTLP_JSON,
                o.tenantAttribute(), o.regionAttribute()));
        this.mapper = new SpanMapper(config.otlp());
    }

    static boolean isRequest(String line) {
        return REQUEST.matcher(line).lookingAt();
    }

    /** The configuration to replay with: the given one, reading OTLP/JSON spans as well. */
    AppConfig config() {
        return config;
    }

    /** @param fallbackTs the time to replay a line at when it holds no call (the topology may dead-letter it) */
    Batch read(String line, long fallbackTs) {
        ExportTraceServiceRequest request;
        try {
            request = codec.decode(line.getBytes(StandardCharsets.UTF_8));
        } catch (OtlpCodec.NotOtlpException e) {
            return new Batch(fallbackTs, List.of());
        }
        List<LlmCall> calls = new ArrayList<>();
        long latest = Long.MIN_VALUE;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    if (mapper.map(rs.getResource(), span) instanceof SpanMapper.Call c) {
                        calls.add(c.call());
                        latest = Math.max(latest, c.call().timestamp().toEpochMilli());
                    }
                }
            }
        }
        return new Batch(calls.isEmpty() ? fallbackTs : latest, calls);
    }
}
