package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A scope of a route (a region, a tenant) that is not healthy, judged on its own calls; listed in
 * the route's {@code model.health.state.v1} record.
 *
 * @param scope         the fields that select the scope's calls, e.g. {@code {region: eu-west-1}}
 * @param state         the scope's health state
 * @param since         when it entered that state (event time)
 * @param reason        short reason
 * @param rerouteTarget where the scope's calls are moved, null when nowhere
 * @param rerouteWeight weight of the scope's reroute, null when none
 * @param blastRadius   who still calls the route in this scope
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ScopeStatus(Map<String, String> scope, HealthState state, Instant since, String reason, String rerouteTarget,
                          Double rerouteWeight, List<Caller> blastRadius) {

    public ScopeStatus {
        scope = scope == null ? Map.of() : Map.copyOf(scope);
        blastRadius = blastRadius == null ? List.of() : List.copyOf(blastRadius);
    }
}
