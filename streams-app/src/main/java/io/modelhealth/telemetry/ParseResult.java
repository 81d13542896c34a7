package io.modelhealth.telemetry;

import io.modelhealth.schemas.LlmCall;

/**
 * The outcome of parsing one input record: a valid call, or the reason it is unusable.
 * Exactly one of {@code call} and {@code reason} is set.
 *
 * @param call   the parsed call
 * @param reason a {@link io.modelhealth.schemas.DeadLetter} reason
 * @param detail which field and what was wrong, for the dead letter's {@code error}
 */
public record ParseResult(LlmCall call, String reason, String detail) {

    public static ParseResult ok(LlmCall call) {
        return new ParseResult(call, null, null);
    }

    public static ParseResult bad(String reason, String detail) {
        return new ParseResult(null, reason, detail);
    }

    public boolean isValid() {
        return call != null;
    }
}
