package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * Why a decision was taken: the rule, the window it looked at and the numbers it saw. Carried by
 * state records and reroute commands so that every decision can be checked by hand.
 *
 * @param rule          the rule that decided, e.g. {@code policy_block.window}, {@code availability.burn_rate}
 * @param windowSeconds length of the window the rule looked at
 * @param windowStart   start of that window (event time)
 * @param windowEnd     end of that window (event time)
 * @param calls         calls in the window
 * @param errors        calls of the deciding class(es) in the window
 * @param ratio         errors / calls
 * @param threshold     the threshold the ratio was compared with
 * @param byClass       calls per class in the window
 * @param configVersion version (hash) of the configuration that decided
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Evidence(
        String rule,
        long windowSeconds,
        Instant windowStart,
        Instant windowEnd,
        long calls,
        long errors,
        double ratio,
        double threshold,
        Map<OutcomeClass, Long> byClass,
        String configVersion) {
}
