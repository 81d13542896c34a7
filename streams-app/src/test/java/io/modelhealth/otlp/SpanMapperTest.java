package io.modelhealth.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link SpanMapper} and {@link OtlpCodec}: every rule of the README's mapping table, and bad input. */
class SpanMapperTest {

    private static final AppConfig.Otlp OTLP = AppConfig.defaults().otlp();
    private static final SpanMapper MAPPER = new SpanMapper(OTLP);
    private static final byte[] TRACE = HexFormat.of().parseHex("0af7651916cd43dd8448eb211c80319c");
    private static final byte[] SPAN = HexFormat.of().parseHex("b7ad6b7169203331");
    private static final long END = Instant.parse("2026-11-27T14:03:07.250Z").getEpochSecond() * 1_000_000_000L + 250_000_000L;
    private static final Resource RESOURCE = Resource.newBuilder().addAttributes(kv("service.name", "checkout"))
            .addAttributes(kv("cloud.region", "eu-west-1")).build();

    @ParameterizedTest
    @EnumSource(OtlpEncoding.class)
    void sdkSpansInBothEncodingsMapToTheCallTheyReport(OtlpEncoding encoding) throws Exception {
        LlmCall call = new LlmCall("ignored", Instant.parse("2026-11-27T14:03:07.123456789Z"), "anthropic", "claude-fable-5",
                "us-east-1", "search", 403, "model_not_available", 812.5, null, 1200L, 0L);
        try (SdkSpans sdk = new SdkSpans()) {
            SpanData span = sdk.span(call);
            byte[] bytes = SdkSpans.request(List.of(span), encoding);
            ExportTraceServiceRequest request = new OtlpCodec(encoding).decode(bytes);
            Span decoded = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
            assertThat(HexFormat.of().formatHex(decoded.getTraceId().toByteArray())).isEqualTo(span.getTraceId());
            SpanMapper.Mapped m = MAPPER.map(request.getResourceSpans(0).getResource(), decoded);
            assertThat(m).isEqualTo(new SpanMapper.Call(SdkSpans.asCall(call, span)));
            LlmCall c = ((SpanMapper.Call) m).call();
            assertThat(c.eventId()).hasSize(48).isEqualTo(span.getTraceId() + span.getSpanId());
            assertThat(c.tenant()).as("service.name of the resource").isEqualTo("search");
            assertThat(c.region()).as("cloud.region of the span").isEqualTo("us-east-1");
            assertThat(c.latencyMs()).isEqualTo(812.5);
        }
    }

    @Test
    void otlpJsonWritesIdsInHexAndTheCodecWritesThemBack() throws Exception {
        try (SdkSpans sdk = new SdkSpans()) {
            SpanData span = sdk.httpSpan("checkout", Instant.parse("2026-11-27T14:03:07Z"));
            String json = new String(SdkSpans.request(List.of(span), OtlpEncoding.OTLP_JSON), StandardCharsets.UTF_8);
            assertThat(json).contains("\"traceId\":\"" + span.getTraceId() + "\"").contains("\"spanId\":\"" + span.getSpanId() + "\"");
            OtlpCodec codec = new OtlpCodec(OtlpEncoding.OTLP_JSON);
            ExportTraceServiceRequest request = codec.decode(json.getBytes(StandardCharsets.UTF_8));
            String again = new String(codec.encode(request), StandardCharsets.UTF_8);
            assertThat(again).contains("\"traceId\":\"" + span.getTraceId() + "\"");
            assertThat(codec.decode(again.getBytes(StandardCharsets.UTF_8))).isEqualTo(request);
            assertThat(new OtlpCodec(OtlpEncoding.OTLP_PROTO).decode(SdkSpans.request(List.of(span), OtlpEncoding.OTLP_PROTO)))
                    .as("both encodings decode to the same request").isEqualTo(request);
        }
    }

    @Test
    void aSpanWithoutGenAiAttributesIsSkippedNotDeadLettered() {
        assertThat(MAPPER.map(RESOURCE, span().build())).isEqualTo(new SpanMapper.Skipped(SpanMapper.NOT_GENAI));
        assertThat(MAPPER.map(RESOURCE, span().addAttributes(kv("gen_ai.provider.name", "openai")).build()))
                .as("no gen_ai.request.model").isEqualTo(new SpanMapper.Skipped(SpanMapper.NOT_GENAI));
        assertThat(MAPPER.map(RESOURCE, span().addAttributes(kv("gen_ai.request.model", "gpt-5")).build()))
                .as("no provider").isEqualTo(new SpanMapper.Skipped(SpanMapper.NOT_GENAI));
        assertThat(MAPPER.map(RESOURCE, genAi("openai", "gpt-5").addAttributes(kv("gen_ai.operation.name", "invoke_agent")).build()))
                .isEqualTo(new SpanMapper.Skipped(SpanMapper.NOT_A_MODEL_CALL));
        assertThat(MAPPER.map(RESOURCE, genAi("openai", "gpt-5").addAttributes(kv("gen_ai.operation.name", "execute_tool")).build()))
                .isEqualTo(new SpanMapper.Skipped(SpanMapper.NOT_A_MODEL_CALL));
        assertThat(call(genAi("openai", "text-embedding-3").addAttributes(kv("gen_ai.operation.name", "embeddings")))).isNotNull();
    }

    @ParameterizedTest
    @CsvSource({"vertex_ai,gcp.vertex_ai", "gemini,gcp.gemini", "az.ai.openai,azure.ai.openai",
            "az.ai.inference,azure.ai.inference", "xai,x_ai", "aws.bedrock,aws.bedrock", "anthropic,anthropic"})
    void theOlderGenAiSystemNamesTheProviderByItsCurrentName(String system, String provider) {
        LlmCall c = call(span().addAttributes(kv("gen_ai.system", system)).addAttributes(kv("gen_ai.request.model", "m-1")));
        assertThat(c.provider()).isEqualTo(provider);
        assertThat(c.route()).isEqualTo(provider + "/m-1");
    }

    @Test
    void providerNameWinsOverTheOlderSystem() {
        assertThat(call(genAi("aws.bedrock", "anthropic.claude-fable-5-v1:0").addAttributes(kv("gen_ai.system", "anthropic"))).provider())
                .isEqualTo("aws.bedrock");
    }

    @Test
    void idsTimesAndTokens() {
        LlmCall c = call(genAi("openai", "gpt-5").setStartTimeUnixNano(END - 1_234_500_000L)
                .addAttributes(kv("gen_ai.usage.input_tokens", 31)).addAttributes(kv("gen_ai.usage.output_tokens", 7)));
        assertThat(c.eventId()).isEqualTo("0af7651916cd43dd8448eb211c80319cb7ad6b7169203331");
        assertThat(c.timestamp()).as("event time = end time").isEqualTo(Instant.parse("2026-11-27T14:03:07.250Z"));
        assertThat(c.latencyMs()).as("end − start").isEqualTo(1234.5);
        assertThat(c.inputTokens()).isEqualTo(31);
        assertThat(c.outputTokens()).isEqualTo(7);
        assertThat(c.statusCode()).isNull();
        assertThat(c.errorType()).isNull();
        LlmCall old = call(genAi("openai", "gpt-5").addAttributes(kv("gen_ai.usage.prompt_tokens", 3))
                .addAttributes(kv("gen_ai.usage.completion_tokens", 4)));
        assertThat(old.inputTokens()).isEqualTo(3);
        assertThat(old.outputTokens()).isEqualTo(4);
    }

    @Test
    void statusFromTheHttpStatusCodeErrorTypeAndSpanStatus() {
        assertThat(call(genAi("openai", "gpt-5").addAttributes(kv("http.response.status_code", 429))).statusCode()).isEqualTo(429);
        assertThat(call(genAi("openai", "gpt-5").addAttributes(kv("http.status_code", 503))).statusCode()).as("older key").isEqualTo(503);
        assertThat(call(genAi("openai", "gpt-5").addAttributes(kv("http.response.status_code", "451"))).statusCode())
                .as("a string of digits").isEqualTo(451);
        LlmCall typed = call(genAi("openai", "gpt-5").addAttributes(kv("error.type", "RateLimitError"))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)));
        assertThat(typed.errorType()).isEqualTo("RateLimitError");
        LlmCall bare = call(genAi("openai", "gpt-5").setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)));
        assertThat(bare.errorType()).as("ERROR with nothing else").isEqualTo(SpanMapper.OTHER_ERROR);
        assertThat(new OutcomeClassifier(AppConfig.defaults().classes()).classify(bare)).isEqualTo(OutcomeClass.AVAILABILITY);
        LlmCall ok = call(genAi("openai", "gpt-5").setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK)));
        assertThat(ok.errorType()).isNull();
        LlmCall coded = call(genAi("openai", "gpt-5").addAttributes(kv("http.response.status_code", 500))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)));
        assertThat(coded.errorType()).as("the status code says enough").isNull();
    }

    @Test
    void tenantAndRegionFromTheSpanFirstThenTheResource() {
        LlmCall fromResource = call(genAi("openai", "gpt-5"));
        assertThat(fromResource.tenant()).isEqualTo("checkout");
        assertThat(fromResource.region()).isEqualTo("eu-west-1");
        LlmCall fromSpan = call(genAi("openai", "gpt-5").addAttributes(kv("service.name", "override"))
                .addAttributes(kv("cloud.region", "us-east-2")));
        assertThat(fromSpan.tenant()).isEqualTo("override");
        assertThat(fromSpan.region()).isEqualTo("us-east-2");
        SpanMapper custom = new SpanMapper(new AppConfig.Otlp(true, "otlp_spans", OtlpEncoding.OTLP_PROTO, "tenant.id", "gen_ai.region"));
        Resource r = Resource.newBuilder().addAttributes(kv("tenant.id", "acme")).build();
        LlmCall c = ((SpanMapper.Call) custom.map(r, genAi("openai", "gpt-5").addAttributes(kv("gen_ai.region", "ap-south-1")).build())).call();
        assertThat(c.tenant()).isEqualTo("acme");
        assertThat(c.region()).isEqualTo("ap-south-1");
        assertThat(call(genAi("openai", "gpt-5"), Resource.getDefaultInstance()).tenant()).as("absent: null").isNull();
    }

    @Test
    void aSpanThatBreaksTheCallRulesIsInvalidNamingTheSpan() {
        assertInvalid(genAi("openai", "gpt-5").setStartTimeUnixNano(END + 1), DeadLetter.SCHEMA_VIOLATION, "latency_ms");
        assertInvalid(genAi("openai", "gpt-5").setStartTimeUnixNano(0), DeadLetter.SCHEMA_VIOLATION, "start_time_unix_nano");
        assertInvalid(genAi("openai", "gpt-5").setEndTimeUnixNano(0), DeadLetter.SCHEMA_VIOLATION, "end_time_unix_nano");
        assertInvalid(genAi("openai", "gpt-5").addAttributes(kv("http.response.status_code", 700)), DeadLetter.SCHEMA_VIOLATION, "outside 0-599");
        assertInvalid(genAi("my/provider", "gpt-5"), DeadLetter.SCHEMA_VIOLATION, "contains '/'");
        assertInvalid(genAi("openai", "m".repeat(257)), DeadLetter.SCHEMA_VIOLATION, "model is 257 characters");
        assertInvalid(genAi("openai", "gpt-5").addAttributes(kv("gen_ai.usage.input_tokens", -1)), DeadLetter.SCHEMA_VIOLATION, "token");
        long y1990 = Instant.parse("1990-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;
        assertInvalid(genAi("openai", "gpt-5").setStartTimeUnixNano(y1990 - 1000).setEndTimeUnixNano(y1990),
                DeadLetter.TIMESTAMP_OUT_OF_RANGE, "believable");
        SpanMapper.Invalid i = (SpanMapper.Invalid) MAPPER.map(RESOURCE, genAi("openai", "gpt-5").setStartTimeUnixNano(0).build());
        assertThat(i.detail()).contains("0af7651916cd43dd8448eb211c80319cb7ad6b7169203331").contains("'chat gpt-5'");
    }

    @Test
    void recordsThatAreNoRequestAreRejectedWithAReason() {
        OtlpCodec proto = new OtlpCodec(OtlpEncoding.OTLP_PROTO);
        OtlpCodec json = new OtlpCodec(OtlpEncoding.OTLP_JSON);
        assertNotOtlp(proto, null, DeadLetter.NULL_VALUE, "null");
        assertNotOtlp(proto, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}, DeadLetter.SCHEMA_VIOLATION, "otlp_proto");
        assertNotOtlp(proto, "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8), DeadLetter.SCHEMA_VIOLATION,
                "not an ExportTraceServiceRequest");
        assertNotOtlp(proto, "{\"resourceSpans\":[]}".getBytes(StandardCharsets.UTF_8), DeadLetter.SCHEMA_VIOLATION, "otlp_json?");
        assertNotOtlp(json, "<html>".getBytes(StandardCharsets.UTF_8), DeadLetter.NOT_JSON, "not valid JSON");
        assertNotOtlp(json, "[1,2]".getBytes(StandardCharsets.UTF_8), DeadLetter.SCHEMA_VIOLATION, "JSON object");
        assertNotOtlp(json, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"not-hex\"}]}]}]}".getBytes(StandardCharsets.UTF_8),
                DeadLetter.SCHEMA_VIOLATION, "traceId 'not-hex' is not hex");
        assertNotOtlp(json, "{\"resourceSpans\":{\"x\":1}}".getBytes(StandardCharsets.UTF_8), DeadLetter.SCHEMA_VIOLATION,
                "not an OTLP/JSON ExportTraceServiceRequest");
    }

    @Test
    void anEmptyRequestIsValidAndHoldsNoSpans() throws Exception {
        assertThat(new OtlpCodec(OtlpEncoding.OTLP_PROTO).decode(new byte[0]).getResourceSpansCount()).isZero();
        assertThat(new OtlpCodec(OtlpEncoding.OTLP_JSON).decode("{}".getBytes(StandardCharsets.UTF_8)).getResourceSpansCount()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"RateLimitError,rate_limit", "openai.RateLimitError,rate_limit", "anthropic.RateLimitError,rate_limit",
            "com.openai.errors.RateLimitException,rate_limit", "ThrottlingException,rate_limit",
            "PermissionDeniedError,policy_block", "AccessDeniedException,policy_block", "NotFoundError,policy_block",
            "openai.NotFoundError,policy_block", "APITimeoutError,availability", "TimeoutError,availability",
            "java.net.SocketTimeoutException,availability", "InternalServerError,availability",
            "APIConnectionError,availability", "ServiceUnavailableError,availability", "OverloadedError,availability",
            "BadRequestError,client", "AuthenticationError,client", "not_found_error,client", "model_not_found,policy_block",
            "some.unknown.Error,availability"})
    void exceptionClassNamesInErrorTypeHaveDefaultClasses(String errorType, String outcome) {
        OutcomeClassifier classifier = new OutcomeClassifier(AppConfig.defaults().classes());
        assertThat(classifier.classify(null, errorType).wireName()).isEqualTo(outcome);
    }

    // ---------------------------------------------------------------- helpers

    private static void assertInvalid(Span.Builder span, String reason, String detail) {
        SpanMapper.Mapped m = MAPPER.map(RESOURCE, span.build());
        assertThat(m).isInstanceOf(SpanMapper.Invalid.class);
        assertThat(((SpanMapper.Invalid) m).reason()).isEqualTo(reason);
        assertThat(((SpanMapper.Invalid) m).detail()).contains(detail);
    }

    private static void assertNotOtlp(OtlpCodec codec, byte[] value, String reason, String detail) {
        assertThatThrownBy(() -> codec.decode(value)).isInstanceOfSatisfying(OtlpCodec.NotOtlpException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(detail);
        });
    }

    private static LlmCall call(Span.Builder span) {
        return call(span, RESOURCE);
    }

    private static LlmCall call(Span.Builder span, Resource resource) {
        SpanMapper.Mapped m = MAPPER.map(resource, span.build());
        assertThat(m).isInstanceOf(SpanMapper.Call.class);
        return ((SpanMapper.Call) m).call();
    }

    private static Span.Builder span() {
        return Span.newBuilder().setTraceId(ByteString.copyFrom(TRACE)).setSpanId(ByteString.copyFrom(SPAN)).setName("chat gpt-5")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT).setStartTimeUnixNano(END - 500_000_000L).setEndTimeUnixNano(END);
    }

    private static Span.Builder genAi(String provider, String model) {
        return span().addAttributes(kv("gen_ai.provider.name", provider)).addAttributes(kv("gen_ai.request.model", model));
    }

    static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    static KeyValue kv(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
