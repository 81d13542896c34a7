package io.modelhealth.scenario;

import java.time.Duration;
import java.util.Objects;

/**
 * A milestone of a scenario's timeline, for people: what starts happening at {@code at} and what
 * the monitor is expected to do about it. The {@code demo} prints these as its script.
 *
 * @param at          offset from the scenario's start
 * @param description what happens to the traffic
 * @param expected    what the monitor should do (state, reroute, alert); empty when nothing
 */
public record Phase(Duration at, String description, String expected) {

    public Phase {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(description, "description");
        expected = expected == null ? "" : expected;
    }

    /** "t+20s  anthropic/claude-fable-5 … withdrawn  → expect BLOCKED …". */
    @Override
    public String toString() {
        String head = String.format("t+%-5s %s", at.toSeconds() + "s", description);
        return expected.isEmpty() ? head : head + "  → expect " + expected;
    }
}
