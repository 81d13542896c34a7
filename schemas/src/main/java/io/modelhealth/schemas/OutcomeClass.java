package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What one finished call says about the model that served it. The rules that map a status code and
 * error type to a class are configuration (see the app's {@code classes} section); the classes are
 * the contract.
 */
public enum OutcomeClass {
    /** 2xx without an error type. */
    SUCCESS,
    /** The provider could not serve: 5xx, 529, no response, timeouts. Counts against the model. */
    AVAILABILITY,
    /** Hard throttling (429). Counts against the model, with its own threshold. */
    RATE_LIMIT,
    /** The model is refused by policy (403, 451, model withdrawn). Not transient: retrying never helps. */
    POLICY_BLOCK,
    /** Output was filtered. Only a fleet-wide spike matters; never a reroute by itself. */
    CONTENT_FILTER,
    /** The caller's own fault (400, 401, 413, 422). Never counts against the model. */
    CLIENT;

    private static final OutcomeClass[] VALUES = values();

    /** The wire name: lowercase with underscores, as in {@code by_class} and metric tags. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static OutcomeClass fromWireName(String name) {
        for (OutcomeClass c : VALUES) {
            if (c.wireName().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown outcome class '" + name + "'");
    }

    /** Classes whose calls count against the model in error ratios (everything but success, content filter and client). */
    public boolean countsAgainstModel() {
        return this == AVAILABILITY || this == RATE_LIMIT || this == POLICY_BLOCK;
    }
}
