package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * Part of a route's blast radius ({@code model.health.state.v1}): one tenant, from one region, that
 * still sends calls to the route (or scope) while it is unhealthy.
 *
 * @param tenant         the calling tenant, null when calls carry none
 * @param region         the region the calls come from, null when calls carry none
 * @param calls          calls from them since the incident began
 * @param callsPerMinute their rate over the last minute of event time
 * @param since          their first call in the incident
 * @param lastSeen       their last call
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Caller(String tenant, String region, long calls, double callsPerMinute, Instant since, Instant lastSeen) {
}
