package io.modelhealth.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;

/**
 * A route whose traffic is (partly) moved, as {@code GET /api/reroutes} lists it. Read from the
 * state records, which carry the reroute in force; the commands topic stays the record of what
 * routing services were told.
 *
 * @param route  the route whose traffic moves
 * @param target the fallback route
 * @param weight share of the route's traffic moved to {@code target}, 0–1
 * @param state  the route's health state
 * @param since  when the route entered that state
 * @param reason why, as in the state record
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ActiveReroute(String route, String target, double weight, HealthState state, Instant since,
                            String reason) {

    /** The reroute a state record carries, or null when it carries none. */
    public static ActiveReroute of(RouteStatus s) {
        if (s == null || s.rerouteTarget() == null) {
            return null;
        }
        return new ActiveReroute(s.route(), s.rerouteTarget(), s.rerouteWeight() == null ? 0.0 : s.rerouteWeight(),
                s.state(), s.since(), s.reason());
    }
}
