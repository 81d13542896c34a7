package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * {@code model.health.state.v1}: the latest health state of one route (compacted topic, keyed by route).
 *
 * @param route         route id
 * @param provider      provider of the route
 * @param model         model of the route
 * @param state         current state
 * @param previousState the state before this one (null for the first record of a route)
 * @param since         when the route entered {@code state} (event time)
 * @param reason        short reason: outcome class and rule, e.g. {@code policy_block: 6 of 6 calls in 30s}
 * @param evidence      the numbers behind the decision (null for IDLE and override-only changes)
 * @param rerouteTarget the route traffic is currently moved to, null when none
 * @param rerouteWeight the weight of the active reroute, null when none
 * @param override      a short description of an active operator override, null when none
 * @param configVersion version of the configuration that decided
 * @param updatedAt     event time of this record
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteStatus(
        String route,
        String provider,
        String model,
        HealthState state,
        HealthState previousState,
        Instant since,
        String reason,
        Evidence evidence,
        String rerouteTarget,
        Double rerouteWeight,
        String override,
        String configVersion,
        Instant updatedAt) {
}
