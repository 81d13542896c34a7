package io.modelhealth.backtest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.Locale;

/**
 * One decision of a backtest, as the report and {@code --compare} show it: a state transition
 * (a {@code model.health.state.v1} record whose state differs from its previous state) or a
 * reroute command ({@code REROUTE} / {@code RESTORE}). Two runs made "the same decision" when
 * {@link #identity()} is equal and the times are within the comparison's tolerance.
 *
 * @param at     the output record's timestamp (event time of the evidence)
 * @param route  route id
 * @param kind   {@code STATE}, {@code REROUTE} or {@code RESTORE}
 * @param detail the new state, or {@code target weight} of a command (e.g. {@code openai/gpt-5 50%})
 * @param reason the state's reason or the command's reason
 */
public record Decision(Instant at, String route, String kind, String detail, String reason) {

    public static final String STATE = "STATE";

    public static Decision of(long timestamp, RouteStatus s) {
        return new Decision(Instant.ofEpochMilli(timestamp), s.route(), STATE, s.state().name(), s.reason());
    }

    public static Decision of(long timestamp, RerouteCommand c) {
        String detail = String.format(Locale.ROOT, "%s %.0f%%", c.target(), c.weight() * 100);
        // A scoped command is the scope's decision: route|region=eu-west-1.
        return new Decision(Instant.ofEpochMilli(timestamp), c.key(), c.action().name(), detail, c.reason());
    }

    /** Whether a state record is a transition, hence a decision. */
    public static boolean isTransition(RouteStatus s) {
        return s.state() != s.previousState();
    }

    /** What two runs must agree on to have made the same decision: route, kind, state or target and weight. */
    @JsonIgnore
    public String identity() {
        return route + " " + kind + " " + detail;
    }
}
