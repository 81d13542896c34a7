package io.modelhealth.scenario;

import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;

/**
 * One generated call and the route it belongs to.
 *
 * @param sequence 1-based position in its run; part of the event id
 * @param route    route id {@code provider/model}: the recommended Kafka key
 * @param call     the {@code llm.call.v1} record
 */
public record GeneratedCall(long sequence, String route, LlmCall call) {

    /** The Kafka key: the route id as UTF-8. */
    public byte[] key() {
        return route.getBytes(StandardCharsets.UTF_8);
    }
}
