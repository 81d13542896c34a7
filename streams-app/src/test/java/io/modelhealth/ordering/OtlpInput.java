package io.modelhealth.ordering;

import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.otlp.SdkSpans;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.schemas.LlmCall;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link OrderingInput}'s calls as the OpenTelemetry Collector's kafka exporter would deliver them: each
 * call a span made by the OpenTelemetry Java SDK (tenants as resources), {@value #BATCH} consecutive
 * spans per {@code ExportTraceServiceRequest}, and every {@value #NOISE_EVERY}th request also carrying
 * an HTTP span and a GenAI agent span (no LLM calls: to be skipped and counted). {@link #equivalents}
 * are the same calls as {@code llm.call.v1} records (event id = the span's trace id + span id).
 */
final class OtlpInput {

    static final int BATCH = 25;
    static final int NOISE_EVERY = 10;

    /** One request: the spans, and when the exporter writes it (its last span's end, epoch ms). */
    record Request(long timestamp, List<SpanData> spans) {
        byte[] bytes(OtlpEncoding encoding) {
            return SdkSpans.request(spans, encoding);
        }
    }

    final List<GeneratedCall> equivalents = new ArrayList<>();
    final List<Request> requests = new ArrayList<>();
    int httpSpans;
    int agentSpans;

    OtlpInput(List<GeneratedCall> calls) {
        try (SdkSpans sdk = new SdkSpans()) {
            List<SpanData> batch = new ArrayList<>();
            for (GeneratedCall c : calls) {
                SpanData span = sdk.span(c.call());
                LlmCall same = SdkSpans.asCall(c.call(), span);
                equivalents.add(new GeneratedCall(c.sequence(), c.route(), same));
                batch.add(span);
                if (batch.size() == BATCH) {
                    flush(sdk, batch, c.call());
                }
            }
            if (!batch.isEmpty()) {
                flush(sdk, batch, calls.get(calls.size() - 1).call());
            }
        }
    }

    private void flush(SdkSpans sdk, List<SpanData> batch, LlmCall last) {
        if ((requests.size() + 1) % NOISE_EVERY == 0) {
            batch.add(sdk.httpSpan(last.tenant(), last.timestamp()));
            batch.add(sdk.agentSpan(last.tenant(), last.provider(), last.model(), last.timestamp()));
            httpSpans++;
            agentSpans++;
        }
        requests.add(new Request(last.timestamp().toEpochMilli(), List.copyOf(batch)));
        batch.clear();
    }

    /** The Collector {@code file} exporter's output: one OTLP/JSON request per line. */
    String otlpJsonLines() {
        StringBuilder out = new StringBuilder();
        for (Request r : requests) {
            out.append(new String(r.bytes(OtlpEncoding.OTLP_JSON), StandardCharsets.UTF_8)).append('\n');
        }
        return out.toString();
    }
}
