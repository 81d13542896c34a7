package io.modelhealth.telemetry;

import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;

/**
 * One input record after parsing: a call with its route id, or a dead letter. Lives only between
 * two processors of one sub-topology; never serialized.
 *
 * @param route        route id of the call
 * @param call         the call (null for a dead letter)
 * @param dead         the dead letter (null for a call)
 * @param keyedByRoute the record's key already was the route id, so it sits on the right partition
 */
public record Ingested(String route, LlmCall call, DeadLetter dead, boolean keyedByRoute) {

    public boolean isDeadLetter() {
        return dead != null;
    }
}
