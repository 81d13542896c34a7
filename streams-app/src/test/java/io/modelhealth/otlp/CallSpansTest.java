package io.modelhealth.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.LlmCall;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link CallSpans} is the inverse of {@link SpanMapper}: calls → spans → the same calls. */
class CallSpansTest {

    private static final AppConfig.Otlp OTLP = AppConfig.Otlp.DEFAULT;
    private static final CallSpans SPANS = new CallSpans(OTLP);
    private static final SpanMapper MAPPER = new SpanMapper(OTLP);
    private static final Instant START = Instant.parse("2026-11-27T03:00:00.123456789Z");

    @ParameterizedTest
    @EnumSource(OtlpEncoding.class)
    void theDemoScenariosCallsComeBackFieldForFieldThroughEitherEncoding(OtlpEncoding encoding) throws Exception {
        Scenario demo = Scenarios.byName("demo");
        // 60 s of the story: the withdrawal (403/451), the outage (529/503/500/timeouts with status 0),
        // noise (client errors), every tenant and region.
        List<LlmCall> calls = CallSchedule.of(demo, 100, START, Duration.ofSeconds(60), 3).stream()
                .map(GeneratedCall::call).toList();
        assertThat(calls).extracting(LlmCall::statusCode).contains(200, 403, 451, 529, 503, 500, 0);
        assertThat(calls).extracting(LlmCall::tenant).containsAll(io.modelhealth.scenario.Scenario.TENANTS);
        assertThat(calls.stream().map(LlmCall::region).collect(Collectors.toSet()))
                .containsAll(Scenarios.ROUTES.stream().flatMap(r -> r.regions().stream()).toList());

        OtlpCodec codec = new OtlpCodec(encoding);
        ExportTraceServiceRequest request = codec.decode(codec.encode(SPANS.request(calls)));

        assertThat(mapped(request)).containsExactlyInAnyOrderElementsOf(calls.stream().map(CallSpansTest::asSpan).toList());
        // One resource per tenant, as each service has its own SDK; the spans keep their calls' order within it.
        assertThat(request.getResourceSpansList()).hasSize(Scenario.TENANTS.size());
        for (ResourceSpans rs : request.getResourceSpansList()) {
            String tenant = attribute(rs.getResource().getAttributesList(), "service.name");
            List<String> ids = rs.getScopeSpans(0).getSpansList().stream().map(s -> eventId(rs, s)).toList();
            assertThat(ids).containsExactlyElementsOf(calls.stream().filter(c -> c.tenant().equals(tenant))
                    .map(c -> CallSpans.eventId(c.eventId())).toList());
        }
    }

    @Test
    void aCallWithNothingOptionalAndATraceShapedIdComesBackExactly() {
        String id = "0af7651916cd43dd8448eb211c80319c" + "b7ad6b7169203331";
        LlmCall bare = new LlmCall(id, START, "openai", "gpt-5", null, null, null, null, 812.5, null, null, null);
        ExportTraceServiceRequest request = SPANS.request(List.of(bare));

        assertThat(mapped(request)).containsExactly(bare);
        assertThat(request.getResourceSpans(0).getResource().getAttributesList()).isEmpty();
        Span span = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(span.getName()).isEqualTo("chat gpt-5");
        assertThat(span.getEndTimeUnixNano() - span.getStartTimeUnixNano()).isEqualTo(812_500_000L);
    }

    @Test
    void failedCallsAreErrorSpansAndTheEventIdIsStablePerCall() {
        LlmCall refused = new LlmCall("sim-1-7", START, "anthropic", "claude-fable-5", "eu-west-1", "search", 403,
                "model_not_available", 41.2, null, null, null);
        LlmCall timeout = new LlmCall("sim-1-8", START, "google", "gemini-3-pro", null, "chat", 0, "timeout", 30_012.3,
                null, null, null);
        LlmCall bareFailure = new LlmCall("sim-1-9", START, "google", "gemini-3-pro", null, "chat", 500, null, 99.9,
                null, null, null);
        ExportTraceServiceRequest request = SPANS.request(List.of(refused, timeout, bareFailure));

        assertThat(mapped(request)).containsExactly(asSpan(refused), asSpan(timeout), asSpan(bareFailure));
        List<Span> spans = request.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
                .flatMap(ss -> ss.getSpansList().stream()).toList();
        assertThat(spans).allSatisfy(s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR));
        assertThat(spans).extracting(s -> s.getStatus().getMessage()).containsExactly("model_not_available", "timeout", "HTTP 500");
        assertThat(CallSpans.eventId("sim-1-7")).isEqualTo(CallSpans.eventId("sim-1-7")).hasSize(48)
                .isNotEqualTo(CallSpans.eventId("sim-1-8"));
    }

    /** What the monitor reads from a call sent as a span: the span's ids for its event id, no ttft. */
    static LlmCall asSpan(LlmCall c) {
        return new LlmCall(CallSpans.eventId(c.eventId()), c.timestamp(), c.provider(), c.model(), c.region(), c.tenant(),
                c.statusCode(), c.errorType(), c.latencyMs(), null, c.inputTokens(), c.outputTokens());
    }

    private static List<LlmCall> mapped(ExportTraceServiceRequest request) {
        List<LlmCall> out = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    SpanMapper.Mapped m = MAPPER.map(rs.getResource(), span);
                    assertThat(m).isInstanceOf(SpanMapper.Call.class);
                    out.add(((SpanMapper.Call) m).call());
                }
            }
        }
        return out;
    }

    private static String eventId(ResourceSpans rs, Span span) {
        return ((SpanMapper.Call) MAPPER.map(rs.getResource(), span)).call().eventId();
    }

    private static String attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(kv -> kv.getValue().getStringValue())
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    @Test
    void tenantsAreResourcesInOrderOfFirstAppearance() {
        LlmCall a = new LlmCall("a", START, "openai", "gpt-5", null, "support", 200, null, 1, null, null, null);
        LlmCall b = new LlmCall("b", START, "openai", "gpt-5", null, null, 200, null, 1, null, null, null);
        LlmCall c = new LlmCall("c", START, "openai", "gpt-5", null, "search", 200, null, 1, null, null, null);
        ExportTraceServiceRequest request = SPANS.request(List.of(a, b, c, a));
        assertThat(request.getResourceSpansList()).extracting(rs -> attribute(rs.getResource().getAttributesList(), "service.name"))
                .containsExactly("support", null, "search");
        assertThat(request.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(2);
        assertThat(Set.copyOf(mapped(request))).containsExactlyInAnyOrder(asSpan(a), asSpan(b), asSpan(c));
    }
}
