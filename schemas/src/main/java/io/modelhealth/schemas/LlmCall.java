package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * {@code llm.call.v1}: one finished LLM call, as services report it. Field names follow the
 * OpenTelemetry GenAI conventions where one exists. Optional fields are null when absent.
 *
 * @param eventId      unique per call (at most 128 chars); duplicates are dropped
 * @param timestamp    when the call finished (event time, UTC)
 * @param provider     {@code gen_ai.provider.name}, e.g. {@code anthropic}
 * @param model        {@code gen_ai.request.model}
 * @param region       provider region or endpoint (optional)
 * @param tenant       calling team or product (optional)
 * @param statusCode   HTTP status, 0 for no response (optional)
 * @param errorType    {@code error.type}: provider error code or exception class (optional)
 * @param latencyMs    end-to-end duration in milliseconds
 * @param ttftMs       time to first token in milliseconds (optional)
 * @param inputTokens  {@code gen_ai.usage.input_tokens} (optional)
 * @param outputTokens {@code gen_ai.usage.output_tokens} (optional)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LlmCall(
        String eventId,
        Instant timestamp,
        String provider,
        String model,
        String region,
        String tenant,
        Integer statusCode,
        String errorType,
        double latencyMs,
        Double ttftMs,
        Long inputTokens,
        Long outputTokens) {

    /** The default route id, {@code provider/model}. */
    public String route() {
        return provider + "/" + model;
    }
}
