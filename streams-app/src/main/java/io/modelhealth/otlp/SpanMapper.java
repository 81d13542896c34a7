package io.modelhealth.otlp;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.ParseResult;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One OTLP span (with its resource) ⇒ the {@code llm.call.v1} call it reports, or why not. Pure:
 * no Kafka types; thread-safe. The mapping is the README's table ("Already emitting OpenTelemetry?"):
 * <ul>
 *   <li>an LLM call is a span with {@code gen_ai.provider.name} (or the older {@code gen_ai.system})
 *       and {@code gen_ai.request.model}, whose {@code gen_ai.operation.name} is not an agent or tool
 *       operation (those spans wrap model calls that have spans of their own);</li>
 *   <li>{@code event_id} = hex trace id + hex span id; {@code timestamp} = end time; {@code latency_ms} =
 *       end − start;</li>
 *   <li>{@code status_code} = {@code http.response.status_code} (older: {@code http.status_code});
 *       {@code error_type} = {@code error.type}, or {@code _OTHER} (the conventions' value for an error of
 *       unknown type) when the span's status is ERROR and neither says more;</li>
 *   <li>tokens from {@code gen_ai.usage.input_tokens} / {@code output_tokens} (older: {@code prompt_tokens} /
 *       {@code completion_tokens});</li>
 *   <li>tenant and region from {@code otlp.tenant-attribute} / {@code otlp.region-attribute}; every attribute
 *       is looked up on the span first, then on the resource.</li>
 * </ul>
 * The call is then checked by the same rules as an {@code llm.call.v1} record ({@link CallParser#check}).
 */
public final class SpanMapper {

    /** What became of a span: a call, a skip (not an LLM call: counted), or a problem (dead-lettered). */
    public sealed interface Mapped {
    }

    public record Call(LlmCall call) implements Mapped {
    }

    /** @param reason the {@code reason} tag of {@code model_health_spans_skipped_total} */
    public record Skipped(String reason) implements Mapped {
    }

    /** @param reason a dead-letter reason; @param detail what was wrong, naming the span */
    public record Invalid(String reason, String detail) implements Mapped {
    }

    /** Skip reason: no {@code gen_ai.provider.name}/{@code gen_ai.system} or no {@code gen_ai.request.model}. */
    public static final String NOT_GENAI = "not_genai";
    /** Skip reason: a GenAI span that is not a model call (agent invocation, tool execution). */
    public static final String NOT_A_MODEL_CALL = "not_a_model_call";
    public static final List<String> SKIP_REASONS = List.of(NOT_GENAI, NOT_A_MODEL_CALL);

    static final String PROVIDER = "gen_ai.provider.name";
    static final String SYSTEM = "gen_ai.system";
    static final String MODEL = "gen_ai.request.model";
    static final String OPERATION = "gen_ai.operation.name";
    static final String STATUS = "http.response.status_code";
    static final String OLD_STATUS = "http.status_code";
    static final String ERROR_TYPE = "error.type";
    static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";
    static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
    static final String OLD_INPUT_TOKENS = "gen_ai.usage.prompt_tokens";
    static final String OLD_OUTPUT_TOKENS = "gen_ai.usage.completion_tokens";
    /** The conventions' {@code error.type} when the error's type is not known. */
    static final String OTHER_ERROR = "_OTHER";

    /** Spans that wrap model calls rather than being one (GenAI agent and tool spans). */
    private static final Set<String> NOT_MODEL_OPERATIONS = Set.of("invoke_agent", "create_agent", "execute_tool");
    /**
     * {@code gen_ai.system} values that {@code gen_ai.provider.name} renamed; the rest are spelled alike
     * ({@code openai}, {@code anthropic}, {@code aws.bedrock}, …).
     */
    private static final Map<String, String> RENAMED_SYSTEMS = Map.of(
            "az.ai.inference", "azure.ai.inference",
            "az.ai.openai", "azure.ai.openai",
            "vertex_ai", "gcp.vertex_ai",
            "gemini", "gcp.gemini",
            "xai", "x_ai");
    private static final HexFormat HEX = HexFormat.of();

    private final String tenantAttribute;
    private final String regionAttribute;

    public SpanMapper(AppConfig.Otlp config) {
        this.tenantAttribute = config.tenantAttribute();
        this.regionAttribute = config.regionAttribute();
    }

    public Mapped map(Resource resource, Span span) {
        List<KeyValue> spanAttrs = span.getAttributesList();
        List<KeyValue> resAttrs = resource.getAttributesList();
        String provider = text(spanAttrs, resAttrs, PROVIDER);
        if (provider == null) {
            String system = text(spanAttrs, resAttrs, SYSTEM);
            provider = system == null ? null : RENAMED_SYSTEMS.getOrDefault(system, system);
        }
        String model = text(spanAttrs, resAttrs, MODEL);
        if (provider == null || model == null) {
            return new Skipped(NOT_GENAI);
        }
        String operation = text(spanAttrs, resAttrs, OPERATION);
        if (operation != null && NOT_MODEL_OPERATIONS.contains(operation)) {
            return new Skipped(NOT_A_MODEL_CALL);
        }
        String eventId = HEX.formatHex(span.getTraceId().toByteArray()) + HEX.formatHex(span.getSpanId().toByteArray());
        String where = "span " + (eventId.isEmpty() ? "(no trace or span id)" : eventId) + " '" + abbreviate(span.getName()) + "': ";
        if (span.getStartTimeUnixNano() == 0 || span.getEndTimeUnixNano() == 0) {
            return new Invalid(DeadLetter.SCHEMA_VIOLATION, where + "start_time_unix_nano and end_time_unix_nano must both be set");
        }
        Long status = integer(spanAttrs, resAttrs, STATUS);
        if (status == null) {
            status = integer(spanAttrs, resAttrs, OLD_STATUS);
        }
        if (status != null && (status < 0 || status > 599)) {
            return new Invalid(DeadLetter.SCHEMA_VIOLATION,
                    where + STATUS + " " + status + " is outside 0-599");
        }
        String errorType = text(spanAttrs, resAttrs, ERROR_TYPE);
        if (errorType == null && status == null && span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
            errorType = OTHER_ERROR;
        }
        Long input = integer(spanAttrs, resAttrs, INPUT_TOKENS);
        Long output = integer(spanAttrs, resAttrs, OUTPUT_TOKENS);
        long start = span.getStartTimeUnixNano();
        long end = span.getEndTimeUnixNano();
        LlmCall call = new LlmCall(eventId, instant(end), provider, model,
                text(spanAttrs, resAttrs, regionAttribute), text(spanAttrs, resAttrs, tenantAttribute),
                status == null ? null : status.intValue(), errorType,
                // a start after the end gives a negative latency, which the check below rejects
                (end - start) / 1_000_000.0, null,
                input != null ? input : integer(spanAttrs, resAttrs, OLD_INPUT_TOKENS),
                output != null ? output : integer(spanAttrs, resAttrs, OLD_OUTPUT_TOKENS));
        ParseResult checked = CallParser.check(call);
        return checked.isValid() ? new Call(checked.call()) : new Invalid(checked.reason(), where + checked.detail());
    }

    private static Instant instant(long unixNanos) {
        return Instant.ofEpochSecond(Long.divideUnsigned(unixNanos, 1_000_000_000L), Long.remainderUnsigned(unixNanos, 1_000_000_000L));
    }

    /** The attribute as text (numbers and booleans in their usual form), span first; null when absent or empty. */
    private static String text(List<KeyValue> span, List<KeyValue> resource, String key) {
        AnyValue v = find(span, resource, key);
        if (v == null) {
            return null;
        }
        String s = switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> null;
        };
        return s == null || s.isEmpty() ? null : s;
    }

    /** The attribute as an integer (an int, or a string of digits as some instrumentations write), span first. */
    private static Long integer(List<KeyValue> span, List<KeyValue> resource, String key) {
        AnyValue v = find(span, resource, key);
        if (v == null) {
            return null;
        }
        if (v.getValueCase() == AnyValue.ValueCase.INT_VALUE) {
            return v.getIntValue();
        }
        if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
            try {
                return Long.parseLong(v.getStringValue().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static AnyValue find(List<KeyValue> span, List<KeyValue> resource, String key) {
        AnyValue v = find(span, key);
        return v != null ? v : find(resource, key);
    }

    private static AnyValue find(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key) && kv.hasValue() && kv.getValue().getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) {
                return kv.getValue();
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
