package io.modelhealth.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.SplittableRandom;

/**
 * The bench's calls ({@link Calls}: the same routes, tenants, regions and outcome mix) as the OpenTelemetry
 * Collector's kafka exporter writes them: {@code otlp_proto} {@code ExportTraceServiceRequest}s of
 * {@code spansPerRequest} GenAI client spans, grouped by tenant resource ({@code service.name}).
 */
final class OtlpCalls {

    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-south-1"};
    private static final String[] TENANTS = {"checkout", "search", "support-bot", "ledger"};
    private static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder()
            .setName("opentelemetry.instrumentation.openai_v2").setVersion("bench").build();

    private final Calls calls;
    private final SplittableRandom random;
    private final byte[] id = new byte[24];

    OtlpCalls(Calls calls, long seed) {
        this.calls = calls;
        this.random = new SplittableRandom(seed);
    }

    /** One request of {@code n} spans ending at {@code endMs[i]} on routes {@code route[i]}. */
    byte[] request(int[] route, long[] endMs, int n) {
        ResourceSpans.Builder[] byTenant = new ResourceSpans.Builder[TENANTS.length];
        for (int i = 0; i < n; i++) {
            int tenant = random.nextInt(TENANTS.length);
            if (byTenant[tenant] == null) {
                byTenant[tenant] = ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(kv("service.name", TENANTS[tenant])))
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE));
            }
            byTenant[tenant].getScopeSpansBuilder(0).addSpans(span(route[i], endMs[i]));
        }
        ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
        for (ResourceSpans.Builder rs : byTenant) {
            if (rs != null) {
                req.addResourceSpans(rs);
            }
        }
        return req.build().toByteArray();
    }

    private Span span(int route, long endMs) {
        for (int i = 0; i < id.length; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
                id[i + b] = (byte) (v >>> (8 * b));
            }
        }
        long end = endMs * 1_000_000L + random.nextInt(1_000_000);
        long latencyNs = (200 + random.nextInt(2400)) * 1_000_000L + random.nextInt(1_000_000);
        String model = calls.route(route).substring(Calls.PROVIDER.length() + 1);
        Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(id, 0, 16)).setSpanId(ByteString.copyFrom(id, 16, 8))
                .setName("chat " + model).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(end - latencyNs).setEndTimeUnixNano(end)
                .addAttributes(kv("gen_ai.operation.name", "chat"))
                .addAttributes(kv("gen_ai.provider.name", Calls.PROVIDER))
                .addAttributes(kv("gen_ai.request.model", model))
                .addAttributes(kv("cloud.region", REGIONS[route % REGIONS.length]))
                .addAttributes(kv("gen_ai.usage.input_tokens", 200 + random.nextInt(3000)))
                .addAttributes(kv("gen_ai.usage.output_tokens", 20 + random.nextInt(800)));
        int roll = random.nextInt(1000);
        if (roll < 980) {
            s.addAttributes(kv("http.response.status_code", 200));
        } else {
            String type = roll < 990 ? "OverloadedError" : roll < 995 ? "RateLimitError" : "BadRequestError";
            int status = roll < 990 ? 529 : roll < 995 ? 429 : 400;
            s.addAttributes(kv("http.response.status_code", status)).addAttributes(kv("error.type", type))
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
        }
        return s.build();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue kv(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
