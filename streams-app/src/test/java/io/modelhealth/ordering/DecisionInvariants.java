package io.modelhealth.ordering;

import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What must hold of any run's decisions, checked against the input's ground truth rather than
 * against another run:
 * <ul>
 *   <li>no command that moves traffic (REROUTE, or RESTORE with weight &gt; 0) targets a route the
 *       input makes fail at the command's event time ({@link OrderingInput#failingAt}), nor a route
 *       the run itself had BLOCKED or UNAVAILABLE then (its {@code model.health.state} records);</li>
 *   <li>the two withdrawn siblings are never rerouted to each other.</li>
 * </ul>
 */
final class DecisionInvariants {

    private static final Set<HealthState> FAILED = Set.of(HealthState.BLOCKED, HealthState.UNAVAILABLE);

    private DecisionInvariants() {
    }

    static void assertHold(String runName, Outputs run, OrderingInput input) {
        List<String> violations = violations(run, input);
        if (!violations.isEmpty()) {
            throw new AssertionError(runName + ": " + violations.size() + " violation(s) of the fleet invariants:\n  - "
                    + String.join("\n  - ", violations) + "\n" + runName + " decided:\n" + Decisions.show(run.commands(), input));
        }
    }

    static List<String> violations(Outputs run, OrderingInput input) {
        List<String> v = new ArrayList<>();
        for (RerouteCommand c : run.commands()) {
            boolean sibling = c.route().equals(OrderingInput.FABLE) && OrderingInput.HAIKU.equals(c.target())
                    || c.route().equals(OrderingInput.HAIKU) && OrderingInput.FABLE.equals(c.target());
            if (sibling) {
                v.add(c.route() + " " + c.action() + " to its withdrawn sibling " + c.target() + " at " + input.rel(c.issuedAt())
                        + " (epoch " + c.epoch() + ")");
            }
            if (c.target() == null || c.targetShare() <= 0) {
                continue;
            }
            if (input.failingAt(c.target(), c.issuedAt())) {
                v.add(c.route() + " " + c.action() + " -> " + c.target() + " at " + input.rel(c.issuedAt()) + " (epoch " + c.epoch()
                        + "): the input makes " + c.target() + " fail at that time");
            }
            RouteStatus s = stateAt(run.states(), c.target(), c.issuedAt());
            if (s != null && FAILED.contains(s.state())) {
                v.add(c.route() + " " + c.action() + " -> " + c.target() + " at " + input.rel(c.issuedAt()) + " (epoch " + c.epoch()
                        + "): the run had " + c.target() + " " + s.state() + " since " + input.rel(s.since()));
            }
        }
        return v;
    }

    /** The route's state at event time {@code t}: the record with the latest {@code since} ≤ t, or null. */
    static RouteStatus stateAt(List<RouteStatus> states, String route, Instant t) {
        RouteStatus at = null;
        for (RouteStatus s : states) {
            if (s.route().equals(route) && s.since() != null && !s.since().isAfter(t)
                    && (at == null || !s.since().isBefore(at.since()))) {
                at = s;
            }
        }
        return at;
    }
}
