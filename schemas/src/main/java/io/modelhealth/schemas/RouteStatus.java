package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

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
 * @param family        the model family of the route (config {@code families}), null when none
 * @param scopes        scopes of the route that are not healthy, judged and rerouted on their own (empty when none)
 * @param blastRadius   while the route is unhealthy, who still sends it calls, busiest first (empty otherwise)
 * @param overrideAuthor who answers for the active operator override ({@code override.v1} {@code author}, or
 *                      {@code unknown} when it named none); null when none is active
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
        Instant updatedAt,
        String family,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ScopeStatus> scopes,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Caller> blastRadius,
        String overrideAuthor) {

    public RouteStatus {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        blastRadius = blastRadius == null ? List.of() : List.copyOf(blastRadius);
    }

    /** A route's status with no override author. */
    public RouteStatus(String route, String provider, String model, HealthState state, HealthState previousState, Instant since,
                       String reason, Evidence evidence, String rerouteTarget, Double rerouteWeight, String override,
                       String configVersion, Instant updatedAt, String family, List<ScopeStatus> scopes, List<Caller> blastRadius) {
        this(route, provider, model, state, previousState, since, reason, evidence, rerouteTarget, rerouteWeight, override,
                configVersion, updatedAt, family, scopes, blastRadius, null);
    }

    /** A route's status with no family, scopes, blast radius or override author. */
    public RouteStatus(String route, String provider, String model, HealthState state, HealthState previousState, Instant since,
                       String reason, Evidence evidence, String rerouteTarget, Double rerouteWeight, String override,
                       String configVersion, Instant updatedAt) {
        this(route, provider, model, state, previousState, since, reason, evidence, rerouteTarget, rerouteWeight, override,
                configVersion, updatedAt, null, List.of(), List.of(), null);
    }
}
